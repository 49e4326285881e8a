"""``keras.ops.linalg``: the linear algebra NumPy provides, with vjps on the last two axes.

Conventions for the gradients, as in PyTorch (Keras's oracle backend): a function of a
symmetric matrix (``cholesky``, ``eigh``) returns the symmetrized gradient; ``svd`` and
``qr`` are differentiable in their reduced forms (``full_matrices=False``, ``mode='reduced'``
with rows >= columns), as the formulas need a unique factorization.
"""

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff.core import op
from tinykeras.autodiff.dtypes import constant, promote, raw, to_float
from tinykeras.errors import InvalidArgumentError


def _t(a):
    return np.swapaxes(a, -1, -2)


def _sym(a):
    return 0.5 * (a + _t(a))


@op
def _inv(a):
    y = np.linalg.inv(a)
    # d(A^-1) = -A^-1 dA A^-1, so the vjp is -A^-T g A^-T.
    return y, lambda g, needs: (-_t(y) @ g @ _t(y),)


def inv(a):
    """The inverse of a square matrix (or a batch of them)."""
    return _inv(to_float(a))


@op
def _solve(a, b):
    x = np.linalg.solve(a, b)

    def vjp(g, needs):
        gb = np.linalg.solve(_t(a), g)
        return -gb @ _t(x) if needs[0] else None, gb if needs[1] else None

    return x, vjp


def solve(a, b):
    """Solve ``a @ x = b`` for ``x`` (``b`` a vector or a matrix of right-hand sides)."""
    a, b = promote(to_float(a), b)
    if np.ndim(raw(b)) == np.ndim(raw(a)) - 1:  # a vector per matrix
        return m.squeeze(_solve(a, m.expand_dims(b, -1)), -1)
    return _solve(a, b)


def solve_triangular(a, b, lower=False):
    """Solve ``a @ x = b`` where ``a`` is triangular (only its ``lower``/upper part is read)."""
    from tinykeras.autodiff.creation_ops import tril, triu

    a, b = promote(to_float(a), b)
    return solve(tril(a) if lower else triu(a), b)


@op
def _det(a):
    d = np.linalg.det(a)
    # d det(A) = det(A) tr(A^-1 dA): the vjp is g det(A) A^-T.
    return d, lambda g, needs: ((g * d)[..., None, None] * _t(np.linalg.inv(a)),)


def det(a):
    """The determinant of a square matrix (or a batch of them)."""
    return _det(to_float(a))


@op
def _logabsdet(a):
    _, logabs = np.linalg.slogdet(a)
    return logabs, lambda g, needs: (g[..., None, None] * _t(np.linalg.inv(a)),)


def slogdet(x):
    """The sign and the log of the absolute value of the determinant."""
    x = to_float(x)
    sign = np.linalg.slogdet(raw(x))[0]
    return constant(sign), _logabsdet(x)


def logdet(x):
    """The log-determinant of a symmetric positive definite matrix."""
    return _logabsdet(to_float(x))


@op
def _cholesky(a):
    low = np.linalg.cholesky(a)

    def vjp(g, needs):
        # Murray (2016): A-bar = L^-T Phi(L^T L-bar) L^-1, Phi = lower triangle with the
        # diagonal halved, then symmetrized (A is symmetric, only its lower half was read).
        phi = np.tril(_t(low) @ g)
        phi -= 0.5 * np.eye(phi.shape[-1]) * phi
        inv_low = np.linalg.inv(low)
        return (_sym(_t(inv_low) @ phi @ inv_low),)

    return low, vjp


def cholesky(x, upper=False):
    """The Cholesky factor of a symmetric positive definite matrix (lower, or ``upper``)."""
    low = _cholesky(to_float(x))
    return m.transpose(low, _swap_last(np.ndim(raw(x)))) if upper else low


def cholesky_inverse(x, upper=False):
    """The inverse of ``A`` given its Cholesky factor ``x`` (``A = x x^T``, or ``x^T x``)."""
    x = to_float(x)
    xt = m.transpose(x, _swap_last(np.ndim(raw(x))))
    return inv(m.matmul(xt, x) if upper else m.matmul(x, xt))


