"""Arithmetic, reduction and shape ops: each forward next to its vector-Jacobian product."""

import math as _math

import numpy as np

from tinykeras.autodiff.core import op, unbroadcast, wrap
from tinykeras.autodiff.tensor import Tensor
from tinykeras.autodiff.tensor import raw as _raw


def _shape(a):
    # np.shape is a Python function; the vjps of the elementwise ops call this every step.
    return a.shape if type(a) is np.ndarray else np.shape(a)


# -- elementwise binary -------------------------------------------------------------------------
@op
def add(x1, x2):
    """Elementwise ``x1 + x2`` with broadcasting."""

    def vjp(g, needs):
        return (
            unbroadcast(g, _shape(x1)) if needs[0] else None,
            unbroadcast(g, _shape(x2)) if needs[1] else None,
        )

    return np.add(x1, x2), vjp


@op(arity=-1)
def _add_in_order(*values):
    """``values[0] + values[1] + ...``, added left to right as a chain of ``add`` would, as
    one op (a loss and its regularization penalties, once a step): one call each way
    instead of one per term."""
    total = values[0]
    for value in values[1:]:
        total = np.add(total, value)

    def vjp(g, needs):
        return tuple(unbroadcast(g, _shape(v)) if need else None
                     for v, need in zip(values, needs))

    return total, vjp


@op
def subtract(x1, x2):
    """Elementwise ``x1 - x2`` with broadcasting."""

    def vjp(g, needs):
        return (
            unbroadcast(g, _shape(x1)) if needs[0] else None,
            unbroadcast(-g, _shape(x2)) if needs[1] else None,
        )

    return np.subtract(x1, x2), vjp


@op
def multiply(x1, x2):
    """Elementwise ``x1 * x2`` with broadcasting."""

    def vjp(g, needs):
        return (
            unbroadcast(g * x2, _shape(x1)) if needs[0] else None,
            unbroadcast(g * x1, _shape(x2)) if needs[1] else None,
        )

    return np.multiply(x1, x2), vjp


@op
def divide(x1, x2):
    """Elementwise true division ``x1 / x2`` with broadcasting."""
    out = np.true_divide(x1, x2)

    def vjp(g, needs):
        # d(x1/x2)/dx2 = -x1/x2**2 = -out/x2
        return (
            unbroadcast(g / x2, _shape(x1)) if needs[0] else None,
            unbroadcast(-g * out / x2, _shape(x2)) if needs[1] else None,
        )

    return out, vjp


@op
def power(x1, x2):
    """Elementwise ``x1 ** x2``."""
    out = np.power(x1, x2)

    def vjp(g, needs):
        g1 = g2 = None
        if needs[0]:
            g1 = unbroadcast(g * x2 * np.power(x1, np.subtract(x2, 1)), _shape(x1))
        if needs[1]:
            # d/dx2 x1**x2 = out * log(x1), taken as 0 where x1 <= 0 (as JAX does at x1 = 0).
            safe = np.where(np.greater(x1, 0), x1, 1)
            g2 = unbroadcast(g * out * np.log(safe), _shape(x2))
        return g1, g2

    return out, vjp


def _pick_vjp(x1, x2, first_wins):
    """The vjp of an elementwise selection: ``g`` goes where ``first_wins`` picked ``x1``,
    else to ``x2``, split evenly at ties (as JAX does)."""

    def vjp(g, needs):
        w = np.where(first_wins, 1.0, np.where(np.equal(x1, x2), 0.5, 0.0)).astype(g.dtype)
        return (
            unbroadcast(g * w, _shape(x1)) if needs[0] else None,
            unbroadcast(g * (1 - w), _shape(x2)) if needs[1] else None,
        )

    return vjp


@op
def maximum(x1, x2):
    """Elementwise maximum; at ties the gradient is split evenly."""
    return np.maximum(x1, x2), _pick_vjp(x1, x2, np.greater(x1, x2))


@op
def minimum(x1, x2):
    """Elementwise minimum; at ties the gradient is split evenly."""
    return np.minimum(x1, x2), _pick_vjp(x1, x2, np.less(x1, x2))


@op
def where(condition, x1, x2):
    """Elementwise ``x1`` where ``condition`` else ``x2``."""
    cond = np.asarray(condition, dtype=bool)

    def vjp(g, needs):
        zero = np.zeros((), dtype=g.dtype)
        return (
            None,
            unbroadcast(np.where(cond, g, zero), _shape(x1)) if needs[1] else None,
            unbroadcast(np.where(cond, zero, g), _shape(x2)) if needs[2] else None,
        )

    return np.where(cond, x1, x2), vjp


