"""Which way is better for a monitored log value: shared by EarlyStopping, ModelCheckpoint and
ReduceLROnPlateau."""

import numpy as np

from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation


def check_mode(mode, who):
    """Refuse a ``mode`` other than auto/min/max, naming the callback."""
    if mode not in ("auto", "min", "max"):
        raise InvalidArgumentError(
            f"{who}: unknown `mode`. Expected 'auto', 'min' or 'max'. Received: mode={mode!r}."
            + validation.did_you_mean(mode, ("auto", "min", "max"))
        )


def maximize(monitor, mode, model=None) -> bool:
    """Return True when larger values of ``monitor`` are better.

    ``mode="auto"``: the loss is minimized; a metric of the model says its own direction
    (``metric._direction``, as Keras 3); otherwise names with "acc", "auc" or "fmeasure"
    are maximized, as Keras's callbacks guess.
    """
    if mode != "auto":
        return mode == "max"
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return False
    for metric in getattr(model, "_metrics", None) or ():
        if metric.name == name and getattr(metric, "_direction", None):
            return metric._direction == "up"
    return "acc" in name or "auc" in name or name.startswith("fmeasure")


def is_scalar(value) -> bool:
    """Return True for a Python or NumPy number (not an array with axes)."""
    return np.ndim(value) == 0