def _swap_last(ndim):
    perm = list(range(ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return tuple(perm)


@op(arity=1)
def _qr(a, mode="reduced"):
    q, r = np.linalg.qr(a, mode=mode)
    # One output array (an op has one): Q and R flattened side by side.
    out = np.concatenate([q.reshape(q.shape[:-2] + (-1,)), r.reshape(r.shape[:-2] + (-1,))], -1)

    def vjp(g, needs):
        if mode != "reduced" or a.shape[-2] < a.shape[-1]:
            raise NotImplementedError(
                "The gradient of `qr` is defined for mode='reduced' with rows >= columns. "
                f"Received: mode={mode!r} for a matrix of shape {a.shape}.")
        gq, gr = g[..., :q.shape[-2] * q.shape[-1]].reshape(q.shape), g[
            ..., q.shape[-2] * q.shape[-1]:].reshape(r.shape)
        # M = R gR^T - gQ^T Q; A-bar = (gQ + Q copyltu(M)) R^-T, copyltu mirrors the lower
        # triangle of M onto the upper one.
        mm = r @ _t(gr) - _t(gq) @ q
        copyltu = np.tril(mm) + _t(np.tril(mm, -1))
        return (_t(np.linalg.solve(r, _t(gq + q @ copyltu))),)

    return out, vjp


def qr(x, mode="reduced"):
    """The QR factorization ``x = Q R``: returns ``(Q, R)``."""
    x = to_float(x)
    arr = np.asarray(raw(x))
    rows, cols = arr.shape[-2:]
    k = rows if mode == "complete" else min(rows, cols)
    both = _qr(x, mode=mode)
    q = m.getitem(both, (Ellipsis, slice(None, rows * k)))
    r = m.getitem(both, (Ellipsis, slice(rows * k, None)))
    return (m.reshape(q, arr.shape[:-2] + (rows, k)), m.reshape(r, arr.shape[:-2] + (k, cols)))


@op(arity=1)
def _svd(a, full_matrices=False):
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    mr, nc = a.shape[-2:]
    k = s.shape[-1]
    out = np.concatenate([u.reshape(u.shape[:-2] + (-1,)), s,
                          vt.reshape(vt.shape[:-2] + (-1,))], axis=-1)

    def vjp(g, needs):
        if full_matrices and mr != nc:
            raise NotImplementedError(
                "The gradient of `svd` is defined for full_matrices=False (or a square "
                f"matrix). Received a matrix of shape {a.shape} with full_matrices=True.")
        gu = g[..., :mr * k].reshape(u.shape)
        gs = g[..., mr * k:mr * k + k]
        gv = _t(g[..., mr * k + k:].reshape(vt.shape))
        v = _t(vt)
        # Townsend (2016), real case, F_ij = 1 / (s_j^2 - s_i^2) off the diagonal.
        s2 = s[..., None, :] ** 2 - s[..., :, None] ** 2
        eye = np.eye(k, dtype=bool)
        f = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, s2))
        sm = s[..., None, :] * np.eye(k)
        inner = (f * (_t(u) @ gu - _t(gu) @ u)) @ sm + np.eye(k) * gs[..., None, :] \
            + sm @ (f * (_t(v) @ gv - _t(gv) @ v))
        ga = u @ inner @ vt
        sinv = 1.0 / s[..., None, :]
        if mr > k:
            ga = ga + (gu - u @ (_t(u) @ gu)) * sinv @ vt
        if nc > k:
            ga = ga + (u * sinv) @ _t(gv - v @ (_t(v) @ gv))
        return (ga,)

    return out, vjp


def svd(x, full_matrices=True, compute_uv=True):
    """The singular value decomposition ``x = U diag(S) V^T``: returns ``(U, S, V^T)``, or
    ``S`` alone with ``compute_uv=False``."""
    x = to_float(x)
    arr = np.asarray(raw(x))
    mr, nc = arr.shape[-2:]
    k = min(mr, nc)
    full = bool(full_matrices) and compute_uv and mr != nc
    both = _svd(x, full_matrices=full)
    ucols = mr if full else k
    vrows = nc if full else k
    s = m.getitem(both, (Ellipsis, slice(mr * ucols, mr * ucols + k)))
    if not compute_uv:
        return s
    u = m.reshape(m.getitem(both, (Ellipsis, slice(0, mr * ucols))), arr.shape[:-2] + (mr, ucols))
    vt = m.reshape(m.getitem(both, (Ellipsis, slice(mr * ucols + k, None))),
                   arr.shape[:-2] + (vrows, nc))
    return u, s, vt


