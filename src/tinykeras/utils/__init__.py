"""Utilities: seeding, label encoding, the progress bar, PyDataset and plots."""

import numpy as np

from tinykeras.backend import set_random_seed
from tinykeras.utils.plotting import (  # matplotlib is imported only when a plot is drawn
    plot_decision_boundary,
    plot_history,
    plot_images,
    plot_model,
    plot_training,
)
from tinykeras.utils.progbar import Progbar, set_progress_style
from tinykeras.utils.py_dataset import PyDataset, Sequence
from tinykeras.utils.splits import ValidationSplit


def to_categorical(x, num_classes=None):
    """One-hot encode integer labels ``x`` (shape ``(m,)`` or ``(m, 1)``) as floatx columns."""
    from tinykeras.backend import floatx
    from tinykeras.errors import InvalidArgumentError
    from tinykeras.utils import validation

    values = np.asarray(x)
    if values.dtype.kind not in "biuf" or (values.dtype.kind == "f" and (
            not np.all(np.isfinite(values)) or np.any(values != np.round(values)))):
        raise InvalidArgumentError(
            "to_categorical expects integer class labels. Received values such as "
            f"{values.reshape(-1)[:3]} of dtype {values.dtype}."
        )
    labels = values.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise InvalidArgumentError(
            f"to_categorical expects labels >= 0. Received the label {labels.min()}; shift "
            "labels that start below 0 (labels - labels.min())."
        )
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    num_classes = validation.check_int("num_classes", num_classes, low=0, who="to_categorical")
    if labels.size and labels.max() >= num_classes:
        raise InvalidArgumentError(
            f"to_categorical: the label {labels.max()} needs num_classes > {labels.max()}. "
            f"Received: num_classes={num_classes}"
        )
    return (labels[..., None] == np.arange(num_classes)).astype(floatx())


def __getattr__(name):
    # tinykeras.data imports this package (validation), so its Keras utility loads on first use.
    if name == "timeseries_dataset_from_array":
        from tinykeras.data.timeseries import timeseries_dataset_from_array

        return timeseries_dataset_from_array
    raise AttributeError(f"module 'tinykeras.utils' has no attribute {name!r}")


__all__ = ["Progbar", "PyDataset", "Sequence", "plot_decision_boundary", "plot_history",
           "plot_images", "plot_model", "plot_training", "set_progress_style", "set_random_seed",
           "timeseries_dataset_from_array", "to_categorical", "ValidationSplit"]
