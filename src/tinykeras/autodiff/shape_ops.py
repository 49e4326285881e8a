"""``keras.ops`` shape and indexing ops.

Most of them only move entries around. Rather than one hand-written vjp per op, they share one
differentiable primitive, ``rearrange_by``: run the NumPy function on an array of *positions*
(``arange(size).reshape(shape)``) instead of on the values, then gather the values at the
positions it returns. The vjp of a gather is a scatter-add (``bincount``), so flip, roll, tile,
repeat, rot90, moveaxis, broadcast_to, diagonal, pad and the splits are all exact, and
repeated entries (tile, broadcast) add their gradients up.
"""

import builtins

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff.core import op, unbroadcast
from tinykeras.autodiff.dtypes import constant, promote, raw
from tinykeras.autodiff.tensor import Tensor
from tinykeras.errors import InvalidArgumentError


@op
def _gather(x, positions=None, fill=None):
    flat = np.ravel(x)
    valid = positions >= 0
    out = flat[np.where(valid, positions, 0)]
    if fill is not None:
        out = np.where(valid, out, np.asarray(fill, dtype=flat.dtype))

    def vjp(g, needs):
        w = np.where(valid, g, 0).ravel().astype(np.float64, copy=False)
        grad = np.bincount(np.where(valid, positions, 0).ravel(), weights=w,
                           minlength=flat.size)
        return (grad.astype(g.dtype, copy=False).reshape(np.shape(x)),)

    return out, vjp


def rearrange_by(x, fn, fill=None):
    """Apply the index-moving NumPy function ``fn`` to ``x``, differentiably: ``fn`` sees an
    array of positions; entries it creates from nothing (``pad``) must be -1 and get ``fill``."""
    arr = raw(x)
    if not isinstance(arr, np.ndarray):
        arr = np.asarray(arr)
        x = arr
    positions = np.asarray(fn(np.arange(arr.size).reshape(arr.shape)))
    return _gather(x, positions=positions, fill=fill)


def _positions_split(x, fn):
    arr = np.asarray(raw(x))
    pieces = fn(np.arange(arr.size).reshape(arr.shape))
    return [_gather(x if isinstance(x, Tensor) else arr, positions=p) for p in pieces]


def flip(x, axis=None):
    """Reverse the order of entries along ``axis`` (all axes by default)."""
    return rearrange_by(x, lambda p: np.flip(p, axis))


def fliplr(x):
    """Reverse the columns (axis 1)."""
    return flip(x, 1)


def flipud(x):
    """Reverse the rows (axis 0)."""
    return flip(x, 0)


def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``."""
    return rearrange_by(array, lambda p: np.rot90(p, k, axes))


def roll(x, shift, axis=None):
    """Shift entries along ``axis`` cyclically by ``shift``."""
    return rearrange_by(x, lambda p: np.roll(p, shift, axis))


def tile(x, repeats):
    """Repeat the whole of ``x`` ``repeats`` times along each axis."""
    return rearrange_by(x, lambda p: np.tile(p, raw(repeats)))


def repeat(x, repeats, axis=None):
    """Repeat each entry ``repeats`` times along ``axis`` (flattened if None)."""
    return rearrange_by(x, lambda p: np.repeat(p, raw(repeats), axis))


def moveaxis(x, source, destination):
    """Move axes ``source`` to positions ``destination``."""
    return m.transpose(x, _perm(np.ndim(raw(x)), source, destination))


def _perm(ndim, source, destination):
    src = np.atleast_1d(source) % ndim
    dst = np.atleast_1d(destination) % ndim
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(int(d), int(s))
    return tuple(order)


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    perm = list(range(np.ndim(raw(x))))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return m.transpose(x, tuple(perm))


@op
def _broadcast_to(x, shape=None):
    src = np.shape(x)
    return np.broadcast_to(x, shape), lambda g, needs: (unbroadcast(g, src),)


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` (the gradient sums over the broadcast axes)."""
    return _broadcast_to(x, shape=tuple(int(raw(d)) for d in shape))


