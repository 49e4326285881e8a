"""Input checks and batching for ``fit``, ``evaluate`` and ``predict``.

The data are validated and converted once (dtype to floatx, contiguous); batches are then
index ranges or gathered rows, never copies of the whole data set. Every check here runs
before the model, its optimizer or the random generator change (see ``tinykeras.errors``).
"""

import math
import mmap
import os

import numpy as np

from tinykeras.autodiff import Tensor
from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.utils import validation as check

VERBOSE = ("auto", 0, 1, 2)
SHUFFLE = (True, False, "batch")


def to_array(x, name: str, dtype=None) -> np.ndarray:
    """Return ``x`` as a NumPy array with at least one axis, refusing non-numeric data.

    Object arrays whose items are numbers (pandas columns of mixed int/float) are converted;
    a memory-mapped array of the right dtype is returned as it is (batches read it lazily).
    """
    if x is None:
        raise InvalidArgumentError(f"Argument `{name}` must not be None.")
    if isinstance(x, Tensor):
        x = x.value
    if isinstance(x, (list, tuple)) and x and all(hasattr(a, "shape") for a in x) and len(x) > 1:
        raise InvalidArgumentError(
            f"Argument `{name}` is a list of {len(x)} arrays; this model takes a single input "
            "array. Pass one NumPy array."
        )
    try:
        arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(
            f"Argument `{name}` could not be converted to an array ({exc}). Rows of different "
            "lengths? Pass a rectangular NumPy array of numbers."
        ) from None
    if arr.dtype == object:
        try:  # pandas object columns holding numbers (the "Unsupported object type" trap)
            arr = arr.astype(np.float64)
        except (ValueError, TypeError):
            pass
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"Argument `{name}` must be numeric (int or float). Received an array of dtype "
            f"{arr.dtype}" + (f", e.g. {_item(arr.flat[0])}" if arr.size else "")
            + ". Convert it first, e.g. np.asarray(x, dtype='float32')."
        )
    if arr.ndim == 0:
        raise InvalidArgumentError(
            f"Argument `{name}` must have at least one axis. Received a scalar: {arr!r}."
        )
    if isinstance(arr, np.memmap):  # larger than memory, maybe: converted batch by batch
        if dtype is not None and arr.dtype != dtype:
            arr = arr.view(ConvertedMemmap)
            arr.convert_to = np.dtype(dtype)
        return arr
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return np.ascontiguousarray(arr)


class ConvertedMemmap(np.memmap):
    """A memory-mapped array that reads as ``convert_to``: what is copied out of the file (a
    batch of rows, a fancy index) comes out converted, while slices stay views of the file.

    ``to_array`` returns one for a ``np.memmap`` (or ``np.load(..., mmap_mode="r")``) whose
    dtype is not the model's: converting it whole would load a file larger than memory.
    """

    convert_to = None

    def __array_finalize__(self, obj):
        super().__array_finalize__(obj)
        self.convert_to = getattr(obj, "convert_to", None)

    def __getitem__(self, index):
        out = super().__getitem__(index)
        if isinstance(out, np.ndarray) and getattr(out, "_mmap", None) is None:
            return out.view(np.ndarray).astype(self.convert_to)  # a copy: convert it now
        return out


def in_memory(x):
    """Return ``x`` read into memory in its model dtype when it is a ``ConvertedMemmap`` (a
    single batch, as ``train_on_batch`` or a generator gives); anything else as it is."""
    if isinstance(x, ConvertedMemmap):
        return np.asarray(x).astype(x.convert_to)
    arrays = getattr(x, "arrays", None)  # several inputs (models/functional.py's MultiArray)
    if isinstance(arrays, list) and any(isinstance(a, ConvertedMemmap) for a in arrays):
        return type(x)([in_memory(a) for a in arrays])
    return x


def _item(value) -> str:
    """A sample item for a message: its repr, or its type for arbitrary objects."""
    if isinstance(value, (str, bytes, bool, int, float, complex, np.generic)):
        return repr(value)
    return f"an object of type {type(value).__name__}"


def row_reader(x):
    """Return what batches of ``x`` are read through: ``MappedRows`` for a memory-mapped
    array (also inside several inputs), ``x`` itself otherwise."""
    if isinstance(x, np.memmap):
        return MappedRows(x)
    arrays = getattr(x, "arrays", None)  # several inputs (models/functional.py's MultiArray)
    if isinstance(arrays, list) and any(isinstance(a, np.memmap) for a in arrays):
        return type(x)([row_reader(a) for a in arrays])
    return x


