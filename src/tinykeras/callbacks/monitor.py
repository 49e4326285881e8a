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


def maximize(monitor, mode, model=None, who="callback") -> bool:
    """Return True when larger values of ``monitor`` are better.

    ``mode="auto"`` follows Keras 3.15 (``MonitorCallback._set_monitor_op``): without its
    ``val_`` prefix, ``loss`` is minimized; otherwise the model's metric of that name says
    its direction (``metric._direction``, "up" or "down"), and with none to ask, the
    callback refuses, naming ``mode``. The name is never guessed from ("acc" in a name was
    Keras 2's rule). Where Keras 3.15 finds no metric and refuses, for the per-output logs
    of a multi-output model (``val_out_a_r2_score``, ``out_b_accuracy``, ``val_out_a_loss``:
    it compares the metric's own name, ``r2_score``, with the prefixed log name), the metric
    behind the log name answers here, and each output's loss is minimized.
    """
    if mode != "auto":
        return mode == "max"
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return False
    named = _named_metrics(model)
    for log_name, metric in named:
        direction = getattr(metric, "_direction", None)
        if name in (log_name, metric.name) and direction in ("up", "down"):
            return direction == "up"
    known = ", ".join(dict.fromkeys(["loss"] + [log_name for log_name, _ in named]))
    raise InvalidArgumentError(
        f"{who} received monitor={monitor!r} with mode='auto', but cannot tell whether it "
        f"should be maximized or minimized: it is not the loss, nor a metric of model "
        f"'{getattr(model, 'name', None)}' that knows its direction (the model's: {known}). "
        "Pass mode='max' to keep the highest value, or mode='min' to keep the lowest.")


def _named_metrics(model) -> list:
    """``(log name, metric)`` for the model's compiled metrics (``out_a_r2_score``: the log
    names of a multi-output model; each output's loss too), then those it holds as
    attributes (a custom ``train_step``'s trackers)."""
    from tinykeras.layers import tracking

    compiled = list(getattr(model, "_metrics", None) or ())
    names = list(getattr(model, "_metric_names", None) or ())
    if len(names) != len(compiled):  # metrics set from outside compile
        names = [m.name for m in compiled]
    pairs = list(zip(names, compiled))
    if model is not None and hasattr(model, "__dict__"):
        pairs += [(m.name, m) for m in tracking.metrics(model)]
    return pairs


def is_scalar(value) -> bool:
    """Return True for a Python or NumPy number (not an array with axes)."""
    return np.ndim(value) == 0