@op
def clip(x, x_min, x_max):
    """Clip ``x`` to ``[x_min, x_max]``; the gradient passes only inside the interval."""
    out = np.clip(x, x_min, x_max)
    if out.dtype != np.asarray(x).dtype:
        # NumPy's promotion (int32 with a Python float is float64): Keras's instead, floatx.
        from tinykeras.autodiff.dtypes import result_type

        out = out.astype(result_type(x, x_min, x_max), copy=False)

    def vjp(g, needs):
        inside = np.logical_and(np.greater_equal(x, x_min), np.less_equal(x, x_max))
        gx = np.where(inside, g, 0).astype(g.dtype, copy=False) if needs[0] else None
        return gx, None, None

    return out, vjp


# -- elementwise unary --------------------------------------------------------------------------
@op
def negative(x):
    """Elementwise ``-x``."""
    return np.negative(x), lambda g, needs: (-g,)


@op
def square(x):
    """Elementwise ``x ** 2``."""
    return np.square(x), lambda g, needs: (2 * g * x,)


@op
def sqrt(x):
    """Elementwise square root."""
    out = np.sqrt(x)
    return out, lambda g, needs: (g * 0.5 / out,)


@op
def exp(x):
    """Elementwise ``e ** x``."""
    out = np.exp(x)
    return out, lambda g, needs: (g * out,)


@op
def log(x):
    """Elementwise natural logarithm."""
    return np.log(x), lambda g, needs: (g / x,)


@op
def log1p(x):
    """Elementwise ``log(1 + x)``, accurate for small ``x``."""
    return np.log1p(x), lambda g, needs: (g / (1 + x),)


@op
def abs(x):  # noqa: A001 - the Keras ops name
    """Elementwise absolute value (gradient ``sign(x)``, 0 at 0)."""
    return np.abs(x), lambda g, needs: (g * np.sign(x),)


def sign(x):
    """Elementwise sign (no gradient)."""
    return wrap(np.sign(_raw(x)))


# -- matrix products ----------------------------------------------------------------------------
@op
def matmul(x1, x2):
    """Matrix product with NumPy's ``matmul`` rules (1-D operands are promoted)."""
    a = np.asarray(x1)
    b = np.asarray(x2)
    out = np.matmul(a, b)

    def vjp(g, needs):
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1 and b.ndim == 1:  # an inner product: g is a scalar
            g2 = np.reshape(g, (1, 1))
        elif a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        elif b.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if needs[1]:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g2), b2.shape).reshape(b.shape)
        return ga, gb

    return out, vjp


def dot(x1, x2):
    """Dot product: ``matmul`` for 1-D and 2-D operands, a scalar product with a scalar."""
    if np.ndim(_raw(x1)) == 0 or np.ndim(_raw(x2)) == 0:
        return multiply(x1, x2)
    return matmul(x1, x2)


# -- shapes -------------------------------------------------------------------------------------
@op
def transpose(x, axes=None):
    """Permute the axes (reverse them by default)."""
    out = np.transpose(x, axes)
    inverse = None if axes is None else np.argsort(axes)
    return out, lambda g, needs: (np.transpose(g, inverse),)


@op
def reshape(x, newshape):
    """Reshape to ``newshape`` (one entry may be -1)."""
    shape = np.shape(x)
    return np.reshape(x, newshape), lambda g, needs: (np.reshape(g, shape),)


@op
def expand_dims(x, axis):
    """Insert a length-1 axis at ``axis``."""
    shape = np.shape(x)
    return np.expand_dims(x, axis), lambda g, needs: (np.reshape(g, shape),)


@op
def squeeze(x, axis=None):
    """Remove length-1 axes (all, or those in ``axis``)."""
    shape = np.shape(x)
    return np.squeeze(x, axis), lambda g, needs: (np.reshape(g, shape),)


def concatenate(xs, axis=0):
    """Join a sequence of tensors along ``axis``."""
    return _concatenate(*xs, axis=axis)


def stack(xs, axis=0):
    """Stack tensors along a new ``axis``."""
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


@op(arity=-1)
def _concatenate(*xs, axis=0):
    sizes = [np.shape(x)[axis] for x in xs]
    splits = np.cumsum(sizes)[:-1]
    out = np.concatenate(xs, axis=axis)
    return out, lambda g, needs: tuple(np.split(g, splits, axis=axis))


@op
def getitem(x, key):
    """``x[key]`` for basic and integer-array indexing."""
    arr = np.asarray(x)
    key = _raw_key(key)

    def vjp(g, needs):
        full = np.zeros(arr.shape, dtype=g.dtype)
        np.add.at(full, key, g)  # add.at so that repeated indices accumulate
        return (full,)

    return arr[key], vjp


