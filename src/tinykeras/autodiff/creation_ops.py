"""``keras.ops`` array creation: constants, ranges, triangles and window functions.

Created arrays are constants (no gradient), except ``tril``/``triu``/``diag``/``diagflat``/
``copy``/``array``-of-a-Tensor, which are views of an input and pass its gradient through.
Default dtypes follow Keras 3: floatx for floats, int32 for integer ranges.
"""

import operator

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff.core import op
from tinykeras.autodiff.dtypes import as_dtype, constant, raw, result_type
from tinykeras.autodiff.tensor import Tensor
from tinykeras.backend.config import floatx
from tinykeras.errors import InvalidArgumentError


def _shape(shape):
    dims = [shape] if isinstance(shape, (int, np.integer)) else raw(shape)
    try:  # ints, NumPy ints and 0-d integer tensors; not bools, floats or strings
        dims = [None if isinstance(d, (bool, np.bool_)) else operator.index(raw(d))
                for d in dims]
    except TypeError:
        dims = [None]
    if None in dims or any(d < 0 for d in dims):
        raise InvalidArgumentError(
            f"Argument `shape` must be a tuple of non-negative integers, such as (2, 3). "
            f"Received: shape={shape!r}"
        )
    return tuple(dims)


def zeros(shape, dtype=None):
    """A tensor of zeros (floatx unless ``dtype`` is given)."""
    return constant(np.zeros(_shape(shape), dtype=as_dtype(dtype)))


def ones(shape, dtype=None):
    """A tensor of ones (floatx unless ``dtype`` is given)."""
    return constant(np.ones(_shape(shape), dtype=as_dtype(dtype)))


def empty(shape, dtype=None):
    """A tensor of the given shape; its values are zeros (NumPy's ``empty`` is not defined)."""
    return zeros(shape, dtype)


def full(shape, fill_value, dtype=None):
    """A tensor filled with ``fill_value`` (floatx unless ``dtype`` is given, as in Keras)."""
    dtype = as_dtype(dtype)
    return constant(np.full(_shape(shape), raw(fill_value), dtype=dtype))


def zeros_like(x, dtype=None):
    """Zeros with the shape (and dtype, unless given) of ``x``."""
    arr = np.asarray(raw(x))
    return constant(np.zeros(arr.shape, dtype=as_dtype(dtype, arr.dtype.name)))


def ones_like(x, dtype=None):
    """Ones with the shape (and dtype, unless given) of ``x``."""
    arr = np.asarray(raw(x))
    return constant(np.ones(arr.shape, dtype=as_dtype(dtype, arr.dtype.name)))


def empty_like(x, dtype=None):
    """A tensor shaped like ``x``; its values are zeros."""
    return zeros_like(x, dtype)