class MappedRows:
    """Row access to a memory-mapped array that keeps resident memory bounded.

    ``rows[idx]`` returns the rows as a new array in the model's dtype (a ``ConvertedMemmap``
    is converted here, one batch at a time). Where it can, it reads them from the file with
    ``os.preadv`` into the batch itself: the rows are sorted so that neighbours become one read
    (a whole unshuffled batch is a single read), and nothing of the file is ever mapped into
    this process, so nothing needs releasing. Copy-on-write maps (their changes live only in
    this process) and platforms without ``preadv`` gather from the map instead, a few rows at a
    time, releasing the touched pages after each group: touching a page of a file mapping maps
    its neighbours too, so a shuffled batch would otherwise leave hundreds of MB resident.
    """

    GROUP = 64

    def __init__(self, array):
        self.array = array
        self.dtype = getattr(array, "convert_to", None) or array.dtype
        self._file = _RowFile.open(array)

    def __len__(self):
        return len(self.array)

    def __getitem__(self, idx):
        x = self.array
        if isinstance(idx, slice):
            idx = np.arange(*idx.indices(len(x)))
        idx = np.asarray(idx)
        if self._file is not None:
            return self._file.read(idx, self.dtype)
        out = np.empty((len(idx),) + x.shape[1:], dtype=self.dtype)
        raw = x.view(np.memmap)  # a ConvertedMemmap would convert each group on its own
        for start in range(0, len(idx), self.GROUP):
            out[start:start + self.GROUP] = raw[idx[start:start + self.GROUP]]
            check.release_pages(x)
        return out

    def close(self):
        """Close the file the rows are read from (reading falls back to the map)."""
        if self._file is not None:
            self._file.close()
            self._file = None


class _RowFile:
    """The file behind a memory-mapped array, read row by row with ``os.preadv``."""

    def __init__(self, fd, position, row_stride, row_shape, dtype):
        self.fd, self.position, self.row_stride = fd, position, row_stride
        self.row_shape, self.dtype = row_shape, dtype
        self.row_bytes = int(np.prod(row_shape, dtype=np.int64)) * dtype.itemsize

    @classmethod
    def open(cls, x):
        """Return a reader for ``x``'s file, or None when the map must be read instead (no
        file name, copy-on-write mode, rows not contiguous, no ``preadv``, the file changed)."""
        mm = getattr(x, "_mmap", None)
        name = getattr(x, "filename", None)
        if mm is None or not name or getattr(x, "mode", "c") == "c" or not hasattr(os, "preadv"):
            return None
        if x.ndim == 0 or len(x) == 0 or not x[:1].view(np.ndarray).flags.c_contiguous or \
                x.strides[0] < 0 or x.dtype.hasobject:
            return None
        # File position of x[0]: the map starts at the allocation-aligned offset below the
        # array's (np.memmap's own arithmetic); a slice's data pointer moved on from there.
        map_start = x.offset - x.offset % mmap.ALLOCATIONGRANULARITY
        try:
            map_address = np.frombuffer(mm, dtype=np.uint8, count=1).ctypes.data
            fd = os.open(name, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except (OSError, ValueError, TypeError):  # a closed map, a file gone or unreadable
            return None
        position = map_start + (x.ctypes.data - map_address)
        reader = cls(fd, position, x.strides[0], x.shape[1:], x.dtype)
        try:  # the same file still? (it is read by name): its first and last rows must match
            ends = np.array([0, len(x) - 1])
            mapped = np.asarray(x.view(np.memmap)[ends])
            same = np.array_equal(reader.read(ends, x.dtype), mapped,
                                  equal_nan=x.dtype.kind in "fc")
        except OSError:
            same = False
        if not same:
            reader.close()
            return None
        return reader

    def read(self, idx, dtype):
        """Return rows ``idx`` (an int array) in ``dtype``: consecutive rows are one read."""
        order = np.argsort(idx, kind="stable")
        rows = idx[order]
        buf = np.empty((len(rows),) + self.row_shape, dtype=self.dtype)
        view = memoryview(buf.reshape(-1).view(np.uint8))
        size = self.row_bytes
        if self.row_stride == size:  # packed rows: a run of consecutive rows is one read
            starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)
        else:
            starts = np.arange(len(rows))
        stops = np.append(starts[1:], len(rows)) * size
        offsets = (self.position + rows[starts] * self.row_stride).tolist()
        preadv, fd = os.preadv, self.fd
        # One read per run (per row when shuffled: ~1 us each, against a page fault per row
        # and re-faulting after each release when the rows are read through the map).
        for offset, start, stop in zip(offsets, (starts * size).tolist(), stops.tolist()):
            if preadv(fd, [view[start:stop]], offset) != stop - start:
                self._read_rest(view, start, stop, offset)
        if np.all(order[1:] > order[:-1]):  # asked in order already
            return buf if buf.dtype == dtype else buf.astype(dtype)
        out = np.empty(buf.shape, dtype=dtype)
        out[order] = buf
        return out

    def _read_rest(self, view, start, stop, offset):
        """Finish a read that came back short (a large read may, or a file cut short)."""
        where = start
        while where < stop:
            got = os.preadv(self.fd, [view[where:stop]], offset + where - start)
            if got <= 0:
                raise OSError("The memory-mapped data's file ended before its last row: was "
                              "it truncated or replaced while in use?")
            where += got

    def close(self):
        """Close the file (once: its descriptor number may be reused afterwards)."""
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit anything may be gone already
            pass


