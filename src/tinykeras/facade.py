"""The TensorFlow-shaped names that course code calls: ``import tinykeras as tf`` runs it.

``tf.keras`` is tinykeras itself; ``tf.nn``, ``tf.math``, ``tf.linalg``, ``tf.random`` and the
top-level functions (``tf.reduce_sum``, ``tf.matmul``, ``tf.constant``...) map onto tinykeras
ops, so they record on a ``GradientTape`` and differentiate where TensorFlow's do. Nothing is
implemented twice: each name is an alias or a few lines of argument translation (TensorFlow
spells arguments differently: ``input_tensor``, ``perm``, ``transpose_a``, ``direction``).

Called on a symbolic tensor (a functional-API ``Input`` or layer output), a function becomes a
``Lambda`` layer in the model, as Keras 2 wrapped TensorFlow ops; a model file names the
function (``"tf.nn.l2_normalize"``), so such a model saves and loads.
"""

import builtins
import functools
import logging
import types

import numpy as np

from tinykeras import __version__, activations
from tinykeras import ops as keras_ops
from tinykeras.autodiff import ops
from tinykeras.autodiff import reduce_ops as _reduce_ops
from tinykeras.autodiff.tensor import Tensor, wrap
from tinykeras.backend import floatx, global_rng, set_random_seed, standardize_dtype
from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.layers.keras_tensor import KerasTensor

# TensorFlow's dtype constants: NumPy dtypes compare equal to the names (``t.dtype ==
# tf.float32``) and are accepted wherever tinykeras takes a dtype.
float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001 - TensorFlow's name
double = float64
half = float16


def _symbolic(fn):
    """Let ``fn`` take a symbolic tensor first: then it returns a ``Lambda`` layer's output.

    The layer holds this wrapper itself with the other arguments as keywords, so a model
    file names it (``"tf.linalg.l2_normalize"``, from ``SYMBOLIC_OPS``) and can be loaded."""

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if isinstance(x, KerasTensor):
            from tinykeras.layers.lambda_layer import Lambda

            layer_name = _op_layer_name(fn.__name__)
            arguments = _as_keywords(fn, x, args, kwargs)
            if arguments is None:  # not expressible as keywords: a layer that cannot be saved
                return Lambda(lambda t: fn(t, *args, **kwargs), name=layer_name)(x)
            return Lambda(wrapper, arguments=arguments, name=layer_name)(x)
        return fn(x, *args, **kwargs)

    wrapper._tf_symbolic = True
    return wrapper


def _as_keywords(fn, x, args, kwargs):
    """The arguments after the first as keywords (TensorFlow's ``name`` dropped), or None."""
    import inspect

    try:
        params = inspect.signature(fn).parameters
        bound = inspect.signature(fn).bind(x, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in params.values()):
        return None
    first = next(iter(params))
    out = {}
    for key, value in bound.arguments.items():
        if params[key].kind == params[key].VAR_KEYWORD:
            out.update(value)
        elif key not in (first, "name"):
            out[key] = value
    return out


def _op_layer_name(name):
    from tinykeras.utils.naming import unique_name

    return unique_name(f"tf_op_layer_{name}")  # Keras 2's name for a wrapped TF op


def _tensor(x, dtype=None):
    """``x`` as a Tensor (TensorFlow's conversion rules: Python floats become float32)."""
    return ops.convert_to_tensor(x, dtype=dtype)


# -- creating tensors ---------------------------------------------------------------------------
def constant(value, dtype=None, shape=None, name=None):
    """Return a Tensor holding ``value`` (broadcast to ``shape`` when given)."""
    t = _tensor(value, dtype=dtype)
    if shape is not None:
        t = wrap(np.broadcast_to(t.value, tuple(shape)).copy())
    return t


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """Return ``value`` as a Tensor; Tensors and Variables pass through unchanged."""
    if dtype is None and dtype_hint is not None and not isinstance(value, (Tensor, np.ndarray)):
        dtype = dtype_hint
    return _tensor(value, dtype=dtype)


def range(start, limit=None, delta=1, dtype=None, name=None):  # noqa: A001 - TF's name
    """``[start, limit)`` in steps of ``delta``; int32 for integers, float32 for floats."""
    if limit is None:
        start, limit = 0, start
    values = np.arange(start, limit, delta)
    if dtype is None:
        dtype = "int32" if values.dtype.kind in "iu" else floatx()
    return wrap(values.astype(standardize_dtype(dtype)))


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32)."""
    return keras_ops.linspace(start, stop, int(num), axis=axis, dtype=floatx())


def zeros(shape, dtype=None, name=None):
    """A Tensor of zeros (float32 by default)."""
    return keras_ops.zeros(shape, dtype=standardize_dtype(dtype))


def ones(shape, dtype=None, name=None):
    """A Tensor of ones (float32 by default)."""
    return keras_ops.ones(shape, dtype=standardize_dtype(dtype))


def zeros_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Zeros with the shape (and dtype) of ``input``."""
    return keras_ops.zeros_like(input, dtype=dtype)


