"""Keras 3's dtype promotion, and small helpers shared by the ``keras.ops`` modules.

Keras 3 promotes like JAX, not like NumPy: an integer meets a float and the float type wins
(``int32 + float32 -> float32``, where NumPy gives float64), and Python scalars are "weak"
(``int32 + 1.5 -> floatx``, ``bool + 1 -> int32``, ``float16 + 1.5 -> float16``). Between
two integer or two float types the result is NumPy's. We keep 64-bit types (Keras on JAX or
PyTorch would demote them to 32 bits unless x64 is on; our oracle turns that off too).
"""

import sys

import numpy as np

from tinykeras.autodiff.tensor import Tensor, raw, wrap  # noqa: F401 - raw re-exported
from tinykeras.backend.config import floatx, standardize_dtype


def _strong_dtype(x):
    """The dtype of an array-like, or None for a Python scalar (a weak type)."""
    if isinstance(x, (bool, int, float, complex)) and not isinstance(x, np.generic):
        return None
    if isinstance(x, Tensor):
        return x.value.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype
    if isinstance(x, (str, np.dtype, type)):
        return np.dtype(x)
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        return np.dtype(floatx())  # a list of Python floats is a floatx tensor in Keras
    if arr.dtype == np.int64:
        return np.dtype("int32")
    return arr.dtype


def result_type(*args) -> str:
    """Return the dtype name Keras 3 gives to an op on ``args`` (arrays, dtypes or scalars)."""
    strong = [d for d in map(_strong_dtype, args) if d is not None]
    weak = [type(a) for a in args if _strong_dtype(a) is None]
    out = None
    for d in strong:
        if out is None:
            out = d
        elif (out.kind == "f") != (d.kind == "f"):
            out = out if out.kind == "f" else d  # int meets float: the float type wins
        else:
            out = np.promote_types(out, d)
    if out is None:  # only Python scalars
        if float in weak:
            return floatx()
        return "int32" if int in weak else "bool"
    if float in weak and out.kind != "f":
        return floatx()
    if int in weak and out.kind == "b":
        return "int32"
    return out.name


def keras_arguments(values) -> list:
    """The tensor arguments of one op call, ``values``, with their Python numbers and lists
    converted as Keras converts them (``keras_array``). A list is always converted: it is a
    tensor of its own dtype. A Python number next to a tensor, an array or a list is "weak":
    it takes their dtype (``ops.add(x_float16, 1.5)`` stays float16), which the ops' own
    promotion does, so it stays a number. Where every argument is a Python number, the first
    becomes an array and the rest stay weak: ``ops.abs(-2.0)`` and ``ops.clip(0.5, 0, 1)``
    are floatx, and ``ops.add(1, 2.5)`` too, as Keras's promotion of weak types gives."""
    first = bool(values) and all(_python_kind(v) and not isinstance(v, (list, tuple))
                                 for v in values)
    return [keras_array(v) if isinstance(v, (list, tuple)) or (first and k == 0) else v
            for k, v in enumerate(values)]


def keras_array(value):
    """``value`` as Keras's ``convert_to_tensor`` makes it when it is Python numbers (a
    number or a nested list of them): floats floatx, ints int32 (int64 when one does not
    fit, where Keras would overflow), bools bool; anything else unchanged. A ragged list
    (the ``xs`` of ``concatenate``) is converted item by item."""
    if isinstance(value, (bool, int, float)):
        kind = _python_kind(value)
    elif isinstance(value, (list, tuple)):
        kind = _python_kind(value)
        if kind is None:  # tensors or arrays inside: convert the Python lists among them
            items = [keras_array(v) if isinstance(v, (list, tuple)) else v for v in value]
            if all(a is b for a, b in zip(items, value)):
                return value
            return type(value)(items) if isinstance(value, list) else tuple(items)
    else:
        return value
    if kind is None:
        return value
    try:
        arr = np.asarray(value)
    except (ValueError, OverflowError):  # ragged: each item is a tensor of its own
        return type(value)(keras_array(v) for v in value)
    if arr.dtype == np.float64:
        return arr.astype(floatx())
    if arr.dtype == np.int64 and (arr.size == 0 or (
            arr.min() >= np.iinfo(np.int32).min and arr.max() <= np.iinfo(np.int32).max)):
        return arr.astype(np.int32)
    return arr


def _python_kind(value):
    """True when ``value`` is a Python bool/int/float or a (nested, possibly empty) list of
    them, else None."""
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
        return True
    if isinstance(value, (list, tuple)):
        return True if all(_python_kind(v) for v in value) else None
    return None


def promote(*args, dtype=None):
    """Return ``args`` cast to their Keras result type (or ``dtype``): Tensors stay Tensors
    (casts keep the gradient), everything else becomes an array."""
    from tinykeras.autodiff.math_ops import cast

    dtype = np.dtype(result_type(*args) if dtype is None else dtype)
    out = []
    for a in args:
        if isinstance(a, Tensor):
            out.append(a if a.value.dtype == dtype else cast(a, dtype.name))
        else:
            out.append(np.asarray(a, dtype=dtype))
    return out


def float_of(x) -> str:
    """The float dtype an op like ``sqrt`` computes in: the input's float type, else floatx."""
    d = _strong_dtype(x)
    if d is None or d.kind != "f":
        return floatx()
    return d.name


def to_float(x):
    """``x`` as a float Tensor/array (ints and bools become floatx, as Keras's unary math)."""
    from tinykeras.autodiff.math_ops import cast

    target = float_of(x)
    if isinstance(x, Tensor):
        return x if x.value.dtype == target else cast(x, target)
    return np.asarray(x, dtype=target)


def as_dtype(dtype, default=None) -> str:
    """``dtype`` as a NumPy dtype name (``None`` gives ``default`` or floatx)."""
    if dtype is None:
        return default or floatx()
    return standardize_dtype(dtype)


def dense_only(who, **flags) -> None:
    """Refuse ``sparse=True`` or ``ragged=True`` for op ``who``: NumPy has no sparse or
    ragged tensors, and Keras's NumPy backend refuses them the same way (a ValueError)."""
    from tinykeras.errors import InvalidArgumentError

    for flag, value in flags.items():
        if value:
            raise InvalidArgumentError(
                f"{who}: `{flag}=True` is not supported: tinykeras has no {flag} tensors "
                f"(NumPy has none; Keras's NumPy backend refuses it too). Received: "
                f"{flag}={value!r}. Pass {flag}=False (the default) for a dense result.")


def constant(value) -> Tensor:
    """Wrap a NumPy result as a Tensor with no gradient (integer, boolean or index results)."""
    return wrap(np.asarray(value))


def named(fn, name, doc):
    """Give a generated op its public name and docstring (so it lists and documents well)."""
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def nondiff(fn, doc=None):
    """Make ``fn`` (NumPy in, NumPy out) an op whose result carries no gradient."""

    def apply(*args, **kwargs):
        args = [raw(a) for a in args]
        kwargs = {k: raw(v) for k, v in kwargs.items()}
        out = fn(*args, **kwargs)
        if isinstance(out, tuple):
            return tuple(constant(o) for o in out)
        if isinstance(out, list):
            return [constant(o) for o in out]
        return constant(out)

    apply.__name__ = apply.__qualname__ = getattr(fn, "__name__", "op")
    apply.__doc__ = doc or fn.__doc__
    apply.__module__ = sys._getframe(1).f_globals.get("__name__", __name__)  # the op's module
    return apply
