"""One table of calls for every covered ``keras.ops`` name, shared by the float64
finite-difference gradient test (``tests/test_ops_gradients.py``) and the oracle test against
real Keras (``tests/oracle/test_oracle_ops.py``).

Each case is ``fn(o, *args)`` written once against an ops namespace ``o``: the same lambda runs
on ``tinykeras.ops`` and on ``keras.ops``. ``grad`` lists the argument positions to
differentiate; a case without ``grad`` checks values only (integer, boolean or constant results,
which carry no gradient in Keras either). Where a factorization's sign is not unique (svd, qr,
eigh) the case squares the factor, and a function of a symmetric matrix symmetrizes its input
first, so that both libraries and finite differences all see the same function.
"""

import traceback
from dataclasses import dataclass, field

import numpy as np

_rng = np.random.default_rng(7)


def _normal(*shape):
    return _rng.normal(size=shape)


def _uniform(lo, hi, *shape):
    return _rng.uniform(lo, hi, size=shape)


X = _normal(3, 4)
Y = _normal(3, 4)
ROW = _normal(4)
POS = _uniform(0.5, 2.0, 3, 4)
UNIT = _uniform(-0.9, 0.9, 3, 4)
BIG = _uniform(1.2, 3.0, 3, 4)
SQ = _normal(3, 3) + 3 * np.eye(3)
TALL = _normal(4, 3)
RHS = _normal(3, 2)
X3 = _normal(2, 3, 4)
INTS = np.array([[3, 1, 2, 7], [5, 4, 6, 0], [9, 8, 2, 2]], dtype=np.int32)
INTS2 = np.array([[1, 2, 3, 1], [2, 2, 1, 3], [1, 1, 2, 2]], dtype=np.int32)
BOOL = X > 0
WITH_NAN = _normal(3, 4)
WITH_NAN[[0, 1, 2], [2, 1, 3]] = np.nan  # every row and column keeps two numbers
WITH_ZERO = np.where(np.eye(3, 4) > 0, 0.0, _normal(3, 4))
PROBS = _uniform(0.05, 0.95, 3, 4)
LABELS = np.array([2, 0, 3], dtype=np.int32)
ONE_HOT = np.eye(4)[LABELS]


@dataclass
class Case:
    """One call of one op: ``fn(o, *args)`` on the ops namespace ``o``."""

    name: str
    fn: object
    args: tuple
    grad: tuple = ()
    rtol: float | None = None
    oracle: bool = True
    dtype: bool = True  # compare result dtypes with Keras too
    fd: bool = True  # finite differences apply (not for stop_gradient or half precision)
    keras_grad: bool = True  # Keras's own gradient works here (see the case's comment if not)
    tags: dict = field(default_factory=dict)

    @property
    def id(self):
        """A readable test id, e.g. ``linalg.svd`` or ``sum[1]``."""
        return self.name


CASES: list = []


def case(name, fn, *args, grad=(), **kw):
    """Add one case to ``CASES``."""
    CASES.append(Case(name, fn, args, tuple(grad), **kw))


def _op(name):
    parts = name.split(".")

    def call(o, *args, **kwargs):
        f = o
        for p in parts:
            f = getattr(f, p)
        return f(*args, **kwargs)

    return call


def unary(name, x=X, grad=True, **kwargs):
    """A one-argument op applied to ``x`` (differentiated when ``grad``)."""
    f = _op(name)
    case(name, lambda o, a: f(o, a, **kwargs), x, grad=(0,) if grad else ())


def binary(name, x1=X, x2=Y, grad=(0, 1), **kwargs):
    """A two-argument op."""
    f = _op(name)
    case(name, lambda o, a, b: f(o, a, b, **kwargs), x1, x2, grad=grad)


# -- elementwise math ----------------------------------------------------------------------------
for _n in ("sin", "cos", "arctan", "sinh", "cosh", "arcsinh", "exp", "exp2", "expm1", "erf",
           "erfc", "sinc", "deg2rad", "rad2deg", "abs", "absolute", "fabs", "negative",
           "square", "tanh", "sigmoid", "relu", "relu6", "softplus", "softsign", "silu", "swish",
           "selu", "elu", "leaky_relu", "celu", "gelu", "hard_sigmoid", "hard_silu",
           "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink",
           "sparse_plus", "sparse_sigmoid", "squareplus", "log_sigmoid", "log_softmax",
           "softmax", "i0", "nan_to_num"):
    unary(_n, 2 * X)