def ravel(x):
    """Flatten to one axis."""
    return m.reshape(x, (-1,))


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` of the plane ``(axis1, axis2)``, as the last axis."""
    return rearrange_by(x, lambda p: np.diagonal(p, offset, axis1, axis2))


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal ``offset`` of the plane ``(axis1, axis2)``."""
    out = m.sum(diagonal(x, offset, axis1, axis2), axis=-1)
    arr = raw(x)
    if np.asarray(arr).dtype.kind in "biu":  # Keras sums small integers as int32
        return m.cast(out, np.promote_types(np.asarray(arr).dtype, np.int32).name)
    return out


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x`` (``mode`` constant, edge, reflect, symmetric, wrap...)."""
    width = np.asarray(raw(pad_width)).tolist()
    if mode == "constant":
        fill = 0 if constant_values is None else raw(constant_values)
        return rearrange_by(x, lambda p: np.pad(p, width, constant_values=-1), fill=fill)
    return rearrange_by(x, lambda p: np.pad(p, width, mode=mode))


def split(x, indices_or_sections, axis=0):
    """Split into equal sections, or at the given indices, along ``axis``."""
    sections = raw(indices_or_sections)
    return _positions_split(x, lambda p: np.split(p, sections, axis))


def array_split(x, indices_or_sections, axis=0):
    """Split into ``n`` nearly equal sections (or at indices) along ``axis``."""
    sections = raw(indices_or_sections)
    return _positions_split(x, lambda p: np.array_split(p, sections, axis))


def hsplit(x, indices_or_sections):
    """Split along the columns (axis 1; axis 0 for 1-D input)."""
    return _positions_split(x, lambda p: np.hsplit(p, raw(indices_or_sections)))


def vsplit(x, indices_or_sections):
    """Split along the rows (axis 0)."""
    return _positions_split(x, lambda p: np.vsplit(p, raw(indices_or_sections)))


def dsplit(x, indices_or_sections):
    """Split along the depth (axis 2)."""
    return _positions_split(x, lambda p: np.dsplit(p, raw(indices_or_sections)))


def unstack(x, num=None, axis=0):
    """Split ``x`` along ``axis`` into a list of its slices (that axis removed)."""
    n = np.shape(raw(x))[axis]
    if num is not None and num != n:
        raise InvalidArgumentError(
            f"`num` must equal the size of axis {axis}, {n}. Received: num={num}")
    return [m.squeeze(piece, axis) for piece in split(x, n, axis)]


def _pieces(xs):
    xs = list(xs)
    return promote(*xs) if len(xs) > 1 else xs


def concatenate(xs, axis=0):
    """Join tensors along ``axis``, promoted to one Keras dtype."""
    return m.concatenate(_pieces(xs), axis=axis)


def stack(x, axis=0):
    """Stack tensors along a new ``axis``, promoted to one Keras dtype."""
    return m.stack(_pieces(x), axis=axis)


def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D tensors)."""
    xs = [m.reshape(x, (1,)) if np.ndim(raw(x)) == 0 else x for x in _pieces(xs)]  # NumPy's
    return m.concatenate(xs, axis=0 if np.ndim(raw(xs[0])) == 1 else 1)


def vstack(xs):
    """Join along axis 0, treating scalars and 1-D tensors as rows."""
    xs = _pieces(xs)
    return m.concatenate([m.reshape(x, (1, -1)) if np.ndim(raw(x)) < 2 else x for x in xs], 0)


def dstack(xs):
    """Join along axis 2, treating tensors as at least 3-D."""
    xs = _pieces(xs)
    return m.concatenate([_atleast_3d(x) for x in xs], axis=2)


def _atleast_3d(x):
    nd = np.ndim(raw(x))
    if nd == 0:
        return m.reshape(x, (1, 1, 1))
    if nd == 1:
        return m.reshape(x, (1, -1, 1))
    if nd == 2:
        return m.expand_dims(x, -1)
    return x


def append(x1, x2, axis=None):
    """Append ``x2`` to ``x1`` along ``axis`` (both flattened if None)."""
    # Promoted first, so that a Python number takes the tensor's dtype (Keras's weak types:
    # append(float16, 2.0) is float16); flattened alone, NumPy would make it float64.
    x1, x2 = promote(x1, x2)
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)])
    return concatenate([x1, x2], axis=axis)


def get_item(x, key):
    """``x[key]``: basic, integer-array and boolean indexing."""
    return m.getitem(x, key)


def slice(inputs, start_indices, shape):  # noqa: A001 - the Keras ops name
    """The block of ``shape`` starting at ``start_indices``."""
    key = tuple(builtins.slice(int(raw(s)), int(raw(s)) + int(raw(n)))
                for s, n in zip(raw(start_indices), raw(shape)))
    return m.getitem(inputs, key)


@op
def _slice_update(inputs, updates, key=None):
    out = np.array(inputs, copy=True)
    out[key] = updates

    def vjp(g, needs):
        gi = None
        if needs[0]:
            gi = np.array(g, copy=True)
            gi[key] = 0
        return gi, g[key].copy() if needs[1] else None

    return out, vjp


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``."""
    shape = np.shape(raw(updates))
    key = tuple(builtins.slice(int(raw(s)), int(raw(s)) + n)
                for s, n in zip(raw(start_indices), shape))
    inputs, updates = promote(inputs, updates)
    return _slice_update(inputs, updates, key=key)


def _index_key(indices):
    idx = np.asarray(raw(indices)).astype(np.intp)
    return tuple(np.moveaxis(idx, -1, 0))


@op
def _scatter_add(values, key=None, shape=None):
    out = np.zeros(shape, dtype=np.asarray(values).dtype)
    np.add.at(out, key, values)  # duplicate indices add up, as TF's scatter_nd
    return out, lambda g, needs: (g[key].copy(),)


def scatter(indices, values, shape):
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (index tuples on the
    last axis of ``indices``; duplicates add up)."""
    return _scatter_add(values, key=_index_key(indices), shape=tuple(int(d) for d in shape))


def scatter_update(inputs, indices, updates):
    """``inputs`` with the entries (or slices) at ``indices`` replaced by ``updates``."""
    inputs, updates = promote(inputs, updates)
    return _slice_update(inputs, updates, key=_index_key(indices))


def take(x, indices, axis=None):
    """Gather entries at integer ``indices`` along ``axis`` (negative indices count back)."""
    arr = np.asarray(raw(x))
    size = arr.size if axis is None else arr.shape[axis]
    idx = np.asarray(raw(indices)).astype(np.intp)
    idx = np.where(idx < 0, idx + size, idx)
    if idx.ndim == 0 and axis is not None:  # one index: take a length-1 slice, then drop it
        return m.squeeze(m.take(x, idx[None], axis=axis), axis)
    return m.take(x, idx, axis=axis)


def take_along_axis(x, indices, axis=None):
    """Pick entries along ``axis`` at ``indices`` (shaped like ``x`` but along ``axis``)."""
    arr = np.asarray(raw(x))
    idx = np.asarray(raw(indices)).astype(np.intp)
    size = arr.size if axis is None else arr.shape[axis]
    idx = np.where(idx < 0, idx + size, idx)
    if axis is not None:  # Keras broadcasts the other axes
        shape = list(np.broadcast_shapes(
            tuple(1 if i == axis % arr.ndim else n for i, n in enumerate(arr.shape)),
            tuple(1 if i == axis % arr.ndim else n for i, n in enumerate(idx.shape))))
        idx = np.broadcast_to(idx, tuple(shape[:axis % arr.ndim]) + (idx.shape[axis],)
                              + tuple(shape[axis % arr.ndim + 1:]))
        shape[axis % arr.ndim] = arr.shape[axis]
        if tuple(shape) != arr.shape:
            x = broadcast_to(x, shape)
    return m.take_along_axis(x, idx, axis=axis)


def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with only ``condition``, the indices where True."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise InvalidArgumentError("`x1` and `x2` must both be given, or neither. "
                         f"Received: x1={x1!r}, x2={x2!r}")
    a, b = promote(x1, x2)
    return m.where(np.asarray(raw(condition), dtype=bool), a, b)


def select(condlist, choicelist, default=0):
    """Per entry, the choice of the first True condition in ``condlist``, else ``default``."""
    out = promote(choicelist[0], default)[1]
    out = np.broadcast_to(out, np.broadcast_shapes(*(np.shape(raw(c)) for c in choicelist)))
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        choice, out = promote(choice, out)
        out = m.where(np.asarray(raw(cond), dtype=bool), choice, out)
    return out


def sort(x, axis=-1):
    """Sort along ``axis`` (the gradient follows each entry to its sorted place)."""
    order = np.argsort(np.asarray(raw(x)), axis=axis, kind="stable")
    return m.take_along_axis(x, order, axis=axis)


def argsort(x, axis=-1):
    """The indices that sort ``x`` along ``axis`` (int32, stable)."""
    x = np.asarray(raw(x))
    axis = None if x.ndim == 0 else axis  # a scalar sorts as one element, as in Keras
    return constant(np.argsort(x, axis=axis, kind="stable").astype(np.int32))


def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` smallest entry (int32)."""
    return constant(np.argpartition(np.asarray(raw(x)), kth, axis=axis).astype(np.int32))


def top_k(x, k, sorted=True):  # noqa: A002 - the Keras argument name
    """The ``k`` largest entries on the last axis and their int32 indices (values carry the
    gradient). Ties keep the lower index first, as in TF."""
    arr = np.asarray(raw(x))
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not \
            0 <= k <= (arr.shape[-1] if arr.ndim else 0):
        raise InvalidArgumentError(
            f"ops.top_k: argument `k` must be an integer from 0 to the size of the last axis "
            f"({arr.shape[-1] if arr.ndim else 0} for shape {arr.shape}). Received: k={k!r}")
    order = np.argsort(-arr, axis=-1, kind="stable")[..., :k]
    return m.take_along_axis(x, order, axis=-1), constant(order.astype(np.int32))


def in_top_k(targets, predictions, k):
    """Per row, True when the score of ``targets`` is among the ``k`` largest."""
    pred = np.asarray(raw(predictions))
    t = np.asarray(raw(targets)).astype(np.intp)
    score = np.take_along_axis(pred, t[:, None], axis=-1)
    return constant(np.sum(pred > score, axis=-1) < k)


def argmax(x, axis=None, keepdims=False):
    """Index of the largest entry along ``axis`` (flattened if None), int32."""
    return constant(np.argmax(np.asarray(raw(x)), axis=axis, keepdims=keepdims).astype(np.int32))


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest entry along ``axis`` (flattened if None), int32."""
    return constant(np.argmin(np.asarray(raw(x)), axis=axis, keepdims=keepdims).astype(np.int32))


