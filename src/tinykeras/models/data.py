"""Input checks and batching for ``fit``, ``evaluate`` and ``predict``.

The data are validated and converted once (dtype to floatx, contiguous); batches are then
index ranges or gathered rows, never copies of the whole data set.
"""

import math

import numpy as np

from tinykeras.autodiff import Tensor


def to_array(x, name: str, dtype=None) -> np.ndarray:
    """Return ``x`` as a NumPy array with at least one axis, refusing non-numeric data."""
    if x is None:
        raise ValueError(f"Argument `{name}` must not be None.")
    if isinstance(x, Tensor):
        x = x.value
    if isinstance(x, (list, tuple)) and x and all(hasattr(a, "shape") for a in x) and len(x) > 1:
        raise ValueError(
            f"Argument `{name}` is a list of {len(x)} arrays; this model takes a single input "
            "array. Pass one NumPy array."
        )
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Argument `{name}` could not be converted to an array: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"Argument `{name}` must be numeric (int or float). Received an array of dtype "
            f"{arr.dtype}" + (f", e.g. {arr.flat[0]!r}." if arr.size else ".")
        )
    if arr.ndim == 0:
        raise ValueError(f"Argument `{name}` must have at least one axis. Received a scalar.")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return np.ascontiguousarray(arr)


def check_lengths(**arrays) -> int:
    """Return the common number of samples, or raise naming the arrays that disagree."""
    sizes = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{name} sizes: {n}" for name, n in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous. Make sure all arrays contain the same number of "
            f"samples. '{detail}'"
        )
    return next(iter(sizes.values()))


def check_batch_size(batch_size, default=32) -> int:
    """Return a valid batch size (``None`` means ``default``)."""
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
        batch_size <= 0
    ):
        raise ValueError(
            f"Argument `batch_size` must be a positive integer. Received: batch_size={batch_size!r}"
        )
    return int(batch_size)


def train_validation_split(arrays, validation_split):
    """Split off the *last* ``validation_split`` fraction of the samples (before shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(
            "Argument `validation_split` must be a float in (0, 1). "
            f"Received: validation_split={validation_split!r}"
        )
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by `validation_split={validation_split}`."
        )
    train = tuple(None if a is None else a[:split_at] for a in arrays)
    val = tuple(None if a is None else a[split_at:] for a in arrays)
    return train, val


def batch_slices(n: int, batch_size: int):
    """Yield ``slice`` objects covering ``range(n)`` in order; the last batch may be short."""
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))


def epoch_batches(n: int, batch_size: int, shuffle, rng):
    """Yield one epoch's batch indices: slices in order, or index arrays of a permutation."""
    if not shuffle:
        yield from batch_slices(n, batch_size)
        return
    if shuffle == "batch":
        # Shuffle the batch order, and the samples within each batch.
        starts = rng.permutation(math.ceil(n / batch_size))
        for b in starts:
            idx = np.arange(b * batch_size, min((b + 1) * batch_size, n))
            yield rng.permutation(idx)
        return
    perm = rng.permutation(n)
    for s in batch_slices(n, batch_size):
        yield perm[s]


def num_batches(n: int, batch_size: int) -> int:
    """Return ``ceil(n / batch_size)``: the last partial batch counts."""
    return math.ceil(n / batch_size)