# Keras's sparsemax (on JAX as on PyTorch) does not project onto the simplex (its rows do
# not sum to 1):
# ours is checked against the definition in tests/test_ops.py, and by finite differences.
case("sparsemax", lambda o, a: o.sparsemax(a), 2 * X, grad=(0,), oracle=False)
case("nn.sparsemax", lambda o, a: o.nn.sparsemax(a, axis=0), 2 * X, grad=(0,), oracle=False)
for _n in ("log", "log2", "log10", "log1p", "sqrt", "rsqrt", "cbrt", "reciprocal"):
    unary(_n, POS)
for _n in ("tan", "arcsin", "arccos", "arctanh", "erfinv"):
    unary(_n, UNIT)
unary("arccosh", BIG)
unary("glu", X)
for _n in ("relu", "sigmoid", "softmax", "log_softmax", "gelu", "selu", "elu", "leaky_relu",
           "celu", "glu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink",
           "soft_shrink", "tanh_shrink", "sparse_plus", "sparse_sigmoid", "squareplus",
           "log_sigmoid", "relu6", "silu", "swish", "softplus", "softsign"):
    unary("nn." + _n, 2 * X)
case("gelu", lambda o, a: o.gelu(a, approximate=False), 2 * X, grad=(0,))
case("leaky_relu", lambda o, a: o.leaky_relu(a, negative_slope=0.1), X, grad=(0,))
case("celu", lambda o, a: o.celu(a, alpha=0.5), X, grad=(0,))
case("threshold", lambda o, a: o.threshold(a, 0.3, -1.0), X, grad=(0,))
case("nn.threshold", lambda o, a: o.nn.threshold(a, 0.3, -1.0), X, grad=(0,))
case("softmax", lambda o, a: o.softmax(a, axis=0), X3, grad=(0,))
case("nn.softmax", lambda o, a: o.nn.softmax(a, axis=(1, 2)), X3, grad=(0,))
case("log_softmax", lambda o, a: o.log_softmax(a, axis=1), X3, grad=(0,))
case("nan_to_num", lambda o, a: o.nan_to_num(a, nan=1.5), WITH_NAN, grad=(0,))
for _n in ("floor", "ceil", "trunc", "round", "sign", "signbit", "isnan", "isinf", "isfinite",
           "isposinf", "isneginf", "isreal", "logical_not"):
    x = np.concatenate([WITH_NAN, [[np.inf, -np.inf, 0.5, -2.5]]])
    # sign(NaN) is NaN in NumPy, JAX and so tinykeras (Keras on PyTorch said 0).
    unary(_n, x, grad=False)
case("round", lambda o, a: o.round(a, 2), 3 * X)
unary("bitwise_invert", INTS, grad=False)
unary("bitwise_not", INTS, grad=False)

for _n in ("add", "subtract", "multiply", "maximum", "minimum", "fmax", "fmin", "arctan2",
           "hypot", "logaddexp", "logaddexp2"):
    binary(_n)
    binary(_n, X, ROW)
for _n in ("divide", "true_divide"):
    binary(_n, X, POS)
binary("power", POS, X)
binary("mod", 3 * X, POS)
binary("fmod", 3 * X, POS)
binary("divide_no_nan", X, WITH_ZERO, grad=(0,))  # 1/0 jumps: no derivative in x2
case("ldexp", lambda o, a, b: o.ldexp(a, b), X, INTS2, grad=(0,))
for _n in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
           "logical_and", "logical_or", "logical_xor", "heaviside", "nextafter", "isclose",
           "allclose"):
    binary(_n, X, np.where(BOOL, X, Y), grad=())
binary("floor_divide", 3 * X, POS, grad=())
for _n in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
           "bitwise_right_shift", "left_shift", "right_shift", "gcd", "lcm"):
    binary(_n, INTS, INTS2, grad=())
case("isin", lambda o, a, b: o.isin(a, b), INTS, np.array([1, 2, 9], np.int32))
case("add", lambda o, a: o.add(a, 2), X, grad=(0,))
case("multiply", lambda o, a: o.multiply(a, 1.5), INTS)
case("divide", lambda o, a, b: o.divide(a, b), INTS, INTS2)
case("clip", lambda o, a: o.clip(a, -0.5, 0.7), X, grad=(0,))

# -- reductions, scans, statistics ---------------------------------------------------------------
for _n in ("sum", "mean", "max", "min", "amax", "amin", "var", "std", "prod", "ptp",
           "logsumexp", "median", "nansum", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd",
           "nanprod"):
    x = WITH_NAN if _n.startswith("nan") else X
    unary(_n, x)
    case(_n, lambda o, a, n=_n: _op(n)(o, a, axis=1, keepdims=True), x, grad=(0,))
    case(_n, lambda o, a, n=_n: _op(n)(o, a, axis=0), x, grad=(0,))
