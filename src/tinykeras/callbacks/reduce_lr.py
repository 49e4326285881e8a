"""``ReduceLROnPlateau``: lower the learning rate when a monitored value stops improving."""

import warnings

import numpy as np

from tinykeras.callbacks.base import Callback
from tinykeras.callbacks.monitor import check_mode, maximize
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Args:
        monitor: the log key to watch (``"val_loss"``).
        factor: the multiplier, below 1 (``new_lr = lr * factor``).
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric; see ``monitor.maximize``).
        min_delta: the smallest change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the rate never goes below this.

    The current rate is added to the logs as ``learning_rate`` (History records it).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        check_mode(mode, "ReduceLROnPlateau")
        if factor >= 1.0:
            raise InvalidArgumentError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        if kwargs:
            raise InvalidArgumentError(f"ReduceLROnPlateau: unknown arguments {sorted(kwargs)}.")
        self.monitor = monitor
        self.factor = factor
        self.patience = validation.check_int("patience", patience, low=0, who="ReduceLROnPlateau")
        self.verbose = verbose
        self.mode = mode
        self.min_delta = min_delta
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._reset()

    def _reset(self):
        # The direction is read at the first epoch's end, once the metrics exist (as Keras).
        self._up = None
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def _improved(self, current):
        if self.best is None:
            return True
        if self._up:
            return current > self.best + self.min_delta
        return current < self.best - self.min_delta

    def in_cooldown(self) -> bool:
        """Return True while waiting out the cooldown after a reduction."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        """Reset the state."""
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        """Log the rate, then reduce it if the monitor has plateaued."""
        if self._up is None:
            self._up = maximize(self.monitor, self.mode, self.model, "ReduceLROnPlateau")
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate.numpy())
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}", stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.learning_rate.numpy())
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
