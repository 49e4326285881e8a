"""``keras.ops`` reductions, scans, statistics and products (einsum, tensordot, outer...).

New primitives (with their own vjp) are only ``cumsum``, ``cumprod``, ``prod`` and ``einsum``;
the rest is composed from differentiable ops, so its gradient comes from theirs.
"""

import builtins

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff import shape_ops as s
from tinykeras.autodiff.core import op
from tinykeras.autodiff.dtypes import constant, dense_only, promote, raw, result_type, to_float
from tinykeras.autodiff.math_ops import _restore
from tinykeras.autodiff.tensor import Tensor
from tinykeras.errors import InvalidArgumentError


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _int_sum_dtype(x):
    """Keras sums bool and small integers as int32 (and keeps wider types)."""
    d = np.asarray(raw(x)).dtype
    if d.kind == "b" or (d.kind in "iu" and d.itemsize < 4):
        return "int32" if d.kind != "u" or d.itemsize < 4 else d.name
    return d.name


# -- reductions --------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):  # noqa: A001 - the Keras ops name
    """Sum over ``axis`` (all axes by default); bools and small ints sum as int32."""
    return _in_sum_dtype(m.sum, x, None, axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``; integer inputs give floatx."""
    return m.mean(to_float(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - the Keras ops name
    """Maximum over ``axis``; ``initial`` is a lower bound for the result."""
    out = m.max(x, axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else m.maximum(out, np.asarray(initial, out.value.dtype))


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - the Keras ops name
    """Minimum over ``axis``; ``initial`` is an upper bound for the result."""
    out = m.min(x, axis=_axis(axis), keepdims=keepdims)
    return out if initial is None else m.minimum(out, np.asarray(initial, out.value.dtype))


amax = max
amin = min


def all(x, axis=None, keepdims=False):  # noqa: A001 - the Keras ops name
    """True where every entry along ``axis`` is non-zero."""
    return constant(np.all(raw(x), axis=_axis(axis), keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001 - the Keras ops name
    """True where some entry along ``axis`` is non-zero."""
    return constant(np.any(raw(x), axis=_axis(axis), keepdims=keepdims))


def var(x, axis=None, keepdims=False):
    """Population variance over ``axis`` (``mean((x - mean(x))**2)``)."""
    x = to_float(x)
    centered = m.subtract(x, m.mean(x, axis=_axis(axis), keepdims=True))
    return m.mean(m.square(centered), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``."""
    return m.sqrt(var(x, axis, keepdims))


def ptp(x, axis=None, keepdims=False):
    """Range ``max - min`` over ``axis``."""
    return m.subtract(max(x, axis, keepdims), min(x, axis, keepdims))


def average(x, axis=None, weights=None):
    """Mean over ``axis`` weighted by ``weights`` (1-D along ``axis``, or shaped like ``x``)."""
    if weights is None:
        return mean(x, axis)
    x, w = promote(to_float(x), weights)
    if axis is not None and np.ndim(raw(w)) == 1 and np.ndim(raw(x)) > 1:
        shape = [1] * np.ndim(raw(x))
        shape[axis] = -1
        w = m.reshape(w, tuple(shape))
    num = m.sum(m.multiply(x, w), axis=axis)
    den = m.sum(m.multiply(np.ones(np.shape(raw(x)), raw(x).dtype), w), axis=axis)
    return m.divide(num, den)


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over ``axis``; the gradient is exact also where entries are zero. Bools and
    small integers multiply as int32, as Keras's sums (NumPy would give int64)."""
    return _in_sum_dtype(_prod, x, dtype, axis=_axis(axis), keepdims=keepdims)


@op
def _prod(x, axis=None, keepdims=False):
    arr = np.asarray(x)
    ax = axis
    out = np.prod(arr, axis=ax, keepdims=keepdims)

    def vjp(g, needs):
        # d prod / d x_i = product of the others: exclusive products from the left and right,
        # computed on the reduced axes moved to the end and flattened (no division by x_i).
        axes = tuple(range(arr.ndim)) if ax is None else tuple(
            a % arr.ndim for a in np.atleast_1d(ax))
        rest = tuple(a for a in range(arr.ndim) if a not in axes)
        moved = np.transpose(arr, rest + axes)
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], -1),
                                   -1), -1)
        others = (left * right).reshape(moved.shape)
        others = np.transpose(others, np.argsort(rest + axes))
        return (_restore(g, arr.shape, ax, keepdims) * others,)

    return out, vjp