case("sum", lambda o, a: o.sum(a, axis=(0, 2)), X3, grad=(0,))
case("sum", lambda o, a: o.sum(a), BOOL)
case("sum", lambda o, a: o.sum(a, axis=0), INTS)
case("mean", lambda o, a: o.mean(a), INTS)
case("prod", lambda o, a: o.prod(a, axis=1), WITH_ZERO, grad=(0,))
for _n in ("cumsum", "cumprod", "nancumsum", "nancumprod"):
    x = WITH_NAN if _n.startswith("nan") else WITH_ZERO
    case(_n, lambda o, a, n=_n: _op(n)(o, a, axis=1), x, grad=(0,))
    case(_n, lambda o, a, n=_n: _op(n)(o, a), x, grad=(0,))
case("cumsum", lambda o, a: o.cumsum(a, axis=0), INTS)
case("quantile", lambda o, a: o.quantile(a, np.array([0.1, 0.5, 0.8]), axis=1), X, grad=(0,))
case("quantile", lambda o, a: o.quantile(a, 0.3), X, grad=(0,))
case("percentile", lambda o, a: o.percentile(a, 40.0, axis=0, keepdims=True), X, grad=(0,))
case("median", lambda o, a: o.median(a, axis=1), X, grad=(0,))
for _n in ("nanquantile", "nanpercentile"):
    q = 0.4 if _n == "nanquantile" else 40.0
    case(_n, lambda o, a, n=_n, q=q: _op(n)(o, a, q, axis=1), WITH_NAN)
case("nanmedian", lambda o, a: o.nanmedian(a, axis=1), WITH_NAN)
case("average", lambda o, a, w: o.average(a, axis=1, weights=w), X, POS[0], grad=(0, 1))
case("average", lambda o, a: o.average(a), X, grad=(0,))
case("diff", lambda o, a: o.diff(a, n=2, axis=1), X, grad=(0,))
case("trapezoid", lambda o, a: o.trapezoid(a, dx=0.5), X, grad=(0,))
case("trapezoid", lambda o, a, b: o.trapezoid(a, x=b), X, np.cumsum(POS[0]), grad=(0,))
case("all", lambda o, a: o.all(a, axis=1), BOOL)
case("any", lambda o, a: o.any(a, axis=0), BOOL)
case("count_nonzero", lambda o, a: o.count_nonzero(a, axis=1), WITH_ZERO)
case("argmax", lambda o, a: o.argmax(a, axis=1), X)
case("argmin", lambda o, a: o.argmin(a), X)
case("nanargmax", lambda o, a: o.nanargmax(a, axis=1), WITH_NAN)
case("nanargmin", lambda o, a: o.nanargmin(a, axis=1), WITH_NAN)
case("bincount", lambda o, a: o.bincount(a), INTS[0])
case("bincount", lambda o, a, w: o.bincount(a, weights=w, minlength=9), INTS[0], ROW)
case("histogram", lambda o, a: o.histogram(a, bins=4), X[0], dtype=False)
for _n in ("segment_sum", "segment_max", "segment_min", "segment_prod"):
    case(_n, lambda o, a, n=_n: _op(n)(o, a, np.array([0, 2, 0], np.int32), num_segments=3),
         POS, grad=() if _n in ("segment_max", "segment_min", "segment_prod") else (0,))

