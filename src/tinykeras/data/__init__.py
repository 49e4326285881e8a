"""``tinykeras.data``: ``tf.data`` on NumPy: ``Dataset`` pipelines and a CSV reader.

``import tinykeras as tf`` then ``tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000)
.batch(32)`` gives batches that ``fit``, ``evaluate`` and ``predict`` take directly.
"""

import types

from tinykeras.data.csv_dataset import CsvDataset
from tinykeras.data.dataset import AUTOTUNE, Dataset

experimental = types.ModuleType(
    "tinykeras.data.experimental", "tf.data.experimental: the CSV reader and AUTOTUNE.")
experimental.CsvDataset = CsvDataset
experimental.AUTOTUNE = AUTOTUNE

__all__ = ["AUTOTUNE", "CsvDataset", "Dataset", "experimental"]
