"""The ``keras.ops`` names tinykeras leaves out on purpose, and why: each is a function that
raises ``NotImplementedError`` saying so, so that a pasted guide fails with a clear message.
Also the guard every public op goes through: Python numbers and lists given as tensors become
arrays of Keras's dtypes, and NumPy's and Python's own refusals of bad arguments become
tinykeras errors that name the op and what it was given."""

import functools
import inspect

import numpy as np

from tinykeras.autodiff.dtypes import keras_arguments
from tinykeras.autodiff.tensor import Tensor, check_numeric_input
from tinykeras.errors import (
    InvalidArgumentError,
    InvalidTypeError,
    NonNumericInputError,
    TinykerasError,
)

_CONV = "convolution is out of scope (tinykeras covers dense networks)"
_POOL = "pooling is out of scope (tinykeras covers dense networks)"
_FFT = "FFT and signal processing are out of scope (tinykeras covers dense networks)"
_IMAGE = "image ops are out of scope (tinykeras covers dense networks)"
_CTC = "CTC (sequence alignment) is out of scope (tinykeras covers dense networks)"
_ATTN = "attention is out of scope (tinykeras covers dense networks)"

OUT_OF_SCOPE = {
    "conv": _CONV, "conv_transpose": _CONV, "depthwise_conv": _CONV, "separable_conv": _CONV,
    "average_pool": _POOL, "max_pool": _POOL, "adaptive_average_pool": _POOL,
    "adaptive_max_pool": _POOL,
    "fft": _FFT, "fft2": _FFT, "ifft2": _FFT, "rfft": _FFT, "irfft": _FFT, "stft": _FFT,
    "istft": _FFT, "extract_sequences": _FFT,
    "ctc_loss": _CTC, "ctc_decode": _CTC,
    "dot_product_attention": _ATTN,
    "depth_to_space": _IMAGE, "space_to_depth": _IMAGE, "fold": _IMAGE, "unfold": _IMAGE,
}


def out_of_scope(name: str):
    """A function standing in for ``keras.ops.<name>`` that raises with the reason."""

    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"`ops.{name}` is not available in tinykeras: {OUT_OF_SCOPE[name]}. Use Keras "
            "itself for models that need it."
        )

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Out of scope in tinykeras: {OUT_OF_SCOPE[name]}."
    refuse.out_of_scope = OUT_OF_SCOPE[name]
    return refuse


def _refusing(name: str, fn, prefix: str = "ops"):
    """``fn`` as the public ``ops.<name>`` (``tf.<name>`` with ``prefix="tf"``): a
    ``ValueError``, ``TypeError``, ``IndexError``, ``ZeroDivisionError`` or ``AttributeError``
    from deep inside NumPy (an axis out of range, a split that does not divide, a string where
    numbers go) is raised again as a tinykeras error naming the op and its arguments. Errors
    from a function the op calls for the user (the branches of ``cond``, a loop body) pass
    through unchanged: they are the user's own."""

    tensors = None if name in _ANY_OBJECT else _tensor_parameters(fn)
    dtype_at = _dtype_parameter(fn)
    who = f"{prefix}.{name}"

    @functools.wraps(fn)
    def op(*args, **kwargs):
        converted = args, kwargs
        if tensors is not None:
            _check_tensor_arguments(who, tensors, args, kwargs)
            # Only calls with a Python number or list look further (most calls pass tensors
            # and arrays, and options by keyword: those cost one scan).
            for v in args:
                if type(v) in _PYTHON:
                    break
            else:
                v = None if not kwargs else next(
                    (k for k, v in kwargs.items() if type(v) in _PYTHON and k in tensors[2]),
                    None)
            if v is not None and not _asks_dtype(dtype_at, args, kwargs):
                converted = _python_to_arrays(tensors, args, kwargs)
        try:
            out = fn(*converted[0], **converted[1])  # messages show the arguments as given
        except TinykerasError:
            raise
        except (ValueError, TypeError, IndexError, ZeroDivisionError, AttributeError) as exc:
            values = list(args) + list(kwargs.values())
            if any(callable(v) and not hasattr(v, "shape") for v in values):
                raise
            kind = InvalidTypeError if isinstance(exc, (TypeError, AttributeError)) else \
                InvalidArgumentError
            given = ", ".join([_show(v) for v in args] + [f"{k}={_show(v)}"
                                                          for k, v in kwargs.items()])
            raise kind(
                f"{prefix}.{name} cannot take the arguments ({given}): {exc}. See "
                f"help({'tinykeras.ops' if prefix == 'ops' else prefix}.{name}) for what each "
                "argument takes."
            ) from exc
        if isinstance(out, Tensor) and out.value.dtype.kind == "O":
            # A last guard, for an object that reached NumPy through another argument.
            given = ", ".join([_show(v) for v in args] + [f"{k}={_show(v)}"
                                                          for k, v in kwargs.items()])
            raise NonNumericInputError(
                f"{who} cannot take the arguments ({given}): they make an array of Python "
                "objects, not numbers. Pass tensors, arrays or numbers.")
        return out

    return op


