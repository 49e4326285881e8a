"""Argument and data checks shared by every public entry point, in one place per kind.

Each check returns the cleaned value or raises one of ``tinykeras.errors`` with a message of
one formula: who refuses, which argument, what was expected, what was received, and the fix
when one is known. The data checks cost at most one reduction over the array (``isfinite``
is computed as the sum's finiteness, with an exact scan only when that sum is not finite).
"""

import difflib
import math
import numbers

import numpy as np

from tinykeras.errors import InvalidArgumentError, InvalidTypeError, NonFiniteInputError


def _prefix(who) -> str:
    return f"{who}: " if who else ""


def show(value, limit=80) -> str:
    """Return a short ``repr`` of ``value`` for an error message (arrays by shape and dtype)."""
    if isinstance(value, np.ndarray) and value.size > 8:
        return f"array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def refuse(who, name, expected, value, fix=None, kind=InvalidArgumentError):
    """Return (for ``raise``) the error "who: argument `name` must be expected. Received: ..."."""
    message = f"{_prefix(who)}Argument `{name}` must be {expected}. Received: {name}={show(value)}"
    if fix:
        message += f". {fix}"
    return kind(message)


def did_you_mean(value, choices) -> str:
    """Return " Did you mean 'x'?" for the closest of ``choices``, or "" when none is close."""
    if not isinstance(value, str):
        return ""
    lowered = {str(c).lower(): c for c in choices}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" Did you mean {lowered[close[0]]!r}?" if close else ""


def check_int(name, value, *, low=None, high=None, who=None, allow_none=False):
    """Return ``value`` as an int in [low, high] (bools and floats are refused)."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok:
        value = int(value)
        ok = (low is None or value >= low) and (high is None or value <= high)
    if not ok:
        raise refuse(who, name, _int_range(low, high), value)
    return value


def _int_range(low, high) -> str:
    if low is not None and high is not None:
        return f"an integer in [{low}, {high}]"
    if low == 1:
        return "a positive integer"
    if low == 0:
        return "a non-negative integer"
    return "an integer" + (f" >= {low}" if low is not None else "") + (
        f" <= {high}" if high is not None else "")


def check_float(name, value, *, low=-math.inf, high=math.inf, low_open=False, high_open=False,
                who=None, allow_none=False):
    """Return ``value`` as a finite float in the range (``nan`` and ``inf`` are refused)."""
    if value is None and allow_none:
        return None
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high)
    if not ok:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        if math.isinf(low) and math.isinf(high):
            span = ""
        elif math.isinf(high):
            span = f" {'>' if low_open else '>='} {low:g}"
        elif math.isinf(low):
            span = f" {'<' if high_open else '<='} {high:g}"
        else:
            span = f" in {lo}{low:g}, {high:g}{hi}"
        raise refuse(who, name, "a finite number" + span, value)
    return value


def check_bool(name, value, *, who=None) -> bool:
    """Return ``value`` if it is a bool (or NumPy bool); refuse strings such as ``"yes"``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise refuse(who, name, "True or False", value)


def check_choice(name, value, choices, *, who=None):
    """Return ``value`` if it is one of ``choices``, else refuse with the closest one."""
    try:
        if value in choices:
            return value
    except TypeError:  # an unhashable value (a list) where a name was expected
        pass
    shown = ", ".join(repr(c) for c in choices)
    raise refuse(who, name, f"one of {shown}", value, did_you_mean(value, choices).strip())


def check_callable(name, value, *, who=None, what="a function"):
    """Return ``value`` if it is callable."""
    if not callable(value):
        raise refuse(who, name, what, value, kind=InvalidTypeError)
    return value


def check_instance_not_class(name, value, base, *, who=None):
    """Refuse a class where an instance of ``base`` is expected, naming the fix ``Cls()``."""
    if isinstance(value, type) and issubclass(value, base):
        article = "an" if base.__name__[0] in "AEIOU" else "a"
        raise refuse(who, name, f"{article} {base.__name__} instance, a name or a function",
                     value, f"Pass an instance: {value.__name__}()", kind=InvalidTypeError)
    return value


