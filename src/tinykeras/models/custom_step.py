"""Keras 3's ``train_step(self, data)`` and ``test_step(self, data)`` on a Model subclass.

Keras's guides override the step with one ``data`` argument (``x``, ``(x, y)`` or
``(x, y, sample_weight)``, as ``fit`` was given them) and return a dict of logs, usually
``{m.name: m.result() for m in self.metrics}``. tinykeras's loop calls ``train_step(x, y,
sample_weight)`` and expects the batch loss back, so ``Model.__init_subclass__`` wraps a
one-argument override with ``adapt``: the wrapper packs ``data``, runs the user's step
unchanged, keeps its logs for the progress bar and History (``logs``), and hands the loop the
logged ``loss``. A custom step always runs on the tape path: its code is the user's.

For such a model ``self.metrics`` is Keras 3's list: the ``loss`` tracker, one
``compile_metrics`` container for the compiled metrics (``update_state(y, y_pred)`` takes the
whole targets and predictions, one per output on a multi-output model, and ``result()`` is a
dict by log name), then each output's loss (``out_a_loss``), then the metrics the model
holds as attributes. So the guide's loop ``for metric in self.metrics: ...
metric.update_state(y, y_pred)`` and ``return self.compute_metrics(x, y, y_pred,
sample_weight)`` give the same log keys as Keras's own ``fit``.
"""

import functools
import inspect

import numpy as np

from tinykeras.autodiff import Tensor
from tinykeras.errors import InvalidArgumentError
from tinykeras.metrics import Metric


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
        state = self.__dict__
        if state.get("_in_data_step"):  # super().train_step(data) from a subclass's step
            return fn(self, x)
        if hasattr(y, "arrays"):  # several outputs: a list of targets (a dict by output
            y = self._pack(y.arrays)  # name for a model made with a dict), as in Keras
        if y is None and sample_weight is None:
            data = x
        elif sample_weight is None:
            data = (x, y)
        else:
            data = (x, y, sample_weight)
        if self._metrics is None and self._metric_ids:
            # Before the user's code lists self.metrics: "accuracy" needs the prediction
            # shapes, and each output's loss tracker must exist for the first batch.
            self._resolve_metrics(y, self._call_to_array(x))
        state["_in_data_step"] = True
        try:
            logs = fn(self, data)
        finally:
            state["_in_data_step"] = False
        return record(self, logs)

    step._keras3_step = True
    return step


def in_data_step(model) -> bool:
    """True while ``model``'s Keras-3 ``train_step(self, data)``/``test_step`` runs."""
    return bool(model.__dict__.get("_in_data_step"))


def keras_step(model, data, step) -> dict:
    """Keras 3's own ``train_step(data)``/``test_step(data)``, which a subclass's step
    reaches with ``super().train_step(data)``: the built-in step (``step``: the model's
    ``_learn`` or ``_judge``), the ``loss`` tracker updated by the batch's rows, then
    ``compute_metrics``' logs."""
    x, y, sample_weight = (tuple(data) + (None, None))[:3] if isinstance(data, tuple) \
        else (data, None, None)
    loss, y_pred = step(x, y, sample_weight)
    rows = len(x[0] if isinstance(x, (list, tuple)) else x)
    data_step_metrics(model)[0].update_state(as_float(loss), sample_weight=rows)
    return model.compute_metrics(x, y, y_pred, sample_weight)


class CompileMetrics(Metric):
    """The compiled metrics of ``model`` as one metric (Keras 3's ``compile_metrics``):
    ``update_state(y, y_pred, sample_weight)`` with the model's whole targets and predictions
    updates each metric with its output's part (sample weights for ``weighted_metrics``
    only); ``result()`` is a dict by log name (``mae``, ``out_a_mae``)."""

    def __init__(self, model):
        super().__init__(name="compile_metrics")
        self._model = model

    def _compiled(self):
        """(log name, metric) for each compiled metric; each output's loss is left out."""
        model = self._model
        return [(name, m) for name, m in zip(model._metric_names, model._metrics or ())
                if not getattr(m, "output_loss", False)]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Update every compiled metric with its output's targets and predictions."""
        self._model._update_metrics(y_true, y_pred, sample_weight, output_losses=False)

    def result(self):
        """``{log name: value}`` of the compiled metrics."""
        return {name: as_float(m.result()) for name, m in self._compiled()}

    def reset_state(self):
        """Reset every compiled metric."""
        for _, m in self._compiled():
            m.reset_state()


def data_step_metrics(model) -> list:
    """Keras 3's ``model.metrics`` for a model with a ``train_step(self, data)``: the loss
    tracker (a ``Mean`` named ``loss`` that the step updates itself), ``compile_metrics``
    when metrics were compiled, then each output's loss tracker."""
    from tinykeras.metrics import Mean

    state = model.__dict__
    if state.get("_loss_tracker") is None:
        state["_loss_tracker"] = Mean(name="loss")
    found = [state["_loss_tracker"]]
    if any(not (isinstance(i, tuple) and i[1] == "loss") for i in model._metric_ids):
        if state.get("_compile_metrics") is None:
            state["_compile_metrics"] = CompileMetrics(model)
        found.append(state["_compile_metrics"])
    found += [m for m in model._metrics or () if getattr(m, "output_loss", False)]
    return found


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
