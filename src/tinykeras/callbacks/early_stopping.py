"""``EarlyStopping``: stop when a monitored value has stopped improving."""

import warnings

import numpy as np

from tinykeras.callbacks.base import Callback
from tinykeras.callbacks.monitor import check_mode, maximize
from tinykeras.utils import validation


class EarlyStopping(Callback):
    """Stops training when ``monitor`` has not improved for ``patience`` epochs.

    Args:
        monitor: the log key to watch (``"val_loss"``).
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints the epoch it stopped at and the restore.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (from the metric; see ``monitor.maximize``).
        baseline: a value the monitor must beat; training stops after ``patience`` epochs
            that do not beat it.
        restore_best_weights: go back to the best epoch's weights at the end of training,
            whether training stopped early or ran all its epochs.
        start_from_epoch: epochs to wait before watching (a warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        who = "EarlyStopping"
        check_mode(mode, who)
        if not isinstance(monitor, str):
            raise validation.refuse(who, "monitor", "the name of a logged value, such as "
                                    "'val_loss'", monitor)
        self.monitor = monitor
        self.patience = validation.check_int("patience", patience, low=0, who=who)
        self.verbose = verbose
        self.baseline = validation.check_float("baseline", baseline, allow_none=True, who=who)
        self.min_delta = abs(validation.check_float("min_delta", min_delta, who=who))
        self.mode = mode
        self.restore_best_weights = validation.check_bool(
            "restore_best_weights", restore_best_weights, who=who)
        self.start_from_epoch = validation.check_int("start_from_epoch", start_from_epoch,
                                                     low=0, who=who)
        self._better = None
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        """Reset the state, so the callback can be reused."""
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        """Compare the monitored value with the best so far."""
        if self._better is None:  # first: Keras refuses an unknown direction even then
            up = maximize(self.monitor, self.mode, self.model, "EarlyStopping")
            self._better, self._sign = (np.greater, 1) if up else (np.less, -1)
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
        """Restore the best weights if asked (also when every epoch ran), report the stop."""
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
