"""Callbacks: hooks that ``fit``, ``evaluate`` and ``predict`` call at fixed points.

Order in ``fit``: train begin -> (epoch begin -> (batch begin -> step -> batch end)* ->
validation -> epoch end)* -> train end. A callback stops training by setting
``self.model.stop_training = True``. ``fit(callbacks=...)`` takes one callback or a list.
"""

from tinykeras.callbacks.backup_and_restore import BackupAndRestore
from tinykeras.callbacks.base import (
    Callback,
    CallbackList,
    History,
    LambdaCallback,
    LearningRateScheduler,
    TerminateOnNaN,
)
from tinykeras.callbacks.csv_logger import CSVLogger
from tinykeras.callbacks.early_stopping import EarlyStopping
from tinykeras.callbacks.model_checkpoint import ModelCheckpoint
from tinykeras.callbacks.progbar_logger import ProgbarLogger
from tinykeras.callbacks.reduce_lr import ReduceLROnPlateau
from tinykeras.callbacks.tensorboard import TensorBoard

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "TensorBoard", "TerminateOnNaN",
]