# -- products ------------------------------------------------------------------------------------
case("matmul", lambda o, a, b: o.matmul(a, b), X, TALL, grad=(0, 1))
case("matmul", lambda o, a, b: o.matmul(a, b), X3, TALL, grad=(0, 1))
case("dot", lambda o, a, b: o.dot(a, b), X, TALL, grad=(0, 1))
case("dot", lambda o, a, b: o.dot(a, b), ROW, ROW, grad=(0, 1))
case("einsum", lambda o, a, b: o.einsum("ij,kj->ik", a, b), X, Y, grad=(0, 1))
case("einsum", lambda o, a: o.einsum("bij->bj", a), X3, grad=(0,))
case("einsum", lambda o, a: o.einsum("ii->i", a), SQ, grad=(0,))
case("einsum", lambda o, a, b: o.einsum("...ij,jk", a, b), X3, TALL, grad=(0, 1))
case("tensordot", lambda o, a, b: o.tensordot(a, b, axes=1), X, TALL, grad=(0, 1))
case("tensordot", lambda o, a, b: o.tensordot(a, b, axes=([0, 1], [0, 1])), X, Y, grad=(0, 1))
case("outer", lambda o, a, b: o.outer(a, b), ROW, X[0], grad=(0, 1))
case("inner", lambda o, a, b: o.inner(a, b), X, Y, grad=(0, 1))
case("vdot", lambda o, a, b: o.vdot(a, b), ROW, Y[0], grad=(0, 1))
case("kron", lambda o, a, b: o.kron(a, b), X[:2, :2], SQ, grad=(0, 1))
# (4, 3) inputs, and (3, 3) ones: along the last axis, as NumPy and Keras on JAX do (Keras on
# PyTorch crossed along the first axis of length 3).
case("cross", lambda o, a, b: o.cross(a, b), TALL, TALL[::-1] + 1, grad=(0, 1))
case("cross", lambda o, a, b: o.cross(a, b), TALL[:3], TALL[1:] + 1, grad=(0, 1))
case("correlate", lambda o, a, b: o.correlate(a, b, mode="full"), ROW, X[0, :3], grad=(0, 1))
case("correlate", lambda o, a, b: o.correlate(a, b, mode="same"), ROW, X[0, :3], grad=(0, 1))
case("correlate", lambda o, a, b: o.correlate(a, b), ROW, X[0, :3], grad=(0, 1))
case("cdist", lambda o, a, b: o.cdist(a, b), X, TALL.T, grad=(0, 1))
case("corrcoef", lambda o, a: o.corrcoef(a), X, grad=(0,))

# -- shapes and indexing -------------------------------------------------------------------------
case("reshape", lambda o, a: o.reshape(a, (2, 6)), X, grad=(0,))
case("expand_dims", lambda o, a: o.expand_dims(a, 1), X, grad=(0,))
case("squeeze", lambda o, a: o.squeeze(a, 0), X[None], grad=(0,))
case("transpose", lambda o, a: o.transpose(a, (2, 0, 1)), X3, grad=(0,))
case("flip", lambda o, a: o.flip(a, axis=1), X, grad=(0,))
case("fliplr", lambda o, a: o.fliplr(a), X, grad=(0,))
case("flipud", lambda o, a: o.flipud(a), X, grad=(0,))
case("rot90", lambda o, a: o.rot90(a), X, grad=(0,))
case("roll", lambda o, a: o.roll(a, 2, axis=1), X, grad=(0,))
case("roll", lambda o, a: o.roll(a, -3), X, grad=(0,))
case("tile", lambda o, a: o.tile(a, (2, 1)), X, grad=(0,))
case("repeat", lambda o, a: o.repeat(a, 2, axis=0), X, grad=(0,))
case("repeat", lambda o, a: o.repeat(a, 3), X, grad=(0,))
case("moveaxis", lambda o, a: o.moveaxis(a, 0, -1), X3, grad=(0,))
case("swapaxes", lambda o, a: o.swapaxes(a, 0, 2), X3, grad=(0,))
case("broadcast_to", lambda o, a: o.broadcast_to(a, (3, 4)), ROW, grad=(0,))
case("ravel", lambda o, a: o.ravel(a), X, grad=(0,))
case("diagonal", lambda o, a: o.diagonal(a, offset=1), X, grad=(0,))
case("trace", lambda o, a: o.trace(a), X, grad=(0,))
case("pad", lambda o, a: o.pad(a, ((1, 0), (2, 1))), X, grad=(0,))
case("pad", lambda o, a: o.pad(a, ((1, 1), (1, 2)), mode="reflect"), X, grad=(0,))
case("pad", lambda o, a: o.pad(a, ((1, 1), (0, 1)), constant_values=2.0), X, grad=(0,))
case("split", lambda o, a: o.split(a, 2, axis=1), X, grad=(0,))
case("split", lambda o, a: o.split(a, [1], axis=0), X, grad=(0,))
case("array_split", lambda o, a: o.array_split(a, 3, axis=1), X, grad=(0,))
case("hsplit", lambda o, a: o.hsplit(a, 2), X, grad=(0,))
case("vsplit", lambda o, a: o.vsplit(a, 3), X, grad=(0,))
case("dsplit", lambda o, a: o.dsplit(a, 2), X3, grad=(0,))
case("unstack", lambda o, a: o.unstack(o.convert_to_tensor(a), axis=1), X, grad=(0,))
case("concatenate", lambda o, a, b: o.concatenate([a, b], axis=1), X, Y, grad=(0, 1))
case("stack", lambda o, a, b: o.stack([a, b], axis=1), X, Y, grad=(0, 1))
case("hstack", lambda o, a, b: o.hstack([a, b]), X, Y, grad=(0, 1))
case("vstack", lambda o, a, b: o.vstack([a, b]), ROW, Y, grad=(0, 1))
case("dstack", lambda o, a, b: o.dstack([a, b]), X, Y, grad=(0, 1))
case("append", lambda o, a, b: o.append(a, b), X, ROW, grad=(0, 1))
case("append", lambda o, a, b: o.append(a, b, axis=0), X, Y, grad=(0, 1))
case("get_item", lambda o, a: o.get_item(a, (slice(0, 2), 1)), X, grad=(0,))
case("slice", lambda o, a: o.slice(a, (1, 1), (2, 2)), X, grad=(0,))
case("slice_update", lambda o, a, b: o.slice_update(a, (1, 1), b), X, SQ[:2, :2], grad=(0, 1))
case("scatter", lambda o, a: o.scatter(np.array([[0, 1], [2, 3], [0, 1]]), a, (3, 4)), ROW[:3],
     grad=(0,))