@op
def take(x, indices, axis=None):
    """Gather entries of ``x`` at integer ``indices`` along ``axis`` (flattened if None)."""
    arr = np.asarray(x)
    idx = np.asarray(indices, dtype=np.intp)
    out = np.take(arr, idx, axis=axis)

    def vjp(g, needs):
        if axis is None:
            full = np.zeros(arr.size, dtype=g.dtype)
            np.add.at(full, idx.ravel(), g.ravel())
            return full.reshape(arr.shape), None
        ax = axis % arr.ndim
        if idx.ndim == 0:  # a scalar index drops the axis: put it back as a length-1 axis
            return _take_vjp_along(arr, idx.reshape(1), np.expand_dims(g, ax), ax), None
        return _take_vjp_along(arr, idx, g, ax), None

    return out, vjp


def _take_vjp_along(arr, idx, g, ax):
    """Scatter-add ``g`` (the gradient of ``take(arr, idx, axis=ax)``) back onto ``arr``."""
    full = np.zeros(arr.shape, dtype=g.dtype)
    moved = np.moveaxis(full, ax, 0)
    gm = np.moveaxis(g.reshape(arr.shape[:ax] + idx.shape + arr.shape[ax + 1 :]), ax, 0)
    np.add.at(moved, idx.ravel(), gm.reshape((idx.size,) + moved.shape[1:]))
    return full


@op
def take_along_axis(x, indices, axis=None):
    """Pick ``x[..., indices[...], ...]`` along ``axis`` (``np.take_along_axis``)."""
    arr = np.asarray(x)
    idx = np.asarray(indices, dtype=np.intp)
    out = np.take_along_axis(arr, idx, axis=axis)

    def vjp(g, needs):
        if axis is None:
            full = np.zeros(arr.size, dtype=g.dtype)
            np.add.at(full, idx.ravel(), g.ravel())
            return full.reshape(arr.shape), None
        ax = axis % arr.ndim
        grids = np.ogrid[tuple(slice(0, n) for n in idx.shape)]
        index = tuple(idx if i == ax else grids[i] for i in range(arr.ndim))
        full = np.zeros(arr.shape, dtype=g.dtype)
        np.add.at(full, index, g)
        return full, None

    return out, vjp


# -- reductions ---------------------------------------------------------------------------------
def _restore(g, shape, axis, keepdims):
    """Broadcast a reduced gradient back to the input ``shape``."""
    g = np.asarray(g)
    if not keepdims:  # put the reduced axes back as size 1 (a reshape: same order)
        axes = range(len(shape)) if axis is None else (
            (axis,) if isinstance(axis, int) else axis)
        kept = list(shape)
        for a in axes:
            kept[a % len(shape)] = 1
        g = g.reshape(kept)
    if _math.prod(shape) > _SMALL:
        return np.broadcast_to(g, shape)  # a read-only view: no copy of a large gradient
    # A small one (a loss's mean over the last axis, every step): a filled copy costs less
    # than np.broadcast_to's Python.
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g
    return out


_SMALL = 1 << 16


@op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - the Keras ops name
    """Sum over ``axis`` (all axes by default)."""
    shape = _shape(x)
    axis = _axis(axis)
    # For an ndarray np.sum is np.add.reduce behind a Python wrapper: call it directly.
    total = (np.add.reduce(x, axis=axis, keepdims=keepdims) if type(x) is np.ndarray
             else np.sum(x, axis=axis, keepdims=keepdims))
    return total, lambda g, needs: (
        _restore(g, shape, axis, keepdims),
    )