@op(arity=1)
def _eigh(a):
    w, v = np.linalg.eigh(a)
    n = w.shape[-1]
    out = np.concatenate([w[..., None, :], v], axis=-2)  # row 0: eigenvalues

    def vjp(g, needs):
        gw, gv = g[..., 0, :], g[..., 1:, :]
        diff = w[..., None, :] - w[..., :, None]
        eye = np.eye(n, dtype=bool)
        f = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))
        inner = np.eye(n) * gw[..., None, :] + f * (_t(v) @ gv)
        return (_sym(v @ inner @ _t(v)),)

    return out, vjp


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix."""
    both = _eigh(to_float(x))
    return m.getitem(both, (Ellipsis, 0, slice(None))), m.getitem(
        both, (Ellipsis, slice(1, None), slice(None)))


def eig(x):
    """Eigenvalues and eigenvectors of a general square matrix (complex; no gradient)."""
    a = np.asarray(raw(to_float(x)))
    w, v = np.linalg.eig(a)
    # Complex always, as in Keras: NumPy gives real arrays when every eigenvalue is real.
    kind = np.result_type(a.dtype, np.complex64)
    return constant(w.astype(kind, copy=False)), constant(v.astype(kind, copy=False))


def pinv(x, rcond=1e-15, hermitian=False):
    """The Moore-Penrose pseudo-inverse, through the SVD (singular values below
    ``rcond * max(s)`` count as zero)."""
    u, s, vt = svd(x, full_matrices=False)
    sv = raw(s)
    keep = sv > rcond * np.max(sv, axis=-1, keepdims=True)
    safe = m.where(keep, s, np.ones((), sv.dtype))
    sinv = m.where(keep, m.divide(np.ones((), sv.dtype), safe), np.zeros((), sv.dtype))
    v = m.transpose(vt, _swap_last(np.ndim(sv) + 1))
    ut = m.transpose(u, _swap_last(np.ndim(sv) + 1))
    return m.matmul(m.multiply(v, m.expand_dims(sinv, -2)), ut)


def lstsq(a, b, rcond=None):
    """The least-squares solution of ``a @ x = b`` (through the pseudo-inverse)."""
    a, b = promote(to_float(a), b)
    arr = np.asarray(raw(a))
    cutoff = np.finfo(arr.dtype).eps * max(arr.shape[-2:]) if rcond is None else rcond
    return m.matmul(pinv(a, rcond=cutoff), b)


def matrix_rank(x, tol=None, hermitian=False):
    """The number of singular values above ``tol`` (int32)."""
    return constant(np.asarray(np.linalg.matrix_rank(np.asarray(raw(x)), tol=tol),
                               dtype=np.int32))


def lu_factor(x):
    """The LU factorization with partial pivoting: ``(LU, pivots)`` as LAPACK's ``getrf``
    (unit-diagonal L below the diagonal, U on and above, 0-based row swaps)."""
    lu = np.array(raw(to_float(x)), copy=True)
    n = lu.shape[-1]
    piv = np.zeros(lu.shape[:-2] + (min(lu.shape[-2:]),), dtype=np.int32)
    flat = lu.reshape((-1,) + lu.shape[-2:])
    pflat = piv.reshape(-1, piv.shape[-1])
    for b in range(flat.shape[0]):
        a = flat[b]
        for k in range(min(a.shape[0], n)):
            p = k + int(np.argmax(np.abs(a[k:, k])))
            pflat[b, k] = p
            if p != k:
                a[[k, p]] = a[[p, k]]
            if a[k, k] != 0:
                a[k + 1:, k] /= a[k, k]
                a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return constant(lu), constant(piv)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - the Keras argument name
    """Vector or matrix norms, as ``np.linalg.norm`` (differentiable)."""
    x = to_float(x)
    nd = np.ndim(raw(x))
    if axis is None:
        if ord is None:
            out = m.sqrt(m.sum(m.square(x)))
            return m.reshape(out, (1,) * nd) if keepdims else out
        axis = tuple(range(nd))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    return _matrix_norm(x, ord, axes, keepdims)


def _vector_norm(x, ord, axis, keepdims):  # noqa: A002
    a = m.abs(x)
    if ord is None or ord == 2:
        return m.sqrt(m.sum(m.square(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return m.max(a, axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return m.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return constant(np.sum(raw(x) != 0, axis=axis, keepdims=keepdims).astype(raw(x).dtype))
    if ord == 1:
        return m.sum(a, axis=axis, keepdims=keepdims)
    p = np.asarray(ord, raw(x).dtype)
    return m.power(m.sum(m.power(a, p), axis=axis, keepdims=keepdims), 1 / p)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002
    r, c = (a % np.ndim(raw(x)) for a in axes)
    if ord in (None, "fro"):
        return m.sqrt(m.sum(m.square(x), axis=(r, c), keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        first, second = (r, c) if ord in (1, -1) else (c, r)
        sums = m.sum(m.abs(x), axis=first, keepdims=True)
        pick = m.max if ord in (1, np.inf) else m.min
        out = pick(sums, axis=second, keepdims=True)
        return out if keepdims else m.squeeze(out, (r, c))
    if ord in (2, -2, "nuc"):
        from tinykeras.autodiff.shape_ops import moveaxis

        s = svd(moveaxis(x, (r, c), (-2, -1)), compute_uv=False)
        out = {2: m.max, -2: m.min, "nuc": m.sum}[ord](s, axis=-1)
        if keepdims:
            out = m.expand_dims(m.expand_dims(out, min(r, c)), max(r, c))
        return out
    raise InvalidArgumentError(
        f"Invalid norm order for matrices: ord={ord!r}. Expected None, 'fro', "
        "'nuc', 1, -1, 2, -2, inf or -inf.")