@op
def _cumsum(x, axis=None):
    if axis is None:
        return np.cumsum(np.ravel(x)), lambda g, needs: (
            np.flip(np.cumsum(np.flip(g))).reshape(np.shape(x)),)
    out = np.cumsum(x, axis=axis)
    # The vjp of a running sum is a running sum from the other end.
    return out, lambda g, needs: (np.flip(np.cumsum(np.flip(g, axis), axis), axis),)


def _in_sum_dtype(fn, x, dtype, **kwargs):
    """``fn(x)`` computed and returned in Keras's dtype for sums (``_int_sum_dtype``)."""
    x = x if isinstance(x, Tensor) else np.asarray(x)
    target = dtype or _int_sum_dtype(x)
    if np.asarray(raw(x)).dtype.name != target:
        x = m.cast(x, target)
    out = fn(x, **kwargs)
    # NumPy sums int32 as int64; integer sums carry no gradient, so the cast is free to take.
    return out if out.value.dtype.name == target else constant(out.value.astype(target))


def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (of the flattened ``x`` if None)."""
    return _in_sum_dtype(_cumsum, x, dtype, axis=axis)


@op
def _cumprod(x, axis=None):
    arr = np.ravel(x) if axis is None else np.asarray(x)
    ax = 0 if axis is None else axis % arr.ndim
    out = np.cumprod(arr, axis=ax)

    def vjp(g, needs):
        # grad_i = sum_{j >= i} g_j * prod_{k <= j, k != i} x_k. Written as a loop over i that
        # replaces x_i by 1, exact where entries are zero (dividing out[j] by x_i is not).
        gm = np.moveaxis(g.reshape(arr.shape), ax, -1)
        xm = np.moveaxis(arr, ax, -1)
        grad = np.empty_like(xm)
        for i in range(xm.shape[-1]):
            held = xm.copy()
            held[..., i] = 1
            part = np.cumprod(held, axis=-1)[..., i:]
            grad[..., i] = np.sum(gm[..., i:] * part, axis=-1)
        return (np.moveaxis(grad, -1, ax).reshape(np.shape(x)),)

    return out, vjp


def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (of the flattened ``x`` if None)."""
    return _in_sum_dtype(_cumprod, x, dtype, axis=axis)