@op
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (all axes by default)."""
    arr = np.asarray(x)
    if axis is None and not keepdims and arr.dtype.kind == "f" and arr.size:
        # The whole-array mean of a float array (every training loss, once a step): the sum
        # times the reciprocal in the array's dtype, on NumPy scalars (the same rounding as
        # np.multiply(total, 1 / count, dtype=...), a fraction of its overhead).
        count = arr.size
        total = np.add.reduce(arr, axis=None)
        return total * total.dtype.type(1.0 / count), lambda g, needs: (
            _filled(arr.shape, g / count),)
    axis = _axis(axis)
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    # np.add.reduce is what np.sum calls for an ndarray, without its Python wrapper.
    total = np.add.reduce(arr, axis=axis, keepdims=keepdims)
    count = arr.size // total.size if total.size else 1
    # sum * (1/count) instead of np.mean: same value, a fraction of the Python overhead.
    out = np.multiply(total, 1.0 / count, dtype=total.dtype) if count else total
    if axis is None and not keepdims:
        return out, lambda g, needs: (_filled(arr.shape, g / count),)
    return out, lambda g, needs: (_restore(g / count, arr.shape, axis, keepdims),)


def _filled(shape, value):
    """``np.full(shape, value, dtype=value.dtype)`` without np.full's Python wrapper (the mean
    of every training loss comes back through here once a step); a writable array, as the
    vjps downstream may expect."""
    out = np.empty(shape, dtype=value.dtype)
    out.fill(value)
    return out


def _extreme(reduce):
    def fwd(x, axis=None, keepdims=False):
        arr = np.asarray(x)
        axis_ = _axis(axis)
        out = reduce(arr, axis=axis_, keepdims=True)

        def vjp(g, needs):
            # The gradient goes to the extreme entries, shared evenly among ties.
            mask = arr == out
            share = mask / mask.sum(axis=axis_, keepdims=True)
            return (_restore(g, arr.shape, axis_, keepdims) * share,)

        return (out if keepdims else np.squeeze(out, axis_)), vjp

    return fwd


max = op(_extreme(np.max), arity=1)  # noqa: A001 - the Keras ops name
max.__doc__ = "Maximum over ``axis``; the gradient flows to the maximal entries."
min = op(_extreme(np.min), arity=1)  # noqa: A001 - the Keras ops name
min.__doc__ = "Minimum over ``axis``; the gradient flows to the minimal entries."


def argmax(x, axis=-1, keepdims=False):
    """Index of the largest entry along ``axis`` (no gradient)."""
    return wrap(np.argmax(_raw(x), axis=axis, keepdims=keepdims))


def argmin(x, axis=-1, keepdims=False):
    """Index of the smallest entry along ``axis`` (no gradient)."""
    return wrap(np.argmin(_raw(x), axis=axis, keepdims=keepdims))


def one_hot(x, num_classes, axis=-1, dtype=None):
    """One-hot encode integer labels ``x`` into ``num_classes`` columns (no gradient)."""
    from tinykeras.backend import floatx
    from tinykeras.errors import InvalidArgumentError

    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise InvalidArgumentError(
            f"one_hot: `num_classes` must be a positive integer (the number of classes). "
            f"Received: num_classes={num_classes!r}"
        )
    labels = np.asarray(_raw(x)).astype(np.intp)
    out = (labels[..., None] == np.arange(num_classes)).astype(dtype or floatx())
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return wrap(out)


def stop_gradient(x):
    """Return ``x`` as a constant: no gradient flows through it."""
    return wrap(np.asarray(_raw(x)))


def convert_to_tensor(x, dtype=None):
    """Return ``x`` as a Tensor (floats in floatx unless ``dtype`` says otherwise)."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    return Tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """Return ``x`` as a NumPy array."""
    return np.asarray(_raw(x))


def cast(x, dtype):
    """Cast to ``dtype``; float-to-float casts keep the gradient."""
    return _cast(x, dtype=np.dtype(dtype).name)


@op
def _cast(x, dtype=None):
    src = np.asarray(x).dtype
    return np.asarray(x).astype(dtype), lambda g, needs: (g.astype(src, copy=False),)


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _raw_key(key):
    if isinstance(key, tuple):
        return tuple(_raw(k) for k in key)
    return _raw(key)


def _same_kind(tensor, other) -> bool:
    """Whether NumPy's own promotion gives Keras's dtype for ``tensor <op> other``: a float
    tensor with a Python number (weak, it takes the tensor's dtype) or with an operand of
    its own dtype. The operators' fast path; other pairs go through Keras's promotion."""
    dtype = tensor.value.dtype
    if isinstance(other, Tensor):
        other = other.value
    elif type(other) in _NUMBERS:
        return dtype.kind == "f"
    return isinstance(other, np.ndarray) and (other.dtype is dtype or other.dtype == dtype)


_NUMBERS = frozenset({float, int, bool})


def _promoting(name):
    """The Keras-promoting op behind an operator, for mixed operands (an int tensor and a
    Python float is floatx, a float32 tensor and a list of floats float32: NumPy would make
    float64 of both; ``int / int`` is floatx)."""
    from tinykeras.autodiff import elementwise_ops, reduce_ops

    if name == "matmul":
        return reduce_ops.matmul
    return getattr(elementwise_ops, {"sub": "subtract", "mul": "multiply",
                                     "truediv": "divide", "pow": "power"}.get(name, name))


def install_operators(cls=Tensor) -> None:
    """Give ``Tensor`` its arithmetic operators and ``.T``, each through the op above (the
    one place they are defined; ``tensor.py`` imports no op module)."""
    binary = {"add": add, "sub": subtract, "mul": multiply, "truediv": divide,
              "matmul": matmul, "pow": power}
    for name, fn in binary.items():
        setattr(cls, f"__{name}__", lambda self, other, fn=fn, name=name:
                fn(self, other) if _same_kind(self, other) else _promoting(name)(self, other))
        setattr(cls, f"__r{name}__", lambda self, other, fn=fn, name=name:
                fn(other, self) if _same_kind(self, other) else _promoting(name)(other, self))
    cls.__neg__ = lambda self: negative(self)
    cls.__abs__ = lambda self: abs(self)
    cls.__getitem__ = lambda self, key: getitem(self, key)
    cls.T = property(lambda self: transpose(self), doc="The transpose (reverses the axes).")


install_operators()