def check_finite(arr, name):
    """Refuse NaN or infinity in ``arr`` (one reduction; the message names the row/column)."""
    return check.check_finite(name, arr)


def check_lengths(**arrays) -> int:
    """Return the common number of samples, or raise naming the arrays that disagree."""
    sizes = {name: len(a) for name, a in arrays.items() if a is not None}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{name} sizes: {n}" for name, n in sizes.items())
        raise InvalidArgumentError(
            f"Data cardinality is ambiguous. Make sure all arrays contain the same number of "
            f"samples. '{detail}'"
        )
    return next(iter(sizes.values()))


def check_samples(x, name, sample_shape, who, rows=None):
    """Refuse ``x`` whose samples do not have ``sample_shape`` (the model's input without the
    batch axis; ``None`` entries match anything). A 1-D ``x`` gets the reshape hint."""
    check.check_not_empty(name, x)
    if callable(who):  # the name is built only when a message needs it (predict is hot)
        if x.ndim != 1 and (sample_shape is None or x.shape[1:] == tuple(sample_shape)):
            return x
        who = who()
    if x.ndim == 1:
        raise InvalidArgumentError(
            f"Argument `{name}` is 1-D (shape {x.shape}), but {who} takes a 2-D array of "
            "samples by features. Reshape it: x.reshape(-1, 1) if each value is one sample "
            "with one feature, or x.reshape(1, -1) if it is one sample."
        )
    if sample_shape is None:
        return x
    got = x.shape[1:]
    if len(got) != len(sample_shape) or any(
        want is not None and want != have for want, have in zip(sample_shape, got)
    ):
        expected = "(None, " + ", ".join(str(d) for d in sample_shape) + ")"
        if len(got) == len(sample_shape) and len(got) == 1:
            # Keras's wording for the common case: the wrong number of features.
            raise InvalidArgumentError(
                f"Input 0 of {who} is incompatible with the layer: expected axis -1 of input "
                f"shape to have value {sample_shape[-1]}, but received input with shape "
                f"{_shape_str((len(x) if rows is None else min(rows, len(x)),) + got)} "
                f"(argument `{name}`)"
            )
        raise InvalidArgumentError(
            f"Argument `{name}` has shape {x.shape}, but {who} takes inputs of shape "
            f"{expected}. Reshape `{name}` to (samples, " + ", ".join(
                str(d) for d in sample_shape) + "), e.g. x.reshape(len(x), -1) to flatten."
        )
    return x


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


def check_sample_weight(sample_weight, y, name="sample_weight"):
    """Refuse sample weights that are negative or do not fit ``y``'s leading axes."""
    sw = sample_weight
    if sw.ndim > y.ndim or sw.shape != y.shape[: sw.ndim]:
        if not (sw.ndim == 2 and sw.shape[1] == 1 and y.ndim == 1):
            raise InvalidArgumentError(
                f"Argument `{name}` of shape {sw.shape} does not fit `y` of shape {y.shape}: "
                f"give one weight per sample, shape ({len(y)},)."
            )
    if sw.size and sw.min() < 0:
        row = int(np.flatnonzero(sw.reshape(len(sw), -1).min(axis=1) < 0)[0])
        raise InvalidArgumentError(
            f"Argument `{name}` must be >= 0 everywhere; row {row} holds "
            f"{sw.reshape(len(sw), -1)[row].min()}. Use 0 to leave a sample out."
        )
    return sw


