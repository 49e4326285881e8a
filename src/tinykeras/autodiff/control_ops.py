"""``keras.ops`` control flow and gradient helpers: cond, switch, loops, scan, map,
``custom_gradient``, ``jvp``, and the conversions (``cast``, ``convert_to_tensor``...).

Execution is eager, so the control flow is Python's own: a loop runs its body as often as
needed and every op in it is recorded, which makes all of them differentiable for free.
"""

import inspect

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff.core import op, wrap
from tinykeras.autodiff.dtypes import as_dtype, dense_only, keras_arguments, keras_array, raw
from tinykeras.autodiff.tape import GradientTape
from tinykeras.autodiff.tensor import Tensor
from tinykeras.errors import InvalidArgumentError


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _flatten(x[k])]
    return [x]


def _unflatten(structure, leaves):
    leaves = iter(leaves)

    def build(s):
        if isinstance(s, (list, tuple)):
            return type(s)(build(item) for item in s)
        if isinstance(s, dict):
            return {k: build(s[k]) for k in sorted(s)}
        return next(leaves)

    return build(structure)


def _stack(structures):
    """Stack a list of equally-structured results leaf by leaf along a new axis 0."""
    if structures[0] is None:
        return None
    leaves = [_flatten(s) for s in structures]
    stacked = [m.stack([_tensor(leaf[i]) for leaf in leaves]) for i in range(len(leaves[0]))]
    return _unflatten(structures[0], stacked)


def _tensor(x):
    """``x`` as a Tensor; Python numbers in Keras's dtypes (floats floatx, ints int32)."""
    return x if isinstance(x, Tensor) else wrap(np.asarray(keras_array(x)))


def _numbers_to_tensors(structure):
    """``structure`` with its Python-number leaves made tensors, as Keras converts the loop
    variables of ``while_loop`` (and JAX the carry of ``fori_loop``): a loop started from
    ``0.5`` runs and ends in floatx, not in Python floats (float64 once NumPy sees them)."""
    leaves = [_tensor(leaf) if isinstance(leaf, (bool, int, float)) else leaf
              for leaf in _flatten(structure)]
    return _unflatten(structure, leaves)


def _slices(xs, length):
    leaves = _flatten(xs)
    return [_unflatten(xs, [leaf[i] for leaf in leaves]) for i in range(length)]


def _length(xs):
    return len(raw(_flatten(xs)[0]))


# -- branching and loops -------------------------------------------------------------------------
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(raw(pred)) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped to the valid range."""
    i = int(np.clip(int(raw(index)), 0, len(branches) - 1))
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` (at most
    ``maximum_iterations`` times)."""
    is_tuple = isinstance(loop_vars, (list, tuple))
    state = _numbers_to_tensors(tuple(loop_vars) if is_tuple else (loop_vars,))
    steps = 0
    while bool(raw(cond(*state))):
        if maximum_iterations is not None and steps >= maximum_iterations:
            break
        out = body(*state)
        state = tuple(out) if isinstance(out, (list, tuple)) else (out,)
        steps += 1
    return state if is_tuple else state[0]


