"""Utilities: seeding, label encoding, the progress bar and PyDataset."""

import numpy as np

from tinykeras.backend import set_random_seed
from tinykeras.utils.progbar import Progbar, set_progress_style
from tinykeras.utils.py_dataset import PyDataset, Sequence


def to_categorical(x, num_classes=None):
    """One-hot encode integer labels ``x`` (shape ``(m,)`` or ``(m, 1)``) as floatx columns."""
    from tinykeras.backend import floatx

    labels = np.asarray(x).astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    return (labels[..., None] == np.arange(num_classes)).astype(floatx())


__all__ = ["Progbar", "PyDataset", "Sequence", "set_progress_style", "set_random_seed",
           "to_categorical"]