def class_weights(class_weight, y, num_outputs, dtype):
    """Return one weight per sample from a ``{class: weight}`` dict and class labels ``y``.

    Labels are the integers in ``y`` (shape ``(m,)`` or ``(m, 1)``) or the argmax of one-hot
    rows; the classes are ``0..num_outputs-1`` (``0, 1`` for a single sigmoid output).
    """
    if not isinstance(class_weight, dict):
        raise InvalidTypeError(
            f"Argument `class_weight` must be a dict mapping class indices to weights, such as "
            f"{{0: 1.0, 1: 5.0}}. Received: class_weight={check.show(class_weight)}"
            + (". Use dict(enumerate(weights))." if isinstance(class_weight, (list, tuple))
               else "")
        )
    num_classes = max(num_outputs, 2)
    table = np.ones(num_classes, dtype=dtype)
    for key, weight in class_weight.items():
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise InvalidArgumentError(
                f"Argument `class_weight` keys must be integer class indices. Received key "
                f"{key!r}."
            )
        if not 0 <= key < num_classes:
            raise InvalidArgumentError(
                f"Argument `class_weight` names class {key}, but the model has {num_classes} "
                f"classes (0 to {num_classes - 1}). Remove that key."
            )
        table[key] = check.check_float(f"class_weight[{key}]", weight, low=0.0)
    labels = y
    if y.ndim == 2 and y.shape[1] == 1:
        labels = y[:, 0]
    elif y.ndim == 2 and _one_hot(y):
        labels = np.argmax(y, axis=-1)
    if labels.ndim != 1 or (labels.dtype.kind == "f" and np.any(labels != np.round(labels))):
        raise InvalidArgumentError(
            f"Argument `class_weight` needs class labels in `y` (integers, or one-hot rows), "
            f"but `y` of shape {y.shape} holds values such as {y.reshape(-1)[:3]}: a "
            "regression target? Use `sample_weight` to weight samples instead."
        )
    labels = labels.astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise InvalidArgumentError(
            f"Argument `class_weight`: `y` holds the label {labels.max()} (or {labels.min()}), "
            f"outside the model's classes 0 to {num_classes - 1}."
        )
    return table[labels]


def _one_hot(y) -> bool:
    return bool(np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=-1) == 1))


def check_batch_size(batch_size, default=32, name="batch_size") -> int:
    """Return a valid batch size (``None`` means ``default``)."""
    if batch_size is None:
        return default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or (
        batch_size <= 0
    ):
        raise InvalidArgumentError(
            f"Argument `{name}` must be a positive integer. Received: {name}={batch_size!r}"
        )
    return int(batch_size)


def check_verbose(verbose, resolve=True):
    """Return ``verbose`` ("auto", 0, 1 or 2; 3 is 2, as Keras); with ``resolve``, "auto" is 1."""
    if isinstance(verbose, bool) or verbose not in VERBOSE + (3,):
        check.check_choice("verbose", verbose, VERBOSE)
    if verbose == "auto":
        return 1 if resolve else verbose
    return min(int(verbose), 2)


def check_steps(name, steps):
    """Return ``steps`` (None or a positive integer)."""
    return check.check_int(name, steps, low=1, allow_none=True)


def check_callbacks(callbacks) -> list:
    """Return ``callbacks`` as a list of Callback instances (one callback alone is accepted);
    anything else is a ValueError, as Keras's own check raises."""
    from tinykeras.callbacks import Callback

    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]  # Keras accepts a single callback
    if not isinstance(callbacks, (list, tuple)):
        raise InvalidArgumentError(
            "Argument `callbacks` must be a list of Callback instances, such as "
            f"[EarlyStopping()]. Received: callbacks={check.show(callbacks)}"
        )
    for cb in callbacks:
        if isinstance(cb, type) and issubclass(cb, Callback):
            raise InvalidArgumentError(
                f"Argument `callbacks` holds the class {cb.__name__}, not an instance. "
                f"Pass {cb.__name__}() instead."
            )
        if not isinstance(cb, Callback):
            raise InvalidArgumentError(
                "Argument `callbacks` must hold Callback instances (from tinykeras.callbacks). "
                f"Received {check.show(cb)} of type {type(cb).__name__}."
            )
    return list(callbacks)


def check_fit_arguments(epochs, initial_epoch, shuffle, validation_split, validation_freq):
    """Check fit's scalar arguments; return ``(epochs, initial_epoch)``."""
    epochs = check.check_int("epochs", epochs, low=0)
    initial_epoch = check.check_int("initial_epoch", initial_epoch, low=0)
    if initial_epoch > epochs:
        raise InvalidArgumentError(
            f"Argument `initial_epoch` must be <= epochs. Received: initial_epoch="
            f"{initial_epoch}, epochs={epochs}. `epochs` counts from 0, not from "
            "`initial_epoch`: to train 3 more epochs from epoch 5, pass epochs=8."
        )
    if not (isinstance(shuffle, (bool, np.bool_)) or shuffle == "batch"):
        check.check_choice("shuffle", shuffle, SHUFFLE)
    check.check_float("validation_split", validation_split, low=0.0, high=1.0, high_open=True)
    check.check_int("validation_freq", validation_freq, low=1)
    return epochs, initial_epoch


def train_validation_split(arrays, validation_split):
    """Split off the *last* ``validation_split`` fraction of the samples (before shuffling)."""
    if not 0.0 < validation_split < 1.0:
        raise InvalidArgumentError(
            "Argument `validation_split` must be a float in (0, 1). "
            f"Received: validation_split={validation_split!r}"
        )
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise InvalidArgumentError(
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