def fori_loop(lower, upper, body_fun, init_val):
    """Run ``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``."""
    val = _numbers_to_tensors(init_val)
    for i in range(int(raw(lower)), int(raw(upper))):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; return the final carry
    and the ``y``s stacked."""
    n = _length(xs) if xs is not None else int(length)
    items = _slices(xs, n) if xs is not None else [None] * n
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, [None] * n
    for i in order:
        carry, ys[i] = f(carry, items[i])
    return carry, (_stack(ys) if n else None)


def associative_scan(f, elems, reverse=False, axis=0):
    """Prefix combination ``out[i] = f(out[i-1], elems[i])`` along ``axis`` (``f`` associative)."""
    from tinykeras.autodiff.shape_ops import moveaxis

    leaves = [moveaxis(_tensor(leaf), axis, 0) for leaf in _flatten(elems)]
    n = len(raw(leaves[0]))
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    out = [None] * n
    acc = None
    for i in order:
        item = _unflatten(elems, [leaf[i] for leaf in leaves])
        acc = item if acc is None else f(acc, item)
        out[i] = acc
    stacked = _flatten(_stack(out))
    return _unflatten(elems, [moveaxis(s, 0, axis) for s in stacked])


def map(f, xs):  # noqa: A001 - the Keras ops name
    """``f`` applied to each slice of ``xs`` along axis 0, the results stacked."""
    return _stack([f(x) for x in _slices(xs, _length(xs))])


def vectorized_map(function, elements):
    """``function`` applied to each slice of ``elements`` along axis 0, results stacked."""
    return map(function, elements)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Make ``pyfunc`` of scalars (or of the core shapes in ``signature``) act elementwise,
    broadcasting its inputs, as ``np.vectorize``."""
    if signature is not None:
        cores = [s.strip("()") for s in signature.split("->")[0].split("),(")]
        ranks = [len([d for d in c.split(",") if d]) for c in cores]
    excluded = set(excluded or ())

    def wrapped(*args):
        vec = [i for i in range(len(args)) if i not in excluded]
        args = list(args)  # Python numbers and lists as the ops take them (floatx, int32)
        for i, a in zip(vec, keras_arguments([args[i] for i in vec])):
            args[i] = a
        # A weak Python number left beside the tensors goes to every call as it is (it has
        # no axes to broadcast), so it takes their dtype there: f(float16, 2.0) is float16.
        if signature is None:  # (with one, the core ranks follow the arguments' order)
            vec = [i for i in vec if not isinstance(args[i], (bool, int, float))]
        rk = ranks if signature is not None else [0] * len(args)
        shapes = [np.shape(raw(args[i]))[:np.ndim(raw(args[i])) - rk[j]] for j, i in
                  enumerate(vec)]
        batch = np.broadcast_shapes(*shapes)
        from tinykeras.autodiff.shape_ops import broadcast_to

        full = list(args)
        for j, i in enumerate(vec):
            core = np.shape(raw(args[i]))[np.ndim(raw(args[i])) - rk[j]:]
            full[i] = m.reshape(broadcast_to(_tensor(args[i]), batch + core), (-1,) + core)
        count = int(np.prod(batch))
        results = [pyfunc(*[full[i][k] if i in vec else full[i] for i in range(len(args))])
                   for k in range(count)]
        out = _stack(results)
        return _unflatten(out, [m.reshape(leaf, batch + np.shape(raw(leaf))[1:])
                                for leaf in _flatten(out)])

    wrapped.__doc__ = pyfunc.__doc__
    return wrapped


# -- gradients -----------------------------------------------------------------------------------
def stop_gradient(variable):
    """``variable`` as a constant: no gradient flows through it."""
    return wrap(np.asarray(raw(variable)))