def ones_like(input, dtype=None, name=None):  # noqa: A002 - TF's argument name
    """Ones with the shape (and dtype) of ``input``."""
    return keras_ops.ones_like(input, dtype=dtype)


# -- shapes and gathering -----------------------------------------------------------------------
@_symbolic
def transpose(a, perm=None, conjugate=False, name=None):
    """Permute the axes of ``a`` by ``perm`` (reverse them by default)."""
    return ops.transpose(_tensor(a), None if perm is None else tuple(perm))


@_symbolic
def reshape(tensor, shape, name=None):
    """Reshape ``tensor`` to ``shape``."""
    return ops.reshape(_tensor(tensor), tuple(shape))


@_symbolic
def expand_dims(input, axis, name=None):  # noqa: A002 - TF's argument name
    """Insert a length-1 axis at ``axis``."""
    return ops.expand_dims(_tensor(input), axis)


@_symbolic
def squeeze(input, axis=None, name=None):  # noqa: A002 - TF's argument name
    """Remove length-1 axes."""
    return ops.squeeze(_tensor(input), axis)


def stack(values, axis=0, name=None):
    """Stack tensors along a new ``axis``."""
    return ops.stack([_tensor(v) for v in values], axis=axis)


def concat(values, axis, name=None):
    """Join tensors along an existing ``axis``."""
    return ops.concatenate([_tensor(v) for v in values], axis=axis)


def cast(x, dtype, name=None):
    """Cast ``x`` to ``dtype``; float-to-float casts keep the gradient."""
    return ops.cast(_tensor(x), standardize_dtype(dtype))


def gather(params, indices, axis=None, batch_dims=0, name=None):
    """Entries of ``params`` at ``indices`` along ``axis`` (0 by default)."""
    return ops.take(_tensor(params), np.asarray(indices), axis=0 if axis is None else axis)


