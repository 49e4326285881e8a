"""Callbacks: hooks that ``fit``, ``evaluate`` and ``predict`` call at fixed points.

Order in ``fit``: train begin -> (epoch begin -> (batch begin -> step -> batch end)* ->
validation -> epoch end)* -> train end. A callback stops training by setting
``self.model.stop_training = True``.
"""

import math
import sys
import warnings

import numpy as np

_HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)


class Callback:
    """Base class: override any ``on_*`` hook; ``self.model`` and ``self.params`` are set."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Attach the model being trained."""
        self.model = model

    def set_params(self, params):
        """Receive the run's parameters (``epochs``, ``steps``, ``verbose``)."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once before the first epoch."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with its logs (val_* included)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training step."""

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training step with the running logs."""

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate``."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` with its logs."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch."""

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch (``logs['outputs']``)."""




class CallbackList:
    """Calls each hook on every callback, skipping hooks nobody overrides (cheap per batch)."""

    def __init__(self, callbacks=None, model=None, **params):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(
                    f"Expected a `keras.callbacks.Callback` instance in `callbacks`. "
                    f"Received: {cb!r} of type {type(cb).__name__}"
                )
            cb.set_model(model)
            cb.set_params(params)
        # Only the callbacks that override a hook get called for it.
        self._active = {
            hook: [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)]
            for hook in _HOOKS
        }

    def wants(self, hook: str) -> bool:
        """Return True if any callback overrides ``hook``."""
        return bool(self._active[hook])

    def call(self, hook: str, *args):
        """Call ``hook(*args)`` on every callback that overrides it."""
        for fn in self._active[hook]:
            fn(*args)


def _overrides(cb, hook) -> bool:
    return hook in getattr(cb, "_overridden", ()) or (
        getattr(type(cb), hook) is not getattr(Callback, hook)
    )


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is a list of floats."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """Start (or continue) recording."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append this epoch's values."""
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


class ProgbarLogger(Callback):
    """Prints one line per epoch (``verbose=1`` and ``verbose=2``) with the epoch's logs."""

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream

    def on_epoch_end(self, epoch, logs=None):
        """Print ``Epoch e/E - loss: ...``."""
        stream = self.stream or sys.stdout
        text = " - ".join(f"{k}: {format_value(v)}" for k, v in (logs or {}).items())
        stream.write(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')} - {text}\n")
        stream.flush()


def format_value(v) -> str:
    """Format a log value as Keras does: 4 decimals, or scientific for tiny values."""
    v = float(v)
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


class LambdaCallback(Callback):
    """A callback built from functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in _HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}. Expected one of {_HOOKS}")
            setattr(self, name, fn)
        # Instance attributes do not show on the class, so CallbackList must see them.
        self._overridden = set(hooks)


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        """Check the running loss."""
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the log key to watch (``"val_loss"``).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for accuracy-like keys).
        baseline: a value the monitor must beat.
        restore_best_weights: whether to go back to the best epoch's weights at the end.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping mode {mode!r} is unknown; use 'auto', 'min' or 'max'.")
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or "auc" in monitor))
        self._better = np.greater if maximize else np.less
        self._sign = 1 if maximize else -1

    def on_train_begin(self, logs=None):
        """Reset the state, so the callback can be reused."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Compare the monitored value with the best so far."""
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs or {})}",
                stacklevel=2,
            )
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Only reset wait when we beat both the baseline and the best.
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        """Restore the best weights if asked, and report the stop."""
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def _improved(self, current, reference):
        if reference is None:
            return True
        return bool(self._better(current - self._sign * self.min_delta, reference))


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate each epoch from ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Compute and set this epoch's rate."""
        lr = float(self.model.optimizer.learning_rate.numpy())
        lr = float(self.schedule(epoch, lr))
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate as ``learning_rate``."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())