def check_shape(name, shape, *, who=None, batch=False):
    """Return ``shape`` as a tuple of positive ints and ``None`` (unknown sizes); a bare int is
    one axis (Keras 2's ``Input(shape=14)``). With ``batch``, the first axis is the batch."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    example = "(None, 4)" if batch else "(4,)"
    if not isinstance(shape, (tuple, list)):
        raise refuse(who, name, f"a tuple of positive integers such as {example}", shape)
    for d in shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral)
                              or d <= 0):
            raise refuse(who, name, f"a tuple of sizes such as {example}", tuple(shape),
                         "Every size must be positive (an integer), or None when not known yet")
    return tuple(None if d is None else int(d) for d in shape)


def check_path(name, path, *, who=None) -> str:
    """Return ``path`` as a string (``str``, bytes or ``os.PathLike``), else refuse."""
    import os

    try:
        path = os.fspath(path)
    except TypeError:
        raise refuse(who, name, "a file path (a string or pathlib.Path)", path,
                     kind=InvalidTypeError) from None
    return path.decode() if isinstance(path, bytes) else path


# -- data ------------------------------------------------------------------------------------------
_CHUNK_BYTES = 8 << 20  # memory-mapped data is checked this much at a time (8 MB: the
# peak RSS of a 2 GB epoch is 61 MB, against 76 MB with 32 MB chunks, in the same time)


def first_nonfinite(array):
    """Return the index tuple of the first NaN or infinity in ``array``, or None.

    One reduction: the sum is finite whenever every element is (an overflowing sum is checked
    exactly, so huge finite values are never reported). A memory-mapped array is read in
    chunks whose pages are released after use, so checking it never holds it all in memory;
    one that the model reads in another dtype (``models/data.py``'s ``ConvertedMemmap``) is
    checked as converted (a float64 1e300 is infinite in float32).
    """
    if array.size == 0 or (array.dtype.kind not in "fc" and not _converts_to_float(array)):
        return None
    if _chunked(array):
        for start, chunk in _chunks(array):
            where = first_nonfinite(chunk)
            if where is not None:
                return (where[0] + start,) + where[1:]
        return None
    # No np.errstate here: entering it costs more than the sum on a one-row predict; a sum
    # that overflows warns, and is then checked exactly below.
    total = np.add.reduce(array, axis=None)
    if math.isfinite(total):
        return None
    flat = np.flatnonzero(~np.isfinite(array.reshape(-1)))
    if not flat.size:
        return None
    return tuple(int(i) for i in np.unravel_index(flat[0], array.shape))


def _converts_to_float(array) -> bool:
    convert = getattr(array, "convert_to", None)
    return convert is not None and convert.kind in "fc"


def _chunked(array) -> bool:
    """Whether ``array`` is checked chunk by chunk (memory-mapped and large, or converted)."""
    return isinstance(array, np.memmap) and array.ndim > 0 and (
        array.nbytes > _CHUNK_BYTES or getattr(array, "convert_to", None) is not None)


def _chunks(array):
    """Yield ``(first row, rows in memory)`` of a memory-mapped array, about 8 MB at a time,
    in the dtype the model reads it as; the map's pages are released after each chunk."""
    raw = array.view(np.memmap)  # plain slices: converted below, one chunk at a time
    convert = getattr(array, "convert_to", None)
    rows = max(1, _CHUNK_BYTES // max(1, raw[:1].nbytes))
    for start in range(0, len(raw), rows):
        chunk = np.asarray(raw[start:start + rows])
        if convert is not None:
            with np.errstate(over="ignore"):  # too large for the model's dtype: inf, reported
                chunk = chunk.astype(convert)
        release_pages(array)
        yield start, chunk


def release_pages(array) -> None:
    """Let the OS drop the pages of a read-only or shared memory-mapped array that this process
    has touched (they stay in the page cache): its resident memory stays bounded while a
    larger-than-memory file is streamed. Copy-on-write maps are left alone (that would lose
    their private changes)."""
    mm = getattr(array, "_mmap", None)
    if mm is None:
        base = getattr(array, "base", None)
        mm = getattr(base, "_mmap", None) if isinstance(base, np.memmap) else None
    if mm is None or getattr(array, "mode", "r") not in ("r", "r+", "readonly", "readwrite"):
        return
    try:
        import mmap

        mm.madvise(mmap.MADV_DONTNEED)
    except (AttributeError, OSError, ValueError):  # no madvise on this platform: not needed
        pass


def check_finite(name, array, *, who=None, offset=0):
    """Refuse ``array`` if it holds NaN or infinity, naming the row and column of the first."""
    where = first_nonfinite(array)
    if where is None:
        return array
    value = array[where]
    convert = getattr(array, "convert_to", None)
    if convert is not None and np.isfinite(value):
        value = f"{float(value)!r} (too large for {convert}, the model's dtype)"
    row = where[0] + offset
    place = f"row {row}" + (f", column {where[1]}" if len(where) > 1 else "")
    if len(where) > 2:
        place += f" (index {(row,) + where[1:]})"
    if _chunked(array):
        count = sum(int(np.count_nonzero(~np.isfinite(c))) for _, c in _chunks(array))
    else:
        count = int(np.count_nonzero(~np.isfinite(array)))
    raise NonFiniteInputError(
        f"{_prefix(who)}Argument `{name}` contains {count} non-finite value"
        f"{'s' if count > 1 else ''} (NaN or infinity); the first is {value} at {place}. "
        "Remove or impute those rows (for example with np.nan_to_num or a mean), then retry."
    )


def check_not_empty(name, array, *, who=None):
    """Refuse an array with no samples (a first axis of length 0)."""
    if len(array) == 0:
        raise InvalidArgumentError(
            f"{_prefix(who)}Argument `{name}` has no samples (shape {array.shape}). "
            "Pass at least one row."
        )
    return array
