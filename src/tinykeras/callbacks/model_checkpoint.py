"""``ModelCheckpoint``: save the model (or its weights) during training, atomically."""

import os
import tempfile
import warnings

from tinykeras.callbacks.base import Callback
from tinykeras.callbacks.monitor import check_mode, is_scalar, maximize
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation


class ModelCheckpoint(Callback):
    """Saves the model or its weights every epoch (or every ``save_freq`` batches).

    Args:
        filepath: where to save; a template filled from the epoch (1-based) and the logs,
            e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in ``.keras`` (or
            ``.h5``), or in ``.weights.h5`` with ``save_weights_only=True``.
        monitor: the log key that decides what "best" means (``"val_loss"``).
        verbose: 1 prints a line for each save (and each skipped save).
        save_best_only: save only when ``monitor`` improves on the best so far.
        save_weights_only: write ``model.save_weights`` instead of ``model.save``.
        mode: ``"auto"``, ``"min"`` or ``"max"`` for ``monitor``.
        save_freq: ``"epoch"`` or a number of batches between saves.
        initial_value_threshold: a value the first saved monitor value must beat.

    The file is written to a temporary name in the same folder and renamed over
    ``filepath``, so an interrupted save never leaves a half-written checkpoint.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        check_mode(mode, "ModelCheckpoint")
        filepath = validation.check_path("filepath", filepath, who="ModelCheckpoint")
        if save_weights_only and not filepath.endswith(".weights.h5"):
            raise InvalidArgumentError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                "provided must end in `.weights.h5` (Keras weights format). "
                f"Received: filepath={filepath}"
            )
        if not save_weights_only and not filepath.endswith((".keras", ".h5")):
            raise InvalidArgumentError(
                "The filepath provided must end in `.keras` (Keras model format). "
                f"Received: filepath={filepath}"
            )
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0
        ):
            raise InvalidArgumentError(
                "Unrecognized save_freq: expected 'epoch' or a positive integer number of "
                f"batches. Received: save_freq={save_freq!r}"
            )
        self.filepath = filepath
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = initial_value_threshold
        self._up = None
        self._current_epoch = 0
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        """Remember the epoch, for batch-frequency saves."""
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        """Save every ``save_freq`` batches when asked to."""
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            if logs is None:
                logs = self.model._current_logs()
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Save at the end of the epoch (``save_freq="epoch"``)."""
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch, batch, logs):
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        save_atomically(self.model, filepath, weights_only=self.save_weights_only)

    def _should_save(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        if self._up is None:  # once the model's metrics exist, as Keras
            self._up = maximize(self.monitor, self.mode, self.model, "ModelCheckpoint")
        current = logs.get(self.monitor)
        if current is None or not is_scalar(current):
            warnings.warn(
                f"Can save best model only with {self.monitor} available, skipping. "
                f"Available logs: {', '.join(logs)}", stacklevel=2,
            )
            return False
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self.best is None or (current > self.best if self._up else current < self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as exc:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc}. '
                f"Available keys: epoch, {', '.join(logs)}"
            ) from None


def save_atomically(model, filepath, weights_only=False):
    """Write ``model.save(filepath)`` (or ``save_weights``) to a temporary file in the same
    folder, then rename it over ``filepath``: a crash never leaves a half-written file."""
    method = "save_weights" if weights_only else "save"
    if not hasattr(model, method):
        raise NotImplementedError(
            f"ModelCheckpoint needs `model.{method}()`, which this model does not have."
        )
    folder = os.path.dirname(os.path.abspath(filepath))
    # Keep the whole suffix (".weights.h5"): the saving code picks the format from it.
    name = os.path.basename(filepath)
    suffix = name[name.index("."):] if "." in name else ""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-ckpt-", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        getattr(model, method)(tmp, overwrite=True)
        os.replace(tmp, filepath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