# The tensor arguments of the ops, by Keras 3's own parameter names (``x``, ``x1``, ``xs``,
# ``condition``...); ``*args`` is the array of a wrapped NumPy function (``ops.ceil``).
# Every public op checks them with ``check_numeric_input``: one check for all of them.
_TENSOR_NAMES = frozenset({
    "x", "x1", "x2", "y", "a", "b", "xs", "inputs", "data", "target", "output", "labels",
    "logits", "kernel", "targets", "predictions", "tensor", "array", "elements", "elems", "arr",
    "mean", "variance", "sorted_sequence", "values", "updates", "variable", "condition",
    "x_min", "x_max", "operands", "condlist", "choicelist", "primals", "tangents", "indices",
    "segment_ids", "bins", "fill_value", "q", "threshold", "default_value", "max_val",
    "abs_", "angle", "pred", "args", "bias", "scale", "offset", "weights", "mask",
    # and the tf.* facade's (ops/_scope.py guards those too)
    "input", "input_tensor", "t", "clip_value_min", "clip_value_max", "value", "params",
})
# Questions about any object, answered as Keras does: is_tensor(None) is False, and
# convert_to_numpy gives NumPy's array of anything.
_ANY_OBJECT = frozenset({"is_tensor", "convert_to_numpy"})


def _tensor_parameters(fn):
    """``(positional, rest, keywords)`` for ``fn``'s tensor parameters: the name (or None)
    of each positional parameter in order with whether it is required, the name of
    ``*args`` when it holds tensors, and ``{name: required}`` for passing by keyword;
    None when ``fn`` has none."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    positional, rest, keywords = [], None, {}
    for p in params:
        tensor = p.name in _TENSOR_NAMES
        required = p.default is inspect.Parameter.empty
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append((p.name, required) if tensor else None)
        elif p.kind == p.VAR_POSITIONAL and (tensor or p.name == "x"):
            rest = "x" if p.name == "args" else p.name
        if tensor and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            keywords[p.name] = required
    if not keywords and rest is None:
        return None
    return positional, rest, keywords


def _check_tensor_arguments(who, tensors, args, kwargs) -> None:
    """Refuse a tensor argument that is None where one is required, or not numeric."""
    positional, rest, keywords = tensors
    for i, value in enumerate(args):
        if isinstance(value, (Tensor, float, int)):  # the common case, at once
            continue
        if i < len(positional):
            if positional[i] is None:
                continue
            name, required = positional[i]
        elif rest is None:
            continue
        else:
            name, required = rest, True
        if value is not None or required:
            check_numeric_input(value, name, who)
    for name, value in kwargs.items():
        required = keywords.get(name)
        if required is not None and (value is not None or required):
            check_numeric_input(value, name, who)


_PYTHON = frozenset({bool, int, float, list, tuple})


def _dtype_parameter(fn):
    """``(position, names)`` of the parameters of ``fn`` that choose the result's dtype
    (``dtype``, and the facade's ``dtype_hint``), or None when it has none."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    names = [p.name for p in params if p.name in ("dtype", "dtype_hint")]
    if not names:
        return None
    positions = [i for i, p in enumerate(params) if p.name in names and
                 p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return positions, names


def _asks_dtype(dtype_at, args, kwargs) -> bool:
    """Whether this call names a dtype: then the op converts the Python numbers to it itself
    (``convert_to_tensor([0.1], dtype="float64")`` must not round 0.1 through float32 first)."""
    if dtype_at is None:
        return False
    positions, names = dtype_at
    return any(i < len(args) and args[i] is not None for i in positions) or \
        any(kwargs.get(n) is not None for n in names)


def _python_to_arrays(tensors, args, kwargs):
    """``args`` and ``kwargs`` with the Python numbers and lists given as tensors converted
    as Keras converts them (``keras_arguments``: ``ops.sum([1.0, 2.0])`` is floatx, where
    NumPy alone would make float64 of the list)."""
    positional, rest, keywords = tensors
    where, values = [], []  # position or keyword, and value, of every tensor argument given
    for i, value in enumerate(args):
        if value is not None and (positional[i] is not None if i < len(positional)
                                  else rest is not None):
            where.append(i)
            values.append(value)
    for key, value in kwargs.items():
        if value is not None and key in keywords:
            where.append(key)
            values.append(value)
    if not any(isinstance(v, (list, tuple, bool, int, float)) for v in values):
        return args, kwargs  # the common case: tensors and arrays only
    args, kwargs = list(args), dict(kwargs)
    for at, value, converted in zip(where, values, keras_arguments(values)):
        if converted is not value:
            if isinstance(at, int):
                args[at] = converted
            else:
                kwargs[at] = converted
    return tuple(args), kwargs


def _show(value) -> str:
    """An argument for a message: arrays and tensors by shape and dtype, the rest by repr."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"array of shape {tuple(np.shape(value))} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
