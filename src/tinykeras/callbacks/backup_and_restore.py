"""``BackupAndRestore``: resume an interrupted ``fit`` from the last finished epoch."""

import json
import os
import shutil
import tempfile

import numpy as np

from tinykeras.backend import global_rng
from tinykeras.callbacks.base import Callback
from tinykeras.errors import InvalidArgumentError


class BackupAndRestore(Callback):
    """Backs up the training state every epoch; a new ``fit`` after a crash resumes from it.

    The state is the model's weights, the optimizer's variables (step count, slots) and the
    random generator (so the resumed run shuffles, and drops out, as the uninterrupted run
    would have): the resumed run ends with the same weights as a run that never stopped.

    Args:
        backup_dir: the folder for the backup (``latest.weights.npz`` and
            ``training_metadata.json``); it must not be shared with other runs.
        save_freq: ``"epoch"``, or a number of batches between backups.
        delete_checkpoint: remove the backup when ``fit`` finishes normally.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise InvalidArgumentError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq <= 0
        ):
            raise InvalidArgumentError(
                "Invalid value for argument `save_freq`: expected 'epoch' or a positive "
                f"integer. Received: save_freq={save_freq!r}"
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.npz")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._current_epoch = 0
        self._batches_seen = 0

    def on_train_begin(self, logs=None):
        """Restore the backup, if there is one, and tell ``fit`` which epoch to start from."""
        if not os.path.exists(self._metadata_path):
            return
        with open(self._metadata_path, encoding="utf-8") as f:
            meta = json.load(f)
        with np.load(self._weights_path, allow_pickle=False) as arrays:
            n_model = int(meta["num_model_weights"])
            self.model.set_weights([arrays[f"model_{i}"] for i in range(n_model)])
            store = {str(i): arrays[f"optimizer_{i}"] for i in range(meta["num_optimizer_vars"])}
        self.model.optimizer.load_own_variables(store)
        rng = global_rng()
        state = meta["rng_state"]
        state["state"] = {k: int(v) for k, v in state["state"].items()}
        rng.bit_generator.state = state
        self._current_epoch = meta["epoch"]
        self.model._initial_epoch = meta["epoch"]

    def on_epoch_end(self, epoch, logs=None):
        """Back up after each epoch (``save_freq="epoch"``)."""
        self._current_epoch = epoch + 1
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        """Back up every ``save_freq`` batches (the epoch then restarts from its beginning)."""
        if self.save_freq != "epoch":
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save()

    def on_train_end(self, logs=None):
        """Training finished normally: delete the backup unless asked to keep it."""
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        store = {}
        self.model.optimizer.save_own_variables(store)
        weights = self.model.get_weights()
        arrays = {f"model_{i}": w for i, w in enumerate(weights)}
        arrays.update({f"optimizer_{k}": np.asarray(v) for k, v in store.items()})
        state = global_rng().bit_generator.state
        # JSON has no 128-bit ints: the PCG64 state goes as decimal strings.
        state = {**state, "state": {k: str(v) for k, v in state["state"].items()}}
        meta = {"epoch": self._current_epoch, "batch": 0,
                "num_model_weights": len(weights), "num_optimizer_vars": len(store),
                "rng_state": state}
        # Weights first, metadata last: a crash in between leaves the previous metadata,
        # which only points at a complete weights file once it is renamed into place.
        _write_atomically(self._weights_path, lambda f: np.savez(f, **arrays))
        _write_atomically(self._metadata_path,
                          lambda f: f.write(json.dumps(meta).encode("utf-8")))


def _write_atomically(path, write):
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
