"""``CSVLogger``: one CSV row of logs per epoch."""

import collections.abc
import csv
import os

import numpy as np

from tinykeras.callbacks.base import Callback
from tinykeras.utils import validation


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of ``filename``: ``epoch`` then the sorted keys.

    Args:
        filename: the CSV file.
        separator: the field separator (``","``).
        append: add to an existing file (the header is written only if it is empty).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = validation.check_path("filename", filename, who="CSVLogger")
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        """Open the file (for appending when asked)."""
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, encoding="utf-8") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        folder = os.path.dirname(os.path.abspath(self.filename))
        if not os.path.isdir(folder):  # refused before the first batch trains
            from tinykeras.errors import ModelFileNotFoundError  # a FileNotFoundError too

            raise ModelFileNotFoundError(
                f"CSVLogger cannot write {self.filename!r}: the folder {folder!r} does not "
                "exist. Create it first (os.makedirs(folder, exist_ok=True))."
            )
        self.csv_file = open(self.filename, mode, newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        """Write one row; the columns are fixed by the first epoch (val_* added if absent)."""
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # Keras reserves val_ columns even when validation runs only on some epochs.
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend(["val_" + k for k in self.keys])
        if self.writer is None:
            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value