case("scatter_update", lambda o, a, b: o.scatter_update(a, np.array([[0, 1], [2, 3]]), b), X,
     ROW[:2], grad=(0, 1))
case("take", lambda o, a: o.take(a, np.array([2, 0, 2]), axis=1), X, grad=(0,))
case("take", lambda o, a: o.take(a, np.array([[5, 1], [11, 0]])), X, grad=(0,))
case("take", lambda o, a: o.take(a, 1, axis=0), X, grad=(0,))
case("take_along_axis", lambda o, a: o.take_along_axis(a, np.array([[0, 3], [1, 1], [2, 0]]),
                                                       axis=1), X, grad=(0,))
case("where", lambda o, a, b: o.where(a > 0, a, b), X, Y, grad=(0, 1))
# One-argument where/nonzero: a tuple of index arrays in NumPy and JAX, one stacked tensor
# in Keras on PyTorch; stacking compares both. Index dtypes: int32 as in JAX.
case("where", lambda o, a: o.stack(o.where(o.convert_to_tensor(a) > 0)), X, dtype=False)
case("select", lambda o, a, b: o.select([a > 0.5, a < -0.5], [a, b], 0.0), X, Y, grad=(0, 1))
case("sort", lambda o, a: o.sort(a, axis=1), X, grad=(0,))
case("sort", lambda o, a: o.sort(a, axis=0), X, grad=(0,))
case("top_k", lambda o, a: o.top_k(a, 2), X, grad=(0,), dtype=False)  # int32 indices (JAX)
case("argsort", lambda o, a: o.argsort(a, axis=1), X)
# The kth smallest at position k (Keras on PyTorch did not always put it there).
case("argpartition", lambda o, a: o.argpartition(a, 1, axis=1)[:, 1], X)
case("in_top_k", lambda o, a, b: o.in_top_k(a, b, 2), LABELS, X)
case("nonzero", lambda o, a: o.stack(o.nonzero(a)), WITH_ZERO, dtype=False)
case("searchsorted", lambda o, a, b: o.searchsorted(a, b), np.sort(ROW), X[0])
case("digitize", lambda o, a, b: o.digitize(a, b), X, np.sort(ROW))
case("unravel_index", lambda o, a: o.unravel_index(a, (3, 4)), INTS[0])
case("unique", lambda o, a: o.unique(a), INTS, dtype=False)
case("tril", lambda o, a: o.tril(a, k=1), X, grad=(0,))
case("triu", lambda o, a: o.triu(a), X, grad=(0,))
case("diag", lambda o, a: o.diag(a, k=1), ROW, grad=(0,))
case("diag", lambda o, a: o.diag(a), X, grad=(0,))
case("diagflat", lambda o, a: o.diagflat(a), X[:2, :2], grad=(0,))
case("copy", lambda o, a: o.copy(a), X, grad=(0,))
case("array", lambda o, a: o.array(a), X)
case("vander", lambda o, a: o.vander(a, 3), ROW, grad=(0,))
case("rearrange", lambda o, a: o.rearrange(a, "b h w -> b (w h)"), X3, grad=(0,))
case("rearrange", lambda o, a: o.rearrange(a, "(b h) w -> h b w", h=3), X3[0], grad=(0,))

