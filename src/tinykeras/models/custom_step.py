"""Keras 3's ``train_step(self, data)`` and ``test_step(self, data)`` on a Model subclass.

Keras's guides override the step with one ``data`` argument (``x``, ``(x, y)`` or
``(x, y, sample_weight)``, as ``fit`` was given them) and return a dict of logs, usually
``{m.name: m.result() for m in self.metrics}``. tinykeras's loop calls ``train_step(x, y,
sample_weight)`` and expects the batch loss back, so ``Model.__init_subclass__`` wraps a
one-argument override with ``adapt``: the wrapper packs ``data``, runs the user's step
unchanged, keeps its logs for the progress bar and History (``logs``), and hands the loop the
logged ``loss``. A custom step always runs on the tape path: its code is the user's.
"""

import functools
import inspect

import numpy as np

from tinykeras.autodiff import Tensor
from tinykeras.errors import InvalidArgumentError


def is_data_step(fn) -> bool:
    """True for ``def train_step(self, data)``: one argument after ``self``."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    required = [p for p in params if p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(params) == 1 and len(required) == 1


def adapt(fn):
    """Wrap a user's ``step(self, data) -> logs`` as ``step(self, x, y, sample_weight)``."""

    @functools.wraps(fn)
    def step(self, x, y=None, sample_weight=None):
        if y is None and sample_weight is None:
            data = x
        elif sample_weight is None:
            data = (x, y)
        else:
            data = (x, y, sample_weight)
        if self._metrics is None and self._metric_ids:
            self._resolve_metrics(y, self(x).value)  # "accuracy" needs the prediction shape
        logs = fn(self, data)
        return record(self, logs)

    step._keras3_step = True
    return step


def record(model, logs) -> float:
    """Keep a step's logs (as Python floats) for ``model``; return its loss (0 if none)."""
    if logs is None:
        logs = {}
    if not isinstance(logs, dict):
        raise InvalidArgumentError(
            f"A custom `train_step`/`test_step` of model '{model.name}' must return a dict of "
            f"logs, e.g. {{m.name: m.result() for m in self.metrics}}. Received: "
            f"{type(logs).__name__}")
    flat = {}
    for name, value in logs.items():
        if isinstance(value, dict):  # a metric whose result is a dict: its entries are logs
            flat.update({k: as_float(v) for k, v in value.items()})
        else:
            flat[name] = as_float(value)
    model._custom_logs = flat
    return flat.get("loss", 0.0)


def as_float(value):
    """A log value as a Python float (Tensors, Variables and 0-d arrays)."""
    if isinstance(value, Tensor):
        value = value.value
    arr = np.asarray(value)
    return float(arr) if arr.size == 1 else arr


def uses_data_step(model) -> bool:
    """True when ``model``'s train_step was written Keras-3 style (``train_step(self, data)``)."""
    return getattr(type(model).train_step, "_keras3_step", False)


def check_has_loss(model, x) -> None:
    """Refuse, before anything changes, to fit a model compiled without a loss whose forward
    pass adds none either (``add_loss``) and whose training step is the built-in one."""
    from tinykeras.backend import global_rng
    from tinykeras.errors import InvalidArgumentError
    from tinykeras.models.trainer import Trainer

    cls = type(model)
    if model._loss_fn is not None or cls.train_step is not Trainer.train_step or \
            cls.compute_loss is not Trainer.compute_loss:
        return
    rng = global_rng()
    state = rng.bit_generator.state
    try:
        row = [xi[:1] for xi in x] if isinstance(x, (list, tuple)) else x[:1]
        model(row)  # one row shows whether the forward pass adds losses
        found = bool(model.losses)
    finally:
        rng.bit_generator.state = state
    if not found:
        raise InvalidArgumentError(
            f"Model '{model.name}' has no loss to minimize: compile it with `loss=...`, or "
            "add losses with `self.add_loss(...)` in `call`.")