def custom_gradient(f):
    """Decorate ``f(*args) -> (y, grad_fn)`` so that backprop uses ``grad_fn(upstream)``
    (Keras also allows ``grad_fn(*args, upstream=None)``) instead of ``f``'s own ops."""

    def wrapper(*args, **kwargs):
        @op(arity=-1)
        def core(*arrays):
            y, grad_fn = f(*[wrap(np.asarray(a)) for a in arrays], **kwargs)

            def vjp(g, needs):
                upstream = wrap(g)
                try:
                    takes_kw = "upstream" in inspect.signature(grad_fn).parameters
                except (TypeError, ValueError):
                    takes_kw = False
                grads = grad_fn(upstream=upstream) if takes_kw else grad_fn(upstream)
                if not isinstance(grads, (list, tuple)):
                    grads = (grads,)
                if len(grads) != len(arrays):
                    raise InvalidArgumentError(
                        f"The gradient function of `{getattr(f, '__name__', 'f')}` returned "
                        f"{len(grads)} gradients for {len(arrays)} inputs; return one per input.")
                return tuple(None if gi is None else np.asarray(raw(gi)) for gi in grads)

            return np.asarray(raw(y)), vjp

        # Python numbers and lists in Keras's dtypes (floatx, int32), as the ops take them.
        return core(*keras_arguments(args))

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = f.__doc__
    return wrapper


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode product ``J(primals) @ tangents``: returns ``(outputs, tangent_out)``
    (and ``aux`` with ``has_aux``). Computed exactly in reverse mode, one backward pass per
    output entry, so it suits the small functions it is used for."""
    xs = [Tensor(np.array(raw(p), copy=True)) for p in primals]
    with GradientTape(persistent=True) as tape:
        tape.watch(xs)
        result = fun(*xs)
    out, aux = result if has_aux else (result, None)
    leaves = _flatten(out)
    tans = [np.asarray(raw(t)) for t in tangents]
    tangent_out = []
    for leaf in leaves:
        value = np.asarray(raw(leaf))
        flat = np.zeros(value.size, dtype=value.dtype)
        for k in range(value.size):
            seed = np.zeros(value.size, dtype=value.dtype)
            seed[k] = 1
            grads = tape.gradient(leaf, xs, output_gradients=seed.reshape(value.shape),
                                  unconnected_gradients="zero")
            flat[k] = sum(float(np.sum(raw(g) * t)) for g, t in zip(grads, tans))
        tangent_out.append(wrap(flat.reshape(value.shape)))
    tangent_out = _unflatten(out, tangent_out)
    return (out, tangent_out, aux) if has_aux else (out, tangent_out)


# -- conversions ---------------------------------------------------------------------------------
def cast(x, dtype):
    """Cast to ``dtype``; float-to-float casts keep the gradient."""
    return m.cast(x, as_dtype(dtype))


def saturate_cast(x, dtype):
    """Cast to ``dtype``, first clipping to its range (no wrap-around)."""
    target = np.dtype(as_dtype(dtype))
    arr = np.asarray(raw(x))
    if target.kind in "iu":
        info = np.iinfo(target)
        lo, hi = max(info.min, -np.inf), info.max
        if arr.dtype.kind == "f":  # the largest float <= the integer bound
            lo, hi = np.nextafter(float(lo), 0), np.nextafter(float(hi), 0)
        x = m.clip(x, np.asarray(lo, arr.dtype), np.asarray(hi, arr.dtype))
    elif target.kind == "f" and arr.dtype.kind == "f" and target.itemsize < arr.dtype.itemsize:
        info = np.finfo(target)
        x = m.clip(x, np.asarray(info.min, arr.dtype), np.asarray(info.max, arr.dtype))
    return m.cast(x, target.name)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as a Tensor, cast to ``dtype`` if given. ``Tensor`` itself gives Python numbers
    Keras's dtypes (floats floatx, ints int32 where they fit) and refuses non-numbers."""
    dense_only("ops.convert_to_tensor", sparse=sparse, ragged=ragged)
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    return Tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """``x`` as a NumPy array."""
    return np.asarray(raw(x))


def is_tensor(x):
    """True for a tinykeras Tensor (or Variable)."""
    return isinstance(x, Tensor)


def dtype(x):
    """The dtype name of ``x`` (``"float32"``...)."""
    from tinykeras.autodiff.dtypes import result_type

    return result_type(x) if not isinstance(x, Tensor) else x.dtype


def rearrange(tensor, pattern, **axes_lengths):
    """Move axes with an einops pattern, e.g. ``'b (h w) c -> b h w c'`` with ``h=4``."""
    left, right = (side.split() for side in _spaced(pattern).split("->"))
    groups_in = _groups(left)
    shape = np.shape(raw(tensor))
    if len(groups_in) != len(shape):
        raise InvalidArgumentError(f"Pattern {pattern!r} has {len(groups_in)} input axes, but the "
                         f"tensor has shape {shape}.")
    sizes = dict(axes_lengths)
    for group, n in zip(groups_in, shape):
        unknown = [a for a in group if a not in sizes]
        known = int(np.prod([sizes[a] for a in group if a in sizes]))
        if len(unknown) == 1:
            sizes[unknown[0]] = n // known
        elif unknown:
            raise InvalidArgumentError(
                f"Cannot infer the sizes of {unknown} in pattern {pattern!r}; "
                "pass them as keyword arguments.")
    flat_in = [a for g in groups_in for a in g]
    x = m.reshape(tensor, tuple(sizes[a] for a in flat_in))
    groups_out = _groups(right)
    flat_out = [a for g in groups_out for a in g]
    x = m.transpose(x, tuple(flat_in.index(a) for a in flat_out))
    return m.reshape(x, tuple(int(np.prod([sizes[a] for a in g])) for g in groups_out))


def _spaced(pattern):
    return pattern.replace("(", " ( ").replace(")", " ) ")


def _groups(tokens):
    groups, current = [], None
    for t in tokens:
        if t == "(":
            current = []
        elif t == ")":
            groups.append(current)
            current = None
        elif current is not None:
            current.append(t)
        else:
            groups.append([t])
    return groups