# -- creation (constants) ------------------------------------------------------------------------
case("zeros", lambda o: o.zeros((2, 3)))
case("ones", lambda o: o.ones((2, 3), dtype="int32"))
# empty's values are whatever memory held (NaN possible on PyTorch): compare shapes only.
case("empty", lambda o: np.asarray(o.shape(o.empty((2, 3)))))
case("full", lambda o: o.full((2, 3), 1.5))
case("full", lambda o: o.full((2,), 3))
case("zeros_like", lambda o, a: o.zeros_like(a), X)
case("ones_like", lambda o, a: o.ones_like(a), INTS)
case("empty_like", lambda o, a: np.asarray(o.shape(o.empty_like(a))), X)
case("full_like", lambda o, a: o.full_like(a, 2.5), X)
case("eye", lambda o: o.eye(3, 4, k=1))
case("identity", lambda o: o.identity(3))
case("tri", lambda o: o.tri(3, 4, k=-1))
case("arange", lambda o: o.arange(5))
case("arange", lambda o: o.arange(1.0, 3.0, 0.5))
case("linspace", lambda o: o.linspace(0.0, 1.0, 5))
case("logspace", lambda o: o.logspace(0.0, 2.0, 4), rtol=1e-5)
case("geomspace", lambda o: o.geomspace(1.0, 8.0, 4), rtol=1e-5)
case("meshgrid", lambda o, a, b: o.meshgrid(a, b), ROW, X[0, :3])
for _n in ("bartlett", "blackman", "hamming", "hanning"):
    case(_n, lambda o, n=_n: _op(n)(o, 6), rtol=1e-5)
case("kaiser", lambda o: o.kaiser(6, 2.0), rtol=1e-5)

# -- linear algebra ------------------------------------------------------------------------------
def _sym(o, a):
    return o.multiply(o.add(a, o.transpose(a)), 0.5)


def _spd(o, a):
    return o.add(o.matmul(a, o.transpose(a)), o.multiply(o.eye(a.shape[0], dtype=a.dtype), 0.5))


for _p in ("", "linalg."):
    case(_p + "inv", lambda o, a, p=_p: _op(p + "inv")(o, a), SQ, grad=(0,))
    case(_p + "solve", lambda o, a, b, p=_p: _op(p + "solve")(o, a, b), SQ, RHS, grad=(0, 1))
    case(_p + "det", lambda o, a, p=_p: _op(p + "det")(o, a), SQ, grad=(0,))
    case(_p + "cholesky", lambda o, a, p=_p: _op(p + "cholesky")(o, _spd(o, a)), SQ, grad=(0,))
    case(_p + "cholesky_inverse", lambda o, a, p=_p: _op(p + "cholesky_inverse")(
        o, o.linalg.cholesky(_spd(o, a))), SQ, grad=(0,))
    case(_p + "solve_triangular", lambda o, a, b, p=_p: _op(p + "solve_triangular")(
        o, a, b, lower=True), SQ, RHS, grad=(0, 1))
    case(_p + "qr", lambda o, a, p=_p: [o.square(v) for v in _op(p + "qr")(o, a)], TALL,
         grad=(0,))
    case(_p + "svd", lambda o, a, p=_p: [o.square(v) for v in _op(p + "svd")(
        o, a, full_matrices=False)], TALL, grad=(0,))
    case(_p + "svd", lambda o, a, p=_p: _op(p + "svd")(o, a, compute_uv=False), TALL,
         grad=(0,))
    case(_p + "eigh", lambda o, a, p=_p: [o.square(v) for v in _op(p + "eigh")(o, _sym(o, a))],
         SQ, grad=(0,))
    case(_p + "pinv", lambda o, a, p=_p: _op(p + "pinv")(o, a), TALL, grad=(0,))
    case(_p + "lstsq", lambda o, a, b, p=_p: _op(p + "lstsq")(o, a, b), TALL, TALL[:, :2],
         grad=(0, 1))
    case(_p + "norm", lambda o, a, p=_p: _op(p + "norm")(o, a), X, grad=(0,))
    case(_p + "norm", lambda o, a, p=_p: _op(p + "norm")(o, a, ord=1, axis=1), X, grad=(0,))
    case(_p + "norm", lambda o, a, p=_p: _op(p + "norm")(o, a, ord="nuc"), X, grad=(0,))
    case(_p + "norm", lambda o, a, p=_p: _op(p + "norm")(o, a, ord=np.inf), X, grad=(0,))
    case(_p + "norm", lambda o, a, p=_p: _op(p + "norm")(o, a, ord=3, axis=0), X, grad=(0,))
    case(_p + "matrix_rank", lambda o, a, p=_p: _op(p + "matrix_rank")(o, a), TALL)
    case(_p + "eig", lambda o, a, p=_p: o.sort(o.real(_op(p + "eig")(o, _sym(o, a))[0])), SQ,
         dtype=False)
    case(_p + "lu_factor", lambda o, a, p=_p: _op(p + "lu_factor")(o, a), SQ, dtype=False)