def gather_nd(params, indices, batch_dims=0, name=None):
    """``params[indices[..., 0], indices[..., 1], ...]``: gather by index tuples (last axis).

    Written with ops only (the index tuples become flat row numbers, then one ``take``), so
    a step that gathers with computed indices can be traced by ``tf.function``.
    """
    if batch_dims:
        raise InvalidArgumentError(
            f"gather_nd: only batch_dims=0 is supported. Received {batch_dims}.")
    params, indices = _tensor(params), _tensor(indices)
    depth = indices.shape[-1]
    inner = tuple(params.shape[depth:])
    # Row-major strides of the indexed axes: flat = sum_k indices[..., k] * stride_k.
    strides = np.cumprod((params.shape[1:depth] + (1,))[::-1])[::-1]
    flat = None
    for k in builtins.range(depth):
        term = ops.multiply(ops.cast(indices[..., k], "int64"), int(strides[k]))
        flat = term if flat is None else ops.add(flat, term)
    rows = ops.reshape(params, (-1,) + inner)
    return ops.take(rows, flat, axis=0)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort ``values`` along ``axis`` (int32, no gradient)."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise InvalidArgumentError(
            f"`direction` must be 'ASCENDING' or 'DESCENDING'. Received: direction={direction!r}"
        )
    arr = np.asarray(values)
    if direction == "DESCENDING":
        # Sorting the negated values keeps ties in their original order, as TF does.
        order = np.argsort(-arr, axis=axis, kind="stable")
    else:
        order = np.argsort(arr, axis=axis, kind="stable")
    return wrap(order.astype(np.int32))


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``."""
    order = argsort(values, axis=axis, direction=direction).value
    return ops.take_along_axis(_tensor(values), order, axis=axis)


def where(condition, x=None, y=None, name=None):
    """``x`` where ``condition`` else ``y``; with ``condition`` alone, the true indices."""
    if x is None and y is None:
        return wrap(np.argwhere(np.asarray(condition)).astype(np.int64))
    return ops.where(np.asarray(condition), _tensor(x), _tensor(y))


def one_hot(indices, depth, on_value=None, off_value=None, axis=-1, dtype=None, name=None):
    """One-hot encode integer ``indices`` into ``depth`` columns."""
    out = ops.one_hot(np.asarray(indices), depth, axis=axis, dtype=dtype).value
    if on_value is not None or off_value is not None:
        on = 1 if on_value is None else on_value
        off = 0 if off_value is None else off_value
        out = np.where(out > 0, on, off).astype(out.dtype)
    return wrap(out)


def shape(input, out_type=None, name=None):  # noqa: A002 - TF's argument name
    """The shape of ``input`` as an int32 Tensor."""
    return wrap(np.asarray(np.shape(input), dtype=np.int32))


# -- arithmetic and reductions ------------------------------------------------------------------
def _reduction(op_fn, doc):
    @_symbolic
    def reduce(input_tensor, axis=None, keepdims=False, name=None):
        return op_fn(_tensor(input_tensor), axis=_axis(axis), keepdims=keepdims)

    reduce.__doc__ = doc
    return reduce


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _float_only(op_fn, what):
    """``op_fn`` refusing integer and boolean tensors, as TensorFlow's ``reduce_std`` and
    ``reduce_variance`` do (their mean of integers would be truncated)."""

    def reduce(x, axis=None, keepdims=False):
        if x.value.dtype.kind in "iub":
            raise InvalidTypeError(
                f"{what}: `input_tensor` must be a float tensor. Received dtype "
                f"{x.value.dtype}. Cast it first: tf.cast(x, tf.float32).")
        return op_fn(x, axis=axis, keepdims=keepdims)

    return reduce


def _mean(x, axis=None, keepdims=False):
    """TensorFlow's mean: of integers an integer (the sum divided by the count, truncated,
    as TensorFlow divides integers), of floats the float mean."""
    if x.value.dtype.kind in "iub":
        total = _reduce_ops.sum(x, axis=axis, keepdims=keepdims).value
        count = x.value.size // builtins.max(total.size, 1)
        return wrap((np.sign(total) * (np.abs(total) // builtins.max(count, 1))).astype(
            total.dtype if x.value.dtype.kind != "b" else np.int32))
    return ops.mean(x, axis=axis, keepdims=keepdims)


# Sums keep small integer types (int32 sums to int32, as in TensorFlow; NumPy's own sum
# would widen it to int64).
reduce_sum = _reduction(_reduce_ops.sum, "Sum over ``axis`` (all axes by default).")
reduce_mean = _reduction(_mean, "Mean over ``axis`` (all axes by default).")
reduce_max = _reduction(ops.max, "Maximum over ``axis``; the gradient goes to the maxima.")
reduce_min = _reduction(ops.min, "Minimum over ``axis``; the gradient goes to the minima.")
reduce_logsumexp = _reduction(ops.logsumexp, "``log(sum(exp(x)))`` over ``axis``, stably.")
reduce_prod = _reduction(keras_ops.prod, "Product over ``axis`` (all axes by default).")
reduce_any = _reduction(keras_ops.any, "Logical or over ``axis`` (a boolean Tensor).")
reduce_all = _reduction(keras_ops.all, "Logical and over ``axis`` (a boolean Tensor).")
# TensorFlow's std and variance are the population ones (divided by n, not n - 1).
reduce_std = _reduction(_float_only(keras_ops.std, "reduce_std"),
                        "Population standard deviation (ddof 0) over ``axis``; floats only.")
reduce_variance = _reduction(_float_only(keras_ops.var, "reduce_variance"),
                             "Population variance (ddof 0) over ``axis``; floats only.")
for _fn, _name in ((reduce_sum, "reduce_sum"), (reduce_mean, "reduce_mean"),
                   (reduce_max, "reduce_max"), (reduce_min, "reduce_min"),
                   (reduce_logsumexp, "reduce_logsumexp"), (reduce_prod, "reduce_prod"),
                   (reduce_any, "reduce_any"), (reduce_all, "reduce_all"),
                   (reduce_std, "reduce_std"), (reduce_variance, "reduce_variance")):
    _fn.__name__ = _fn.__qualname__ = _name


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors."""
    inputs = [_tensor(x) for x in inputs]
    total = inputs[0]
    for x in inputs[1:]:
        total = ops.add(total, x)
    return total


def matmul(a, b, transpose_a=False, transpose_b=False, name=None, **kwargs):
    """Matrix product ``a @ b``, optionally transposing either (last two axes)."""
    a, b = _tensor(a), _tensor(b)
    if transpose_a:
        a = ops.transpose(a, _swap_last(a.ndim))
    if transpose_b:
        b = ops.transpose(b, _swap_last(b.ndim))
    return ops.matmul(a, b)


