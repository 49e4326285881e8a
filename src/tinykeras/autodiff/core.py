"""The ``op`` decorator that turns a forward-and-vjp function into a recorded op."""

import functools
import inspect

import numpy as np

from tinykeras import debugging
from tinykeras.autodiff import plan as _plan
from tinykeras.autodiff import tape as _tape
from tinykeras.autodiff.tensor import Tensor, wrap  # noqa: F401 - re-exported
from tinykeras.errors import InvalidArgumentError, TinykerasError


def op(fn=None, *, arity: int | None = None):
    """Make ``fn(*arrays, **static) -> (out, vjp)`` an op on Tensors.

    The first ``arity`` positional arguments are the differentiable inputs (by default, the
    parameters without a default value); the rest are static. ``vjp(g, needs)`` returns one
    gradient per input, and may skip the work (return None) where ``needs[i]`` is False.
    """
    if fn is None:
        return functools.partial(op, arity=arity)
    if arity is None:
        params = inspect.signature(fn).parameters.values()
        arity = sum(1 for p in params if p.default is inspect.Parameter.empty)
    n = None if arity < 0 else arity  # arity=-1: every positional argument is an input

    @functools.wraps(fn)
    def apply(*args, **kwargs):
        if _plan.ACTIVE:  # tracing: record the call (None if the trace gives up here)
            result = _plan.ACTIVE[-1].op(fn, args, kwargs, len(args[:n]))
            if result is not None:
                return result
        inputs = args[:n]
        arrays = [a.value if isinstance(a, Tensor) else a for a in inputs]
        try:
            out, vjp = fn(*arrays, *args[len(inputs):], **kwargs)
        except TinykerasError:
            raise
        except (ValueError, TypeError, IndexError) as exc:
            # NumPy's own words (gufunc signatures, broadcasting) name no op: say which.
            raise _op_error(fn.__name__, arrays, exc) from exc
        if type(out) is not np.ndarray:
            out = np.asarray(out)  # full reductions give NumPy scalars; keep arrays throughout
        if debugging.ENABLED:
            debugging.check_output(fn.__name__, arrays, out)
            vjp = debugging.checked_vjp(fn.__name__, arrays, vjp)
        result = Tensor.__new__(Tensor)
        result.value = out
        result._rg = False
        result._keras_logits = None
        if _tape._ACTIVE:
            needs = [isinstance(a, Tensor) and a._rg for a in inputs]
            if True in needs:
                _tape.record(result, inputs, needs, vjp)
        return result

    apply.forward = fn
    return apply


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` down to ``shape``: the vjp of NumPy broadcasting."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _op_error(name, arrays, exc) -> InvalidArgumentError:
    shapes = ", ".join(str(np.shape(a)) for a in arrays)
    return InvalidArgumentError(
        f"ops.{name} cannot take inputs of shapes {shapes}: {exc}. Check that the shapes "
        "agree (broadcasting, matmul's inner sizes, axes within the rank)."
    )