case("slogdet", lambda o, a: o.slogdet(a), SQ, grad=(0,))
case("logdet", lambda o, a: o.logdet(_spd(o, a)), SQ, grad=(0,))
case("linalg.jvp", lambda o, a, t: o.linalg.jvp(lambda v: o.sin(o.square(v)), (
    o.convert_to_tensor(a),), (o.convert_to_tensor(t),)), X, Y)
case("jvp", lambda o, a, t: o.jvp(lambda v: o.sum(o.exp(v), axis=0), (o.convert_to_tensor(a),),
                                  (o.convert_to_tensor(t),)), X, Y)

# -- nn: normalization, encodings, losses --------------------------------------------------------
for _p in ("", "nn."):
    case(_p + "moments", lambda o, a, p=_p: _op(p + "moments")(o, a, axes=[0]), X, grad=(0,))
    case(_p + "batch_normalization", lambda o, a, mu, v, b, s, p=_p: _op(
        p + "batch_normalization")(o, a, mu, v, axis=-1, offset=b, scale=s), X, ROW, POS[0],
        Y[0], POS[1], grad=(0, 1, 2, 3, 4))
    case(_p + "layer_normalization", lambda o, a, g, b, p=_p: _op(p + "layer_normalization")(
        o, a, g, b), X, POS[0], Y[0], grad=(0, 1, 2))
    case(_p + "rms_normalization", lambda o, a, s, p=_p: _op(p + "rms_normalization")(
        o, a, s), X, POS[0], grad=(0, 1))
    case(_p + "normalize", lambda o, a, p=_p: _op(p + "normalize")(o, a), X, grad=(0,))
    case(_p + "normalize", lambda o, a, p=_p: _op(p + "normalize")(o, a, axis=0, order=1), X,
         grad=(0,))
    case(_p + "one_hot", lambda o, a, p=_p: _op(p + "one_hot")(o, a, 4), LABELS)
    case(_p + "multi_hot", lambda o, a, p=_p: _op(p + "multi_hot")(o, a, 4), INTS[:, :2] % 4)
    case(_p + "binary_crossentropy", lambda o, t, y, p=_p: _op(p + "binary_crossentropy")(
        o, t, y), (X > 0).astype(float), PROBS, grad=(1,))
    case(_p + "binary_crossentropy", lambda o, t, y, p=_p: _op(p + "binary_crossentropy")(
        o, t, y, from_logits=True), (X > 0).astype(float), X, grad=(1,))
    case(_p + "categorical_crossentropy", lambda o, t, y, p=_p: _op(
        p + "categorical_crossentropy")(o, t, y), ONE_HOT, PROBS, grad=(1,))
    case(_p + "categorical_crossentropy", lambda o, t, y, p=_p: _op(
        p + "categorical_crossentropy")(o, t, y, from_logits=True), ONE_HOT, X, grad=(1,))
    case(_p + "sparse_categorical_crossentropy", lambda o, t, y, p=_p: _op(
        p + "sparse_categorical_crossentropy")(o, t, y), LABELS, PROBS, grad=(1,))
    case(_p + "sparse_categorical_crossentropy", lambda o, t, y, p=_p: _op(
        p + "sparse_categorical_crossentropy")(o, t, y, from_logits=True), LABELS, X, grad=(1,))
    case(_p + "psnr", lambda o, a, b, p=_p: _op(p + "psnr")(o, a, b, 1.0), PROBS, Y, grad=(0, 1))
    case(_p + "polar", lambda o, a, b, p=_p: o.real(_op(p + "polar")(o, a, b)), POS, X,
         dtype=False)


# -- control flow and conversions ----------------------------------------------------------------
def _custom(o, a):
    @o.custom_gradient
    def log1pexp(x):
        e = o.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return o.multiply(upstream, 1.0 - 1.0 / o.add(1, e))

        return o.log(1 + e), grad

    return log1pexp(a)


case("custom_gradient", _custom, X, grad=(0,))
case("cond", lambda o, a: o.cond(True, lambda: o.sin(a), lambda: o.cos(a)), X, grad=(0,))
case("cond", lambda o, a: o.cond(False, lambda: o.sin(a), lambda: o.cos(a)), X, grad=(0,))
case("switch", lambda o, a: o.switch(1, [o.sin, o.cos, o.tanh], a), X, grad=(0,))
# Keras on JAX cannot differentiate its while_loop (lax.while_loop has no reverse mode);
# finite differences only.
case("while_loop", lambda o, a: o.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * a),
                                             (0, a))[1], X, grad=(0,), keras_grad=False)