def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference along ``axis``."""
    for _ in range(n):
        size = np.shape(raw(a))[axis]
        a = m.subtract(s.take(a, np.arange(1, size), axis=axis),
                       s.take(a, np.arange(0, size - 1), axis=axis))
    return a


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of ``y`` along ``axis`` by the trapezoidal rule."""
    y = to_float(y)
    size = np.shape(raw(y))[axis]
    mid = m.multiply(m.add(s.take(y, np.arange(1, size), axis=axis),
                           s.take(y, np.arange(0, size - 1), axis=axis)), 0.5)
    if x is None:
        return m.multiply(m.sum(mid, axis=axis), np.asarray(dx, raw(y).dtype))
    x = to_float(x) if raw(y).dtype.kind == "f" and np.asarray(raw(x)).dtype.kind != "f" \
        else x  # integer sample points: their widths in y's float type
    widths = diff(x, axis=-1 if np.ndim(raw(x)) == 1 else axis)
    if np.ndim(raw(x)) == 1 and np.ndim(raw(y)) > 1:
        shape = [1] * np.ndim(raw(y))
        shape[axis] = -1
        widths = m.reshape(widths, tuple(shape))
    return m.sum(m.multiply(mid, widths), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, without overflow."""
    from tinykeras.autodiff.nn_ops import logsumexp as lse

    return lse(to_float(x), axis=_axis(axis), keepdims=keepdims)


# -- order statistics: sort, then interpolate (the gradient goes to the picked entries) ----------
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (``q`` in [0, 1]) along ``axis``, NumPy's ``method``s."""
    x = to_float(x)
    arr = np.asarray(raw(x))
    if axis is None:
        x, ax = s.ravel(x), 0
    else:
        ax = axis % arr.ndim
    ordered = s.sort(x, axis=ax)
    n = np.shape(raw(ordered))[ax]
    qs = np.asarray(raw(q), dtype=np.float64)
    pos = qs * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    frac = pos - lo
    if method == "lower":
        frac = np.zeros_like(frac)
    elif method == "higher":
        lo, frac = np.ceil(pos).astype(np.intp), np.zeros_like(frac)
    elif method == "nearest":
        lo, frac = np.round(pos).astype(np.intp), np.zeros_like(frac)
    elif method == "midpoint":
        frac = np.where(hi > lo, 0.5, 0.0)
    elif method != "linear":
        raise InvalidArgumentError(
            "`method` must be one of 'linear', 'lower', 'higher', 'midpoint' or "
            f"'nearest'. Received: method={method!r}")
    lo_v = s.take(ordered, lo, axis=ax)
    hi_v = s.take(ordered, hi, axis=ax)
    fr = frac.astype(np.asarray(raw(ordered)).dtype).reshape(
        frac.shape + (1,) * (np.ndim(raw(lo_v)) - ax - frac.ndim))
    out = m.add(lo_v, m.multiply(m.subtract(hi_v, lo_v), fr))
    if qs.ndim:  # NumPy puts the q axis first
        out = s.moveaxis(out, ax, 0) if ax else out
    if keepdims:
        out = m.expand_dims(out, ax + (1 if qs.ndim else 0) if axis is not None else 0)
        if axis is None:
            out = m.reshape(out, qs.shape + (1,) * arr.ndim)
    return out


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentiles (``q`` in [0, 100]) along ``axis``."""
    return quantile(x, np.asarray(raw(q), dtype=np.float64) / 100, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    """The median along ``axis`` (mean of the two middle entries for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


# -- NaN-ignoring variants: NaN entries are replaced, and get no gradient ------------------------
def _fill_nan(x, value):
    if np.asarray(raw(x)).dtype.kind not in "fc":
        return x  # integers and bools hold no NaN: the nan* ops keep their dtype, as in Keras
    x = to_float(x)
    return m.where(np.isnan(raw(x)), np.asarray(value, raw(x).dtype), x)


def nansum(x, axis=None, keepdims=False):
    """Sum over ``axis``, treating NaN as 0 (integers, which hold no NaN, sum as ``sum``)."""
    if np.asarray(raw(x)).dtype.kind not in "fc":
        return sum(x, axis=axis, keepdims=keepdims)
    return m.sum(_fill_nan(x, 0), axis=_axis(axis), keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    """Product over ``axis``, treating NaN as 1 (integers multiply as ``prod``)."""
    if np.asarray(raw(x)).dtype.kind not in "fc":
        return prod(x, axis=axis, keepdims=keepdims)
    return prod(_fill_nan(x, 1), axis=_axis(axis), keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    """Mean over ``axis`` of the non-NaN entries."""
    x = to_float(x)  # integers average in floatx
    count = np.sum(~np.isnan(np.asarray(raw(x))), axis=_axis(axis), keepdims=keepdims)
    total = nansum(x, axis, keepdims)
    return m.divide(total, count.astype(raw(total).dtype))


def nanvar(x, axis=None, keepdims=False):
    """Variance over ``axis`` of the non-NaN entries."""
    x = to_float(x)
    nan = np.isnan(raw(x))
    centered = m.subtract(x, nanmean(x, axis, keepdims=True))
    sq = m.where(nan, np.zeros((), raw(x).dtype), m.square(m.where(nan, np.zeros(
        (), raw(x).dtype), centered)))
    count = np.sum(~nan, axis=_axis(axis), keepdims=keepdims).astype(raw(x).dtype)
    return m.divide(m.sum(sq, axis=_axis(axis), keepdims=keepdims), count)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation over ``axis`` of the non-NaN entries."""
    return m.sqrt(nanvar(x, axis, keepdims))


def nanmax(x, axis=None, keepdims=False):
    """Maximum over ``axis``, ignoring NaN."""
    return m.max(_fill_nan(x, -np.inf), axis=_axis(axis), keepdims=keepdims)


def nanmin(x, axis=None, keepdims=False):
    """Minimum over ``axis``, ignoring NaN."""
    return m.min(_fill_nan(x, np.inf), axis=_axis(axis), keepdims=keepdims)


def nancumsum(x, axis=None, dtype=None):
    """Running sum along ``axis``, treating NaN as 0."""
    return cumsum(_fill_nan(x, 0), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    """Running product along ``axis``, treating NaN as 1."""
    return cumprod(_fill_nan(x, 1), axis=axis, dtype=dtype)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """``quantile`` of the non-NaN entries (computed row by row where NaNs occur)."""
    arr = np.asarray(raw(x))
    if not np.isnan(arr).any():
        return quantile(x, q, axis, method, keepdims)
    out = np.nanquantile(arr, raw(q), axis=axis, method=method, keepdims=keepdims)
    return constant(out.astype(arr.dtype if arr.dtype.kind == "f" else "float32"))


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """``percentile`` of the non-NaN entries."""
    return nanquantile(x, np.asarray(raw(q), dtype=np.float64) / 100, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """Median of the non-NaN entries."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


# -- products ----------------------------------------------------------------------------------
def _normalize_subscripts(subscripts, shapes):
    """Expand ``...`` and an implicit output into explicit letters: ``'ij,jk->ik'``."""
    subscripts = subscripts.replace(" ", "")
    inputs, _, output = subscripts.partition("->")
    terms = inputs.split(",")
    used = set(subscripts) - set(",.->")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    n_ell = builtins.max([len(sh) - len(t.replace("...", "")) for t, sh in zip(terms, shapes)
                          if "..." in t] or [0])
    ell = "".join(spare[:n_ell])
    terms = [t.replace("...", ell[n_ell - (len(sh) - len(t.replace("...", ""))):])
             for t, sh in zip(terms, shapes)]
    if "->" not in subscripts:
        letters = "".join(terms)
        output = ell + "".join(sorted(c for c in set(letters) - set(ell)
                                      if letters.count(c) == 1))
    else:
        output = output.replace("...", ell)
    return terms, output


@op(arity=-1)
def _einsum(*operands, terms=None, output=None):
    out = np.einsum(",".join(terms) + "->" + output, *operands)

    def vjp(g, needs):
        grads = []
        for i, (x, term) in enumerate(zip(operands, terms)):
            if not needs[i]:
                grads.append(None)
                continue
            others = [(t, o) for j, (t, o) in enumerate(zip(terms, operands)) if j != i]
            avail = set(output).union(*(set(t) for t, _ in others))
            kept = "".join(dict.fromkeys(c for c in term if c in avail))
            spec = ",".join([output] + [t for t, _ in others]) + "->" + kept
            gi = np.einsum(spec, g, *(o for _, o in others))
            # Letters only in this operand were summed out: broadcast back over them. A
            # repeated letter (a diagonal) puts the gradient on that diagonal only, written
            # through einsum's writable diagonal view.
            uniq = "".join(dict.fromkeys(term))
            full = np.zeros(np.shape(x), dtype=g.dtype)
            view = np.einsum(term + "->" + uniq, full)
            view[...] = gi.reshape([gi.shape[kept.index(c)] if c in kept else 1 for c in uniq])
            grads.append(full)
        return tuple(grads)

    return out, vjp


def einsum(subscripts, *operands):
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)``; differentiable in each operand."""
    operands = promote(*operands) if len(operands) > 1 else [to_float(operands[0]) if np.asarray(
        raw(operands[0])).dtype.kind == "b" else operands[0]]
    terms, output = _normalize_subscripts(subscripts, [np.shape(raw(o)) for o in operands])
    return _einsum(*operands, terms=tuple(terms), output=output)


def tensordot(x1, x2, axes=2):
    """Sum products over ``axes`` (an int, or two lists of axes)."""
    a, b = promote(x1, x2)
    na, nb = np.ndim(raw(a)), np.ndim(raw(b))
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = (list(np.atleast_1d(v)) for v in axes)
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    ta = [next(letters) for _ in range(na)]
    tb = [next(letters) for _ in range(nb)]
    for i, j in zip(ax_a, ax_b):
        tb[j % nb] = ta[i % na]
    shared = {ta[i % na] for i in ax_a}
    out = "".join(c for c in ta if c not in shared) + "".join(c for c in tb if c not in shared)
    return _einsum(a, b, terms=("".join(ta), "".join(tb)), output=out)


def outer(x1, x2):
    """The outer product of the flattened ``x1`` and ``x2``."""
    a, b = promote(x1, x2)
    return m.multiply(m.reshape(a, (-1, 1)), m.reshape(b, (1, -1)))


def inner(x1, x2):
    """Sum of products over the last axes of ``x1`` and ``x2``."""
    a, b = promote(x1, x2)
    if np.ndim(raw(a)) == 0 or np.ndim(raw(b)) == 0:
        return m.multiply(a, b)
    return tensordot(a, b, axes=[[-1], [-1]])


def vdot(x1, x2):
    """The dot product of the flattened ``x1`` and ``x2``."""
    a, b = promote(x1, x2)
    return sum(m.multiply(m.reshape(a, (-1,)), m.reshape(b, (-1,))))  # int32 stays int32


def dot(x1, x2):
    """``np.dot`` semantics: matmul for 2-D, sum over the last axis of ``x1`` and the
    second-to-last of ``x2`` for N-D, a product with a scalar."""
    a, b = promote(x1, x2)
    na, nb = np.ndim(raw(a)), np.ndim(raw(b))
    if na == 0 or nb == 0:
        return m.multiply(a, b)
    if na == 1 and nb == 1:
        return vdot(a, b)
    if nb <= 2:
        return m.matmul(a, b)
    return tensordot(a, b, axes=[[-1], [-2]])


def matmul(x1, x2):
    """Matrix product with NumPy's rules, and Keras's dtype promotion."""
    a, b = promote(x1, x2)
    if np.ndim(raw(a)) == 1 and np.ndim(raw(b)) == 1:
        return vdot(a, b)
    return m.matmul(a, b)


def kron(x1, x2):
    """The Kronecker product."""
    a, b = promote(x1, x2)
    nd = builtins.max(np.ndim(raw(a)), np.ndim(raw(b)))
    sa = (1,) * (nd - np.ndim(raw(a))) + np.shape(raw(a))
    sb = (1,) * (nd - np.ndim(raw(b))) + np.shape(raw(b))
    a = m.reshape(a, tuple(v for n in sa for v in (n, 1)))
    b = m.reshape(b, tuple(v for n in sb for v in (1, n)))
    return m.reshape(m.multiply(a, b), tuple(p * q for p, q in zip(sa, sb)))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors get a zero third entry)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = s.moveaxis(to_float(x1), axisa, -1)
    b = s.moveaxis(to_float(x2), axisb, -1)
    a, b = promote(a, b)
    if np.shape(raw(a))[-1] == 2:
        a = s.pad(a, [(0, 0)] * (np.ndim(raw(a)) - 1) + [(0, 1)])
    if np.shape(raw(b))[-1] == 2:
        b = s.pad(b, [(0, 0)] * (np.ndim(raw(b)) - 1) + [(0, 1)])

    def c(v, i):
        return m.getitem(v, (Ellipsis, i))

    parts = [m.subtract(m.multiply(c(a, (i + 1) % 3), c(b, (i + 2) % 3)),
                        m.multiply(c(a, (i + 2) % 3), c(b, (i + 1) % 3))) for i in range(3)]
    return s.moveaxis(m.stack(parts, axis=-1), -1, axisc)


def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (``np.correlate``'s modes)."""
    a, b = promote(to_float(x1), x2)
    n, k = np.shape(raw(a))[0], np.shape(raw(b))[0]
    if n < k:  # NumPy swaps and reverses so that the longer sequence slides
        return s.flip(correlate(b, a, mode))
    pad_ = {"valid": 0, "same": k // 2, "full": k - 1}[mode]
    right = {"valid": 0, "same": k - 1 - k // 2, "full": k - 1}[mode]
    a = s.pad(a, [(pad_, right)])
    length = np.shape(raw(a))[0] - k + 1
    windows = m.take(a, np.arange(length)[:, None] + np.arange(k)[None, :], axis=0)
    return m.matmul(windows, b)


def cdist(x1, x2, p=2.0):
    """Pairwise ``p``-norm distances between the rows of ``x1`` and ``x2``."""
    a, b = promote(to_float(x1), x2)
    delta = m.subtract(m.expand_dims(a, -2), m.expand_dims(b, -3))
    if p == 2:
        return m.sqrt(m.sum(m.square(delta), axis=-1))
    if p == np.inf:
        return m.max(m.abs(delta), axis=-1)
    return m.power(m.sum(m.power(m.abs(delta), p), axis=-1), 1.0 / p)


def corrcoef(x):
    """Pearson correlation coefficients between the rows of ``x``."""
    x = to_float(x)
    single = np.ndim(raw(x)) < 2 or np.shape(raw(x))[0] == 1
    if np.ndim(raw(x)) < 2:  # one variable: a row, as NumPy and Keras read it
        x = m.reshape(x, (1, -1))
    centered = m.subtract(x, m.mean(x, axis=-1, keepdims=True))
    cov = m.matmul(centered, m.transpose(centered))
    d = m.sqrt(s.diagonal(cov))
    out = m.divide(m.divide(cov, m.expand_dims(d, 1)), m.expand_dims(d, 0))
    # One variable gives a scalar (its correlation with itself), as NumPy and Keras give.
    return m.reshape(out, ()) if single else out


# -- counting ------------------------------------------------------------------------------------
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in ``x`` (weighted sums with ``weights``)."""
    dense_only("ops.bincount", sparse=sparse)
    arr = np.asarray(raw(x)).astype(np.intp)
    if weights is None:
        dtype = "int32"
        return constant(np.bincount(arr, minlength=minlength).astype(dtype))
    length = builtins.max(minlength, int(arr.max()) + 1 if arr.size else 0)
    return s.scatter(arr[:, None], weights, (length,))


def histogram(x, bins=10, range=None):  # noqa: A002 - the Keras argument name
    """Counts of ``x`` in ``bins`` equal bins and the bin edges."""
    counts, edges = np.histogram(np.asarray(raw(x)), bins=bins, range=range)
    return constant(counts.astype(np.int32)), constant(edges.astype(result_type(raw(x), 1.0)))


def _segment(reduce, name):
    def fn(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        ids = np.asarray(raw(segment_ids)).astype(np.intp)
        n = int(num_segments) if num_segments is not None else int(ids.max()) + 1
        d = raw(data)
        if reduce == "sum":
            return s.scatter(ids[:, None], data, (n,) + np.shape(d)[1:])
        pieces = []
        for k in range(n):
            rows = np.nonzero(ids == k)[0]
            if rows.size == 0:
                fill = {"max": -np.inf, "min": np.inf, "prod": 1}[reduce]
                pieces.append(np.full(np.shape(d)[1:], fill, dtype=np.asarray(d).dtype))
            elif reduce == "prod":
                pieces.append(prod(m.take(data, rows, axis=0), axis=0))
            else:
                pieces.append(getattr(m, reduce)(m.take(data, rows, axis=0), axis=0))
        return m.stack(promote(*pieces) if len(pieces) > 1 else pieces, axis=0)

    fn.__name__ = fn.__qualname__ = f"segment_{reduce}"
    fn.__doc__ = f"The {name} of the rows of ``data`` in each segment of ``segment_ids``."
    return fn


segment_sum = _segment("sum", "sum")
segment_max = _segment("max", "maximum")
segment_min = _segment("min", "minimum")
segment_prod = _segment("prod", "product")