def nanargmax(x, axis=None, keepdims=False):
    """``argmax`` ignoring NaN."""
    return constant(np.nanargmax(np.asarray(raw(x)), axis=axis,
                                 keepdims=keepdims).astype(np.int32))


def nanargmin(x, axis=None, keepdims=False):
    """``argmin`` ignoring NaN."""
    return constant(np.nanargmin(np.asarray(raw(x)), axis=axis,
                                 keepdims=keepdims).astype(np.int32))


def nonzero(x):
    """A tuple of index arrays (one per axis) where ``x`` is non-zero, int32."""
    return tuple(constant(i.astype(np.int32)) for i in np.nonzero(np.asarray(raw(x))))


def searchsorted(sorted_sequence, values, side="left"):
    """Indices where ``values`` would be inserted into ``sorted_sequence`` (int32)."""
    return constant(np.searchsorted(raw(sorted_sequence), raw(values), side=side)
                    .astype(np.int32))


def digitize(x, bins):
    """The index of the bin each entry of ``x`` falls into (int32)."""
    return constant(np.digitize(raw(x), raw(bins)).astype(np.int32))


def unravel_index(indices, shape):
    """Flat indices to a tuple of coordinate arrays for ``shape``."""
    indices = np.asarray(raw(indices))
    # In the indices' dtype, as Keras gives them (NumPy's own are intp: int64).
    return tuple(constant(i.astype(indices.dtype, copy=False))
                 for i in np.unravel_index(indices, tuple(shape)))


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None,  # noqa: A002
           size=None, fill_value=None):
    """The unique entries of ``x`` (optionally with inverse indices and counts)."""
    out = np.unique(np.asarray(raw(x)), return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis)
    if isinstance(out, tuple):
        return tuple(constant(o) for o in out)
    return constant(out)


def shape(x):
    """The shape of ``x`` as a tuple of ints."""
    return tuple(np.shape(raw(x)))


def ndim(x):
    """The number of axes of ``x``."""
    return int(np.ndim(raw(x)))


def size(x):
    """The number of entries of ``x``."""
    return int(np.size(raw(x)))


def count_nonzero(x, axis=None):
    """The number of non-zero entries along ``axis`` (int32)."""
    return constant(np.asarray(np.count_nonzero(raw(x), axis=axis), dtype=np.int32))