def full_like(x, fill_value, dtype=None):
    """``fill_value`` with the shape (and dtype, unless given) of ``x``."""
    arr = np.asarray(raw(x))
    return constant(np.full(arr.shape, raw(fill_value), dtype=as_dtype(dtype, arr.dtype.name)))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """An ``N x M`` matrix with ones on diagonal ``k``."""
    return constant(np.eye(int(N), None if M is None else int(M), int(k), dtype=as_dtype(dtype)))


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return eye(n, dtype=dtype)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """Ones at and below diagonal ``k`` of an ``N x M`` matrix, zeros above."""
    return constant(np.tri(int(N), None if M is None else int(M), int(k), dtype=as_dtype(dtype)))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)``; int32 for integer arguments, as in Keras."""
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    if np.all(raw(step) == 0):
        raise InvalidArgumentError("ops.arange: argument `step` must not be 0. Received: step=0")
    if dtype is None:
        dtype = result_type(*(raw(v) for v in (start, stop, step)))
    return constant(np.arange(raw(start), raw(stop), raw(step), dtype=as_dtype(dtype)))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    dtype = as_dtype(dtype, result_type(raw(start), raw(stop), 1.0))
    out, step = np.linspace(raw(start), raw(stop), int(num), endpoint=endpoint, retstep=True,
                            dtype=dtype, axis=axis)
    return (constant(out), constant(np.asarray(step, dtype=dtype))) if retstep else constant(out)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``num`` values evenly spaced on a log scale, from ``base**start`` to ``base**stop``."""
    dtype = as_dtype(dtype, result_type(raw(start), raw(stop), 1.0))
    return constant(np.logspace(raw(start), raw(stop), int(num), endpoint=endpoint,
                                base=base, dtype=dtype, axis=axis))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values in geometric progression from ``start`` to ``stop``."""
    dtype = as_dtype(dtype, result_type(raw(start), raw(stop), 1.0))
    return constant(np.geomspace(raw(start), raw(stop), int(num), endpoint=endpoint,
                                 dtype=dtype, axis=axis))


def meshgrid(*x, indexing="xy"):
    """Coordinate matrices from 1-D coordinate vectors (constants)."""
    return [constant(g) for g in np.meshgrid(*(raw(v) for v in x), indexing=indexing)]


def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's argument name
    """The Vandermonde matrix: columns are powers of ``x`` (differentiable in ``x``)."""
    n = len(raw(x)) if N is None else int(N)
    powers = np.arange(n) if increasing else np.arange(n - 1, -1, -1)
    x = m.expand_dims(x if isinstance(x, Tensor) else np.asarray(x), -1)
    x_raw = raw(x)
    return m.power(x, powers.astype(x_raw.dtype))


def bartlett(x):
    """The Bartlett (triangular) window of ``x`` points."""
    return constant(np.bartlett(int(raw(x))).astype(floatx()))


def blackman(x):
    """The Blackman window of ``x`` points."""
    return constant(np.blackman(int(raw(x))).astype(floatx()))


def hamming(x):
    """The Hamming window of ``x`` points."""
    return constant(np.hamming(int(raw(x))).astype(floatx()))


def hanning(x):
    """The Hann window of ``x`` points."""
    return constant(np.hanning(int(raw(x))).astype(floatx()))


def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``."""
    return constant(np.kaiser(int(raw(x)), float(raw(beta))).astype(floatx()))


# -- views of an input: gradients pass through ---------------------------------------------------
@op
def _mask(x, mask=None):
    keep = mask.astype(x.dtype)
    return x * keep, lambda g, needs: (g * keep,)


def tril(x, k=0):
    """The lower triangle of the last two axes (at and below diagonal ``k``); zeros above."""
    arr = np.asarray(raw(x))
    rows, cols = arr.shape[-2:]
    return _mask(x, mask=np.tri(rows, cols, k, dtype=bool))


def triu(x, k=0):
    """The upper triangle of the last two axes (at and above diagonal ``k``); zeros below."""
    arr = np.asarray(raw(x))
    rows, cols = arr.shape[-2:]
    return _mask(x, mask=~np.tri(rows, cols, k - 1, dtype=bool))


@op
def _diag_embed(v, k=0):
    out = np.diag(v, k)
    return out, lambda g, needs: (np.diagonal(g, k).copy(),)


def diag(x, k=0):
    """A 1-D input gives a matrix with ``x`` on diagonal ``k``; a 2-D one gives that diagonal."""
    if np.ndim(raw(x)) == 1:
        return _diag_embed(x, k=k)
    from tinykeras.autodiff.shape_ops import diagonal

    return diagonal(x, offset=k)


def diagflat(x, k=0):
    """A matrix with the flattened ``x`` on diagonal ``k``."""
    return _diag_embed(m.reshape(x, (-1,)), k=k)


def copy(x):
    """A copy of ``x`` (the gradient passes through)."""
    if isinstance(x, Tensor):
        return m.reshape(x, np.shape(x.value))
    return constant(np.array(x, copy=True))


def array(x, dtype=None):
    """``x`` as a Tensor (like ``convert_to_tensor``)."""
    if isinstance(x, Tensor):
        return x if dtype is None else m.cast(x, as_dtype(dtype))
    return Tensor(x, dtype=dtype)
