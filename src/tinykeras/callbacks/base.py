"""The ``Callback`` base, ``CallbackList`` and the small callbacks (History, LambdaCallback,
TerminateOnNaN, LearningRateScheduler).

Order in ``fit``: train begin -> (epoch begin -> (batch begin -> step -> batch end)* ->
validation -> epoch end)* -> train end. A callback stops training by setting
``self.model.stop_training = True``.
"""

import math

import numpy as np

from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation

_HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end",
)


class Callback:
    """Base class: override any ``on_*`` hook; ``self.model`` and ``self.params`` are set.

    ``on_batch_begin``/``on_batch_end`` are the Keras aliases of the training-batch hooks:
    overriding either one is enough.
    """

    def __init__(self):
        self._model = None
        self.params = {}

    @property
    def model(self):
        """The model being trained, evaluated or run."""
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    def set_model(self, model):
        """Attach the model being trained."""
        self._model = model

    def set_params(self, params):
        """Receive the run's parameters (``epochs``, ``steps``, ``verbose``)."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Called once before the first epoch."""

    def on_train_end(self, logs=None):
        """Called once after the last epoch, with the last epoch's logs."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each epoch (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each epoch with its logs (val_* included)."""

    def on_batch_begin(self, batch, logs=None):
        """Alias of ``on_train_batch_begin`` (Keras 2 name)."""

    def on_batch_end(self, batch, logs=None):
        """Alias of ``on_train_batch_end`` (Keras 2 name)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training step (calls ``on_batch_begin``)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training step with the running logs (calls ``on_batch_end``)."""
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None):
        """Called at the start of ``evaluate`` (and of validation inside ``fit``)."""

    def on_test_end(self, logs=None):
        """Called at the end of ``evaluate`` with its logs."""

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each evaluation batch with the running logs."""

    def on_predict_begin(self, logs=None):
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs=None):
        """Called at the end of ``predict``."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each prediction batch (``logs['outputs']``)."""


# A hook counts as overridden if the class (or LambdaCallback) defines it, or, for the
# training-batch hooks, if its Keras 2 alias is defined.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class CallbackList:
    """Calls each hook on every callback, skipping hooks nobody overrides (cheap per batch).

    ``callbacks`` may be one Callback or a list of them.
    """

    def __init__(self, callbacks=None, model=None, **params):
        if isinstance(callbacks, Callback):
            callbacks = [callbacks]
        elif callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise InvalidArgumentError(
                "Argument `callbacks` must be a Callback or a list of Callbacks. "
                f"Received: callbacks={callbacks!r} of type {type(callbacks).__name__}"
            )
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise InvalidArgumentError(
                    f"Expected a `keras.callbacks.Callback` instance in `callbacks`. "
                    f"Received: {cb!r} of type {type(cb).__name__}"
                )
        self.model = model
        self.params = params
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)
        # Only the callbacks that override a hook get called for it.
        self._active = {
            hook: [getattr(cb, hook) for cb in self.callbacks if _overrides(cb, hook)
                   and getattr(cb, "wants_hook", _always)(hook)]
            for hook in _HOOKS
        }

    def append(self, callback):
        """Add a callback (``fit`` adds History and the progress bar this way)."""
        self.__init__(self.callbacks + [callback], self.model, **self.params)

    def wants(self, hook: str) -> bool:
        """Return True if any callback overrides ``hook``."""
        return bool(self._active[hook])

    def wants_logs(self, hook: str) -> bool:
        """Return True if a callback other than the progress bar reads ``hook``'s logs (the
        bar fetches its own, only when it redraws)."""
        return any(not getattr(getattr(fn, "__self__", None), "_pulls_logs", False)
                   for fn in self._active[hook])

    def call(self, hook: str, *args):
        """Call ``hook(*args)`` on every callback that overrides it."""
        for fn in self._active[hook]:
            fn(*args)


def _always(hook) -> bool:
    return True


def _overrides(cb, hook) -> bool:
    if hook in getattr(cb, "_overridden", ()):
        return True
    if getattr(type(cb), hook) is not getattr(Callback, hook):
        return True
    alias = _ALIASES.get(hook)
    return alias is not None and (
        alias in getattr(cb, "_overridden", ())
        or getattr(type(cb), alias) is not getattr(Callback, alias)
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
            # Scalars as Python floats; per-class results (F1Score(average=None)...) as arrays.
            value = float(value) if np.ndim(value) == 0 else np.array(value)
            self.history.setdefault(key, []).append(value)


class LambdaCallback(Callback):
    """A callback built from functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if name not in _HOOKS:
                raise InvalidArgumentError(
                    f"LambdaCallback: unknown hook {name!r}.{validation.did_you_mean(name, _HOOKS)}"
                    f" Expected one of {_HOOKS}"
                )
            validation.check_callable(name, fn, who="LambdaCallback")
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


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate each epoch from ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = validation.check_callable(
            "schedule", schedule, who="LearningRateScheduler",
            what="a function schedule(epoch, lr) returning the new rate")
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Compute and set this epoch's rate."""
        lr = float(self.model.optimizer.learning_rate.numpy())
        new = self.schedule(epoch, lr)
        try:
            lr = float(new)
        except (TypeError, ValueError):
            raise InvalidArgumentError(
                f"LearningRateScheduler: the schedule returned {new!r} for epoch {epoch}; it "
                "must return a number (the new learning rate)."
            ) from None
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate as ``learning_rate``."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())
