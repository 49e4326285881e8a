"""``CsvDataset``: rows of CSV files as a ``Dataset`` (``tf.data.experimental.CsvDataset``)."""

import csv

import numpy as np

from tinykeras.data.dataset import Dataset
from tinykeras.errors import InvalidArgumentError


def CsvDataset(filenames, record_defaults, compression_type=None, buffer_size=None,
               header=False, field_delim=",", use_quote_delim=True, na_value="",
               select_cols=None, exclude_cols=None):
    """A dataset with one element per CSV row: a tuple with one 0-d array per column.

    Args:
        filenames: a path or a list of paths, read in order.
        record_defaults: one entry per (selected) column: a dtype (``tf.float32``, the column
            is required) or a default value (``[0.0]``, ``0``, ``""``) used for empty fields.
        header: skip each file's first line.
        field_delim: the separator.
        select_cols: the column indices to keep (sorted), default all.
    """
    if compression_type:
        raise InvalidArgumentError(
            "CsvDataset: compressed files are not supported; decompress first."
        )
    paths = [filenames] if isinstance(filenames, (str, bytes)) or hasattr(
        filenames, "__fspath__") else list(filenames)
    specs = [_column_spec(d, i) for i, d in enumerate(record_defaults)]
    columns = sorted(select_cols) if select_cols is not None else None
    if exclude_cols is not None and select_cols is not None:
        raise InvalidArgumentError("CsvDataset: pass `select_cols` or `exclude_cols`, not both.")
    rows = []
    for path in paths:
        with open(path, newline="") as f:
            reader = csv.reader(f, delimiter=field_delim,
                                quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)
            for line_no, fields in enumerate(reader, start=1):
                if header and line_no == 1:
                    continue
                if not fields:
                    continue
                if exclude_cols is not None:
                    fields = [v for i, v in enumerate(fields) if i not in set(exclude_cols)]
                elif columns is not None:
                    fields = [fields[i] for i in columns]
                if len(fields) != len(specs):
                    raise InvalidArgumentError(
                        f"CsvDataset: {path} line {line_no} has {len(fields)} fields, but "
                        f"`record_defaults` describes {len(specs)} columns."
                    )
                rows.append(tuple(_parse(v, spec, na_value, path, line_no, i)
                                  for i, (v, spec) in enumerate(zip(fields, specs))))
    cols = tuple(np.array([r[i] for r in rows], dtype=spec[0]) for i, spec in enumerate(specs))
    return Dataset.from_tensor_slices(cols)


def _column_spec(default, index):
    """``(dtype, default or None)`` for one column of ``record_defaults``."""
    if isinstance(default, (list, tuple, np.ndarray)):
        if len(default) == 0:
            raise InvalidArgumentError(f"CsvDataset: record_defaults[{index}] is an empty list.")
        default = default[0]
    if isinstance(default, np.dtype) or isinstance(default, type) or isinstance(default, str) and (
        default in ("float32", "float64", "int32", "int64", "str")
    ):
        return np.dtype(default), None
    value = np.asarray(default)
    return value.dtype, value.item()


def _parse(text, spec, na_value, path, line_no, col):
    dtype, default = spec
    if text == na_value or text == "":
        if default is None:
            raise InvalidArgumentError(
                f"CsvDataset: {path} line {line_no} column {col} is empty and the column has "
                "no default. Give a default in `record_defaults` (e.g. [0.0])."
            )
        return default
    try:
        return dtype.type(text) if dtype.kind != "U" else text
    except ValueError as exc:
        raise InvalidArgumentError(
            f"CsvDataset: {path} line {line_no} column {col}: cannot read {text!r} as {dtype}."
        ) from exc