def _swap_last(ndim):
    axes = list(builtins.range(ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return tuple(axes)


@_symbolic
def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``: unit rows (or columns) for ``axis``."""
    from tinykeras.layers.merging import l2_normalize as normalize

    axis = dim if axis is None and dim is not None else axis
    return normalize(_tensor(x), axis=_axis(axis), epsilon=epsilon)


def norm(tensor, ord="euclidean", axis=None, keepdims=False, name=None):  # noqa: A002
    """The Euclidean (Frobenius) norm over ``axis``."""
    if ord not in ("euclidean", "fro", 2):
        raise InvalidArgumentError(
            f"tinykeras's `norm` computes the Euclidean norm. Received: ord={ord!r}"
        )
    return keras_ops.norm(_tensor(tensor), axis=_axis(axis), keepdims=keepdims)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clip ``t`` to ``[clip_value_min, clip_value_max]``."""
    return ops.clip(_tensor(t), clip_value_min, clip_value_max)


def _unary(op_fn, name, doc):
    @_symbolic
    def fn(x, name=None):
        return op_fn(_tensor(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _binary(op_fn, name, doc):
    def fn(x, y, name=None):
        return op_fn(_tensor(x), _tensor(y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


exp = _unary(ops.exp, "exp", "Elementwise ``e ** x``.")
log = _unary(ops.log, "log", "Elementwise natural logarithm.")
log1p = _unary(ops.log1p, "log1p", "Elementwise ``log(1 + x)``.")
sqrt = _unary(ops.sqrt, "sqrt", "Elementwise square root.")
square = _unary(ops.square, "square", "Elementwise ``x ** 2``.")
abs = _unary(ops.abs, "abs", "Elementwise absolute value.")  # noqa: A001 - TF's name
negative = _unary(ops.negative, "negative", "Elementwise ``-x``.")
sign = _unary(lambda x: ops.sign(x), "sign", "Elementwise sign (no gradient).")
add = _binary(ops.add, "add", "Elementwise ``x + y``.")
subtract = _binary(ops.subtract, "subtract", "Elementwise ``x - y``.")
multiply = _binary(ops.multiply, "multiply", "Elementwise ``x * y``.")
divide = _binary(ops.divide, "divide", "Elementwise ``x / y``.")
pow = _binary(ops.power, "pow", "Elementwise ``x ** y``.")  # noqa: A001 - TF's name
maximum = _binary(ops.maximum, "maximum", "Elementwise maximum.")
minimum = _binary(ops.minimum, "minimum", "Elementwise minimum.")


# -- more of tf.math: rounding, scans, statistics and tests, each on tinykeras.ops ---------------
floor = _unary(keras_ops.floor, "floor", "Elementwise largest integer not above ``x``.")
ceil = _unary(keras_ops.ceil, "ceil", "Elementwise smallest integer not below ``x``.")
round = _unary(keras_ops.round, "round",  # noqa: A001 - TF's name
               "Elementwise round half to even (banker's rounding), as TensorFlow rounds.")
rsqrt = _unary(keras_ops.rsqrt, "rsqrt", "Elementwise ``1 / sqrt(x)``.")
erf = _unary(keras_ops.erf, "erf", "Elementwise Gauss error function.")
log_sigmoid = _unary(keras_ops.log_sigmoid, "log_sigmoid",
                     "Elementwise ``log(sigmoid(x))``, stable for large ``|x|``.")
is_nan = _unary(keras_ops.isnan, "is_nan", "Elementwise: True where ``x`` is NaN.")
is_inf = _unary(keras_ops.isinf, "is_inf", "Elementwise: True where ``x`` is +inf or -inf.")
is_finite = _unary(keras_ops.isfinite, "is_finite",
                   "Elementwise: True where ``x`` is neither infinite nor NaN.")
squared_difference = _binary(lambda x, y: keras_ops.square(keras_ops.subtract(x, y)),
                             "squared_difference", "Elementwise ``(x - y) ** 2``.")
divide_no_nan = _binary(keras_ops.divide_no_nan, "divide_no_nan",
                        "Elementwise ``x / y``, and 0 wherever ``y`` is 0.")


def _replaced(mask, x, value):
    """``x`` with ``value`` where ``mask`` holds (broadcast together)."""
    return keras_ops.where(mask, keras_ops.cast(value, x.value.dtype), x)


def multiply_no_nan(x, y, name=None):
    """Elementwise ``x * y``, and 0 wherever ``y`` is 0 even if ``x`` is inf or NaN."""
    x, y = _tensor(x), _tensor(y)
    zero = keras_ops.equal(y, 0)
    # x is zeroed where y is 0 before the product, so inf * 0 never makes a NaN (nor a NaN
    # gradient for y); the where keeps 0 there for any x.
    product = keras_ops.multiply(_replaced(zero, x, 0), y)
    return keras_ops.where(zero, keras_ops.zeros_like(product), product)


def xlogy(x, y, name=None):
    """Elementwise ``x * log(y)``, and 0 wherever ``x`` is 0 (even where ``y`` is 0)."""
    x, y = _tensor(x), _tensor(y)
    zero = keras_ops.equal(x, 0)
    # y is 1 where x is 0 before the log, so log(0) = -inf never meets the 0 (no NaN, no NaN
    # gradient).
    product = keras_ops.multiply(x, keras_ops.log(_replaced(zero, y, 1)))
    return keras_ops.where(zero, keras_ops.zeros_like(product), product)


def _scan(op_fn, fill):
    """TensorFlow's ``cumsum``/``cumprod`` (axis 0 by default, ``exclusive``, ``reverse``)
    from the ops' inclusive scan: reversing flips before and after, exclusive shifts the
    input one step along ``axis`` with ``fill`` (0 or 1) coming in, so no entry is divided
    out (a cumprod with a zero in it stays exact)."""

    @_symbolic
    def scan(x, axis=0, exclusive=False, reverse=False, name=None):
        x = _tensor(x)
        if isinstance(axis, builtins.bool) or not isinstance(axis, (int, np.integer)):
            raise InvalidArgumentError(
                f"`axis` must be an integer axis of `x`. Received: axis={axis!r}")
        axis = int(axis)
        if not -x.ndim <= axis < builtins.max(x.ndim, 1):
            raise InvalidArgumentError(
                f"`axis` must be in [-{x.ndim}, {x.ndim}) for `x` of shape {x.shape}. "
                f"Received: axis={axis}")
        if x.ndim == 0:
            return x
        if reverse:
            x = keras_ops.flip(x, axis=axis)
        if exclusive:
            pad = [(0, 0)] * x.ndim
            pad[axis] = (1, 0)
            n = x.shape[axis]
            x = keras_ops.take(keras_ops.pad(x, pad, constant_values=fill), np.arange(n), axis=axis)
        out = op_fn(x, axis=axis)
        return keras_ops.flip(out, axis=axis) if reverse else out

    return scan


cumsum = _scan(keras_ops.cumsum, 0)
cumsum.__doc__ = "Cumulative sum along ``axis`` (0); ``exclusive`` and ``reverse`` as in TF."
cumprod = _scan(keras_ops.cumprod, 1)
cumprod.__doc__ = "Cumulative product along ``axis`` (0); ``exclusive`` and ``reverse`` as in TF."
for _fn, _name in ((cumsum, "cumsum"), (cumprod, "cumprod")):
    _fn.__name__ = _fn.__qualname__ = _fn.__wrapped__.__name__ = _name
    _fn.__wrapped__.__doc__ = _fn.__doc__


def count_nonzero(input, axis=None, keepdims=None, dtype=int64, name=None):  # noqa: A002
    """The number of non-zero entries over ``axis`` (all by default), int64 as in TF."""
    x = _tensor(input)
    nonzero = keras_ops.cast(keras_ops.not_equal(x, keras_ops.zeros_like(x)),
                             standardize_dtype(dtype))
    return _reduce_ops.sum(nonzero, axis=_axis(axis), keepdims=builtins.bool(keepdims))


def _refuse_symbolic(who, *values):
    """Refuse a functional-API symbolic tensor where a function needs concrete values."""
    if builtins.any(isinstance(v, KerasTensor) for v in values):
        raise InvalidArgumentError(
            f"{who} needs concrete tensors, and was given a symbolic tensor (a functional-API "
            "Input or layer output). Call it inside a custom layer's call(), or on the "
            "model's predictions.")


class TopKV2(tuple):
    """``(values, indices)`` of ``tf.math.top_k``, also readable by name."""

    __slots__ = ()

    def __new__(cls, values, indices):
        """Pair ``values`` with ``indices``."""
        return super().__new__(cls, (values, indices))

    def __repr__(self):
        """``TopKV2(values=..., indices=...)``, as TensorFlow prints it."""
        return f"TopKV2(values={self[0]!r}, indices={self[1]!r})"

    values = property(lambda self: self[0], doc="The ``k`` largest entries of each row.")
    indices = property(lambda self: self[1], doc="Their positions in the last axis (int32).")


def top_k(input, k=1, sorted=True, index_type=int32, name=None):  # noqa: A002
    """The ``k`` largest entries of the last axis and their indices, largest first."""
    _refuse_symbolic("top_k", input)
    if isinstance(k, builtins.bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidArgumentError(
            f"`k` must be a non-negative integer. Received: k={k!r}")
    values, indices = keras_ops.top_k(_tensor(input), int(k), sorted=sorted)
    return TopKV2(values, keras_ops.cast(indices, standardize_dtype(index_type)))


def in_top_k(targets, predictions, k, name=None):
    """Per row: True when the prediction for ``targets`` is finite and among the ``k``
    largest (ties at the boundary count as in), TF2's argument order."""
    _refuse_symbolic("in_top_k", targets, predictions)
    targets, predictions = np.asarray(targets), np.asarray(predictions)
    if targets.dtype.kind not in "iu":
        raise InvalidTypeError(
            f"in_top_k: `targets` must hold integer class ids (TF2's order is "
            f"in_top_k(targets, predictions, k)). Received dtype {targets.dtype}.")
    if predictions.ndim != 2 or targets.shape != predictions.shape[:1]:
        raise InvalidArgumentError(
            f"in_top_k: `predictions` must be (batch, classes) and `targets` (batch,). "
            f"Received shapes {targets.shape} and {predictions.shape}.")
    if targets.size and not 0 <= targets.min() <= targets.max() < predictions.shape[1]:
        raise InvalidArgumentError(
            f"in_top_k: `targets` must be class ids in [0, {predictions.shape[1]}) for "
            f"{predictions.shape[1]} classes. Received ids from {targets.min()} to "
            f"{targets.max()}.")
    found = keras_ops.in_top_k(targets, predictions, k).value
    score = np.take_along_axis(predictions, targets.astype(np.intp)[:, None], axis=-1)[:, 0]
    return wrap(found & np.isfinite(score))


def _class_ids(values, what, who):
    """``values`` as a flat int64 array of non-negative class ids, or a clear refusal."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and
                                           np.all(arr == np.floor(arr))):
        raise InvalidTypeError(
            f"{who}: `{what}` must hold integer class ids. Received dtype {arr.dtype}.")
    arr = arr.astype(np.int64).ravel()
    if arr.size and arr.min() < 0:
        raise InvalidArgumentError(
            f"{who}: `{what}` must be non-negative. Received a minimum of {arr.min()}.")
    return arr


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=int32, name=None,
             axis=None, binary_output=False):
    """How often each value ``0, 1, ...`` occurs in ``arr`` (or its ``weights``' sum)."""
    _refuse_symbolic("bincount", arr, weights)
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(
            f"bincount: `axis` must be None (count all) or -1 (count each row). "
            f"Received: axis={axis!r}")
    values = np.asarray(arr)
    if axis == -1 and values.ndim > 2:
        raise InvalidArgumentError(
            f"bincount: axis=-1 counts each row of a 1-D or 2-D `arr`. Received shape "
            f"{values.shape}; reshape it to (rows, values) first.")
    ids = _class_ids(values, "arr", "bincount")
    w = None if weights is None else np.asarray(weights).ravel()
    if w is not None and w.shape != ids.shape:
        raise InvalidArgumentError(
            f"bincount: `weights` must have the shape of `arr`, {values.shape}. Received "
            f"{np.shape(weights)}.")
    size = builtins.max(int(ids.max()) + 1 if ids.size else 0, int(minlength or 0))
    if maxlength is not None:
        size = builtins.min(size, int(maxlength))
        keep = ids < size  # TF drops the values at or above maxlength
        ids, w = ids[keep], (None if w is None else w[keep])
    out_dtype = standardize_dtype(dtype) if w is None else w.dtype
    if axis == -1 and values.ndim == 2:
        # One count per row: offset each row's ids by its row number times the width.
        rows = np.repeat(np.arange(values.shape[0]), values.shape[1])
        if maxlength is not None:
            rows = rows[np.asarray(arr).astype(np.int64).ravel() < size]
        ids = rows * size + ids
        counts = keras_ops.bincount(ids, weights=w, minlength=values.shape[0] * size).value
        counts = counts[:values.shape[0] * size].reshape(values.shape[0], size)
    else:
        counts = keras_ops.bincount(ids, weights=w, minlength=size).value[:size]
    if binary_output:
        counts = counts > 0
    return wrap(np.asarray(counts).astype(out_dtype))


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=int32,
                     name=None):
    """``num_classes x num_classes`` counts: row = true label, column = prediction."""
    _refuse_symbolic("confusion_matrix", labels, predictions)
    true = _class_ids(labels, "labels", "confusion_matrix")
    pred = _class_ids(predictions, "predictions", "confusion_matrix")
    if true.shape != pred.shape:
        raise InvalidArgumentError(
            f"confusion_matrix: `labels` and `predictions` must have the same length. "
            f"Received {true.size} and {pred.size}.")
    seen = int(builtins.max(true.max(initial=-1), pred.max(initial=-1))) + 1
    if num_classes is None:
        num_classes = seen
    elif seen > int(num_classes):
        raise InvalidArgumentError(
            f"confusion_matrix: labels and predictions must be < num_classes="
            f"{num_classes}. Received a class id of {seen - 1}; pass a larger num_classes.")
    n = int(num_classes)
    w = None if weights is None else np.broadcast_to(np.asarray(weights), true.shape)
    counts = keras_ops.bincount(true * n + pred, weights=w, minlength=n * n).value[:n * n]
    return wrap(np.asarray(counts).reshape(n, n).astype(standardize_dtype(dtype)))


def argmax(input, axis=None, output_type=int64, name=None):  # noqa: A002 - TF's argument name
    """Index of the largest entry along ``axis`` (0 by default, as in TF)."""
    return wrap(np.argmax(np.asarray(input), axis=0 if axis is None else axis)
                .astype(output_type))


def argmin(input, axis=None, output_type=int64, name=None):  # noqa: A002 - TF's argument name
    """Index of the smallest entry along ``axis`` (0 by default, as in TF)."""
    return wrap(np.argmin(np.asarray(input), axis=0 if axis is None else axis)
                .astype(output_type))


def equal(x, y, name=None):
    """Elementwise ``x == y`` (a boolean Tensor)."""
    return keras_ops.equal(x, y)


def is_tensor(x):
    """True for tinykeras Tensors and Variables (and symbolic tensors)."""
    return isinstance(x, (Tensor, KerasTensor))


# -- activations, as tf.nn and tf.math spell them -----------------------------------------------
def _activation(fn, name):
    @_symbolic
    def act(x, name=None):
        return fn(x)

    act.__name__ = act.__qualname__ = name
    act.__doc__ = fn.__doc__
    return act


@_symbolic
def softmax(logits, axis=-1, name=None):
    """Softmax along ``axis``; float64 input stays float64."""
    return activations.softmax(logits, axis=axis)


@_symbolic
def log_softmax(logits, axis=-1, name=None):
    """Logarithm of the softmax along ``axis``."""
    return activations.log_softmax(logits, axis=axis)


@_symbolic
def leaky_relu(features, alpha=0.2, name=None):
    """``x`` where positive, ``alpha * x`` elsewhere."""
    return activations.leaky_relu(features, negative_slope=alpha)


sigmoid = _activation(activations.sigmoid, "sigmoid")
relu = _activation(activations.relu, "relu")
tanh = _activation(activations.tanh, "tanh")
elu = _activation(activations.elu, "elu")
selu = _activation(activations.selu, "selu")
softplus = _activation(activations.softplus, "softplus")
silu = _activation(activations.silu, "silu")
relu6 = _activation(activations.relu6, "relu6")
gelu = _activation(activations.gelu, "gelu")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-element binary crossentropy computed from ``logits``."""
    return ops.sigmoid_crossentropy_with_logits(_tensor(labels), _tensor(logits))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Per-row crossentropy of one-hot (or soft) ``labels`` against ``logits``."""
    return ops.softmax_crossentropy_with_logits(_tensor(labels), _tensor(logits), axis=axis)


def sparse_softmax_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Per-row crossentropy of integer ``labels`` against ``logits``."""
    return ops.sparse_softmax_crossentropy_with_logits(np.asarray(labels), _tensor(logits))


# -- random -------------------------------------------------------------------------------------
def _random_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normally distributed values from tinykeras's seeded generator."""
    rng = global_rng() if seed is None else np.random.default_rng(int(seed))
    values = rng.normal(mean, stddev, size=tuple(shape))
    return wrap(values.astype(standardize_dtype(dtype)))


def _random_uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """Uniform values in ``[minval, maxval)`` (``maxval`` 1 for floats)."""
    rng = global_rng() if seed is None else np.random.default_rng(int(seed))
    dtype = np.dtype(standardize_dtype(dtype))
    if dtype.kind in "iu":
        if maxval is None:
            raise InvalidArgumentError(
                "`maxval` must be given for integer dtypes, as in TensorFlow."
            )
        return wrap(rng.integers(minval, maxval, size=tuple(shape)).astype(dtype))
    maxval = 1.0 if maxval is None else maxval
    return wrap(rng.uniform(minval, maxval, size=tuple(shape)).astype(dtype))


def _random_shuffle(value, seed=None, name=None):
    """A copy of ``value`` with its first axis shuffled."""
    rng = global_rng() if seed is None else np.random.default_rng(int(seed))
    return wrap(rng.permutation(np.asarray(value)))


# -- logging, tracing and the rest --------------------------------------------------------------
_VERBOSITY = [0]


def _set_verbosity(level, alsologtostdout=False):
    """Accepted for compatibility: tinykeras has no graph compiler to log."""
    _VERBOSITY[0] = int(level)


def get_logger():
    """Return the ``"tensorflow"`` logger, which course code silences with ``setLevel``."""
    return logging.getLogger("tensorflow")


def function(func=None, **kwargs):
    """Decorate a step function (``@tf.function``): ``tinykeras.function`` where it exists,
    else the function runs as it is (tinykeras runs eagerly either way)."""
    import tinykeras

    compiled = getattr(tinykeras, "_trace_function", None)
    if compiled is not None:
        return compiled(func, **kwargs) if func is not None else compiled(**kwargs)
    if func is None:
        return lambda f: f
    return func


def _saved_model_refused(*args, **kwargs):
    """SavedModel is TensorFlow's graph format: refuse, pointing to the Keras file."""
    raise NotImplementedError(
        "tf.saved_model is TensorFlow's graph format and tinykeras does not write or read it. "
        'Save the model with `model.save("m.keras")` and load it with '
        '`tinykeras.models.load_model("m.keras")`.'
    )


def _namespace(name, doc, **members):
    module = types.ModuleType(f"tinykeras.{name}", doc)
    for key, value in members.items():
        setattr(module, key, value)
    return module


nn = _namespace(
    "nn", "tf.nn: activations and crossentropies on logits.",
    softmax=softmax, log_softmax=log_softmax, sigmoid=sigmoid, relu=relu, tanh=tanh,
    leaky_relu=leaky_relu, elu=elu, selu=selu, softplus=softplus, silu=silu, swish=silu,
    relu6=relu6, gelu=gelu, l2_normalize=l2_normalize, top_k=top_k, in_top_k=in_top_k,
    sigmoid_cross_entropy_with_logits=sigmoid_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits=softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits=sparse_softmax_cross_entropy_with_logits,
)
math = _namespace(
    "math", "tf.math: elementwise math and reductions.",
    sigmoid=sigmoid, tanh=tanh, softplus=softplus, exp=exp, log=log, log1p=log1p, sqrt=sqrt,
    square=square, abs=abs, negative=negative, sign=sign, add=add, subtract=subtract,
    multiply=multiply, divide=divide, pow=pow, maximum=maximum, minimum=minimum,
    reduce_sum=reduce_sum, reduce_mean=reduce_mean, reduce_max=reduce_max,
    reduce_min=reduce_min, reduce_logsumexp=reduce_logsumexp, add_n=add_n, argmax=argmax,
    argmin=argmin, equal=equal, l2_normalize=l2_normalize,
    floor=floor, ceil=ceil, round=round, rsqrt=rsqrt, erf=erf, log_sigmoid=log_sigmoid,
    is_nan=is_nan, is_inf=is_inf, is_finite=is_finite, squared_difference=squared_difference,
    divide_no_nan=divide_no_nan, multiply_no_nan=multiply_no_nan, xlogy=xlogy, cumsum=cumsum,
    cumprod=cumprod, reduce_prod=reduce_prod, reduce_any=reduce_any, reduce_all=reduce_all,
    reduce_std=reduce_std, reduce_variance=reduce_variance, count_nonzero=count_nonzero,
    top_k=top_k, in_top_k=in_top_k, bincount=bincount, confusion_matrix=confusion_matrix,
)
linalg = _namespace(
    "linalg", "tf.linalg: matrix products and norms.",
    matmul=matmul, l2_normalize=l2_normalize, norm=norm, transpose=transpose,
)
random = _namespace(
    "random", "tf.random: seeding and random tensors from tinykeras's one generator.",
    set_seed=set_random_seed, normal=_random_normal, uniform=_random_uniform,
    shuffle=_random_shuffle,
)
autograph = _namespace("autograph", "tf.autograph: logging switches (no-ops here).",
                       set_verbosity=_set_verbosity)
saved_model = _namespace("saved_model", "tf.saved_model: refused; use model.save('m.keras').",
                         save=_saved_model_refused, load=_saved_model_refused)


version = _namespace("version", "tf.version: the tinykeras version.", VERSION=__version__)


__all__ = [
    "abs", "add", "add_n", "argmax", "argmin", "argsort", "autograph", "bool", "cast",
    "clip_by_value", "concat", "constant", "convert_to_tensor", "cumsum", "divide", "double",
    "equal", "exp", "expand_dims", "float16", "float32", "float64", "floor", "function",
    "gather", "gather_nd", "get_logger", "half", "int8", "int16", "int32", "int64", "is_tensor",
    "l2_normalize", "linalg", "linspace", "log", "math", "matmul", "maximum", "minimum", "multiply",
    "negative", "nn", "norm", "one_hot", "ones", "ones_like", "pow", "random", "range",
    "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min",
    "reduce_prod", "reduce_sum", "reshape", "round",
    "saved_model", "shape", "sigmoid", "sign", "softmax", "sort", "sqrt", "square", "squeeze",
    "stack", "subtract", "tanh", "transpose", "uint8", "version", "where", "zeros", "zeros_like",
]


def _guard_public_functions():
    """Every ``tf.*`` function defined here (also inside ``tf.nn``, ``tf.math``...) refuses
    NumPy's and Python's own errors as tinykeras errors naming it (ops/_scope.py)."""
    from tinykeras.ops._scope import _refusing

    here = globals()
    guarded = {}
    for name in __all__:
        fn = here[name]
        if isinstance(fn, types.FunctionType) and fn.__module__ == __name__ and \
                name != "function":
            guarded[fn] = here[name] = _refusing(name, fn, prefix="tf")
    for space in (nn, math, linalg, random):
        for key, value in list(vars(space).items()):
            if isinstance(value, types.FunctionType) and value in guarded:
                setattr(space, key, guarded[value])
            elif isinstance(value, types.FunctionType) and value.__module__ == __name__ \
                    and not key.startswith("_"):  # only here (tf.math.log1p): guarded too
                prefix = "tf." + space.__name__.split(".")[-1]
                guarded[value] = _refusing(key, value, prefix=prefix)
                setattr(space, key, guarded[value])


_guard_public_functions()

# "tf.linalg.l2_normalize" -> the function a Lambda layer made from it calls: the names a
# model file may give such a layer (tinykeras's own functions, so loading them runs no code
# from the file).
SYMBOLIC_OPS = {}


def _name_symbolic_ops():
    here = globals()
    # The namespaces first, so the name written is one TensorFlow has (tf.nn.l2_normalize).
    spaces = [(f"tf.{space.__name__.rsplit('.', 1)[-1]}", vars(space))
              for space in (nn, math, linalg, random)] + [
        ("tf", {name: here[name] for name in __all__})]
    for prefix, members in spaces:
        for key, value in members.items():
            # Down to the _symbolic wrapper itself, under the error guard (functools.wraps
            # copied the marker onto the guard too).
            while getattr(getattr(value, "__wrapped__", None), "_tf_symbolic", False):
                value = value.__wrapped__
            if getattr(value, "_tf_symbolic", False):
                SYMBOLIC_OPS[f"{prefix}.{key}"] = value
                if not hasattr(value, "_tf_op_name"):  # the first name is the one written
                    value._tf_op_name = f"{prefix}.{key}"


_name_symbolic_ops()