case("fori_loop", lambda o, a: o.fori_loop(0, 3, lambda i, v: o.sin(v) * a, a), X, grad=(0,))
case("scan", lambda o, a: o.scan(lambda c, x: (c + x, c * x), o.zeros_like(a[0]), a), X,
     grad=(0,))
case("scan", lambda o, a: o.scan(lambda c, x: (c * x, c), o.ones_like(a[0]), a, reverse=True),
     X, grad=(0,))
case("associative_scan", lambda o, a: o.associative_scan(lambda u, v: u + v, a, axis=1), X,
     grad=(0,))
case("associative_scan", lambda o, a: o.associative_scan(o.multiply, a, reverse=True), X,
     grad=(0,))
case("map", lambda o, a: o.map(lambda r: o.sum(o.square(r)), a), X, grad=(0,))
case("vectorized_map", lambda o, a: o.vectorized_map(lambda r: o.sin(r) * r[0],
                                                     o.convert_to_tensor(a)), X, grad=(0,))
case("vectorize", lambda o, a, b: o.vectorize(lambda u, v: u * v + u)(a, b), X, ROW, grad=(0, 1))
case("stop_gradient", lambda o, a: o.multiply(o.stop_gradient(o.convert_to_tensor(a)), a), X,
     grad=(0,), fd=False)
case("cast", lambda o, a: o.cast(a, "float16"), X, grad=(0,), rtol=1e-3, fd=False)
# Asks for float64: the oracle runs it with JAX's x64 mode on (tests/oracle/test_oracle_ops.py).
case("cast", lambda o, a: o.square(o.cast(a, "float64")), X, grad=(0,), tags={"x64": True})
case("cast", lambda o, a: o.cast(a, "int32"), 3 * X)
case("saturate_cast", lambda o, a: o.saturate_cast(a, "uint8"), 300 * X)
case("convert_to_tensor", lambda o, a: o.convert_to_tensor(a), X, grad=(0,))
case("convert_to_tensor", lambda o, a: o.convert_to_tensor([1, 2, 3]), X)
case("convert_to_numpy", lambda o, a: o.convert_to_numpy(o.sin(a)), X)
case("is_tensor", lambda o, a: np.asarray(o.is_tensor(o.sin(a))), X)
case("dtype", lambda o, a: np.asarray(o.dtype(o.sin(a)) == "float32"), X.astype(np.float32),
     dtype=False)
case("shape", lambda o, a: np.asarray(o.shape(a)), X3, dtype=False)
case("ndim", lambda o, a: np.asarray(o.ndim(a)), X3, dtype=False)
case("size", lambda o, a: np.asarray(o.size(a)), X3, dtype=False)
for _n in ("real", "conj", "conjugate"):
    case(_n, lambda o, a, n=_n: _op(n)(o, a), X, grad=(0,))
case("imag", lambda o, a: o.imag(o.view_as_complex(o.convert_to_tensor(a))), X[:, :2].copy(),
     dtype=False)
case("angle", lambda o, a: o.angle(a), X)
case("view_as_real", lambda o, a: o.view_as_real(o.view_as_complex(a)), X[:, :2], dtype=False)
case("view_as_complex", lambda o, a: o.real(o.view_as_complex(a)), X[:, :2], dtype=False)
case("view", lambda o, a: o.view(a, "int32"), X.astype(np.float32))
case("polar", lambda o, a, b: o.imag(o.polar(a, b)), POS, X, dtype=False)


def python_lists(case) -> list:
    """The case's arguments with its arrays as nested Python lists (of their float32 values)."""
    def as_python(a):
        return a.astype(np.float32).tolist() if a.dtype.kind == "f" else a.tolist()

    return [as_python(a) if isinstance(a, np.ndarray) else a for a in case.args]


def case_code_takes_lists(case, o) -> bool:
    """False where the case's own code (not the ops) needs arrays: ``a > 0`` or ``a.shape``
    on its argument, which a Python list does not answer."""
    try:
        case.fn(o, *python_lists(case))
    except (TypeError, AttributeError) as exc:
        return "tinykeras" in traceback.extract_tb(exc.__traceback__)[-1].filename
    except Exception:  # noqa: BLE001 - the op refusing the list: the test using this shows it
        return True
    return True
