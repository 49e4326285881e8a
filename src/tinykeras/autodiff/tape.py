"""Reverse-mode automatic differentiation: the tape that records ops and walks them back.

Each recorded node is ``(output, inputs, needs, vjp)``: ``vjp(g, needs)`` maps the gradient of
the output to one gradient per input (``None`` where ``needs`` is False). ``gradient`` walks the
nodes in reverse creation order, which is a reverse topological order because a node is always
recorded after its inputs exist.
"""

from itertools import repeat

import numpy as np

from tinykeras.autodiff import plan as _plan
from tinykeras.autodiff.tensor import Tensor, wrap
from tinykeras.autodiff.tensor import raw as _raw
from tinykeras.errors import InvalidArgumentError, InvalidTypeError

# The tapes currently recording. Ops check this list first, so that with no tape (predict,
# plain calls) recording costs one truth test.
_ACTIVE: list = []


def is_recording() -> bool:
    """Return True when at least one tape is recording."""
    return bool(_ACTIVE)


def record(out: Tensor, inputs: tuple, needs: tuple, vjp) -> None:
    """Append one node to every recording tape and mark ``out`` as differentiable."""
    out._rg = True
    node = (out, inputs, needs, vjp)
    for tape in _ACTIVE:
        tape._nodes.append(node)


class GradientTape:
    """Records ops on tensors so that ``gradient(target, sources)`` can backpropagate.

    Trainable variables are watched automatically; other tensors need ``tape.watch(t)``.

    >>> import tinykeras as tk
    >>> w = tk.Variable([2.0, 3.0])
    >>> with tk.GradientTape() as tape:
    ...     loss = tk.ops.sum(w * w)
    >>> tape.gradient(loss, w).numpy()
    array([4., 6.], dtype=float32)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._nodes: list = []
        self._used = False

    def __enter__(self):
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc):
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        return False

    def watch(self, tensor) -> None:
        """Mark tensors (a tensor or a nested list of them) as differentiable sources."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise InvalidArgumentError(
                    "`GradientTape.watch` expects tensors or variables. "
                    f"Received: {type(t).__name__}"
                )
            t._rg = True

    def stop_recording(self):
        """Return a context manager inside which ops are not recorded on this tape."""
        return _Paused(self)

    def reset(self) -> None:
        """Forget everything recorded so far."""
        self._nodes = []

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Return d(sum of target)/d(source) for each source, in the structure of ``sources``.

        Args:
            target: a Tensor, or a list of Tensors whose gradients are summed.
            sources: a Variable/Tensor or a (nested) list of them.
            output_gradients: the upstream gradient of ``target`` (default: ones).
            unconnected_gradients: ``"none"`` gives None for a source the target does not
                depend on, ``"zero"`` gives zeros.
        Returns:
            Tensors (or None) in the same structure as ``sources``.
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can only be used to compute one set of "
                "gradients. Use `GradientTape(persistent=True)` to call `gradient` again."
            )
        if unconnected_gradients not in ("none", "zero"):
            raise InvalidArgumentError(
                "`unconnected_gradients` must be 'none' or 'zero'. "
                f"Received: unconnected_gradients={unconnected_gradients!r}"
            )
        targets = target if isinstance(target, (list, tuple)) else [target]
        targets = _flatten(targets)
        if not all(map(isinstance, targets, repeat(Tensor))):
            raise InvalidTypeError(
                "GradientTape.gradient: `target` must be a Tensor computed inside the tape (or "
                f"a list of them). Received: {_kinds(target)}"
            )
        seeds = _flatten(output_gradients) if output_gradients is not None else None
        # map() with builtins keeps this per-step bookkeeping out of Python frames.
        flat = isinstance(sources, (list, tuple)) and all(
            map(isinstance, sources, repeat(Tensor)))
        leaves = sources if flat else _flatten(sources)
        if not flat and not all(map(isinstance, leaves, repeat(Tensor))):
            raise InvalidTypeError(
                "GradientTape.gradient: `sources` must be Variables or Tensors (or nested lists "
                f"of them), such as model.trainable_variables. Received: {_kinds(sources)}"
            )
        self._used = True
        grads = backward(self._nodes, targets, seeds, keep=set(map(id, leaves)))
        if not self.persistent:
            self._nodes = []

        def lookup(source):
            g = grads.get(id(source))
            if g is None and unconnected_gradients == "zero":
                g = np.zeros_like(source.value)
            return None if g is None else wrap(g)

        if flat:  # the common case (a model's variables): no structure to rebuild
            return type(sources)(map(lookup, sources))
        return _map_structure(lookup, sources)


def backward(nodes, targets, seeds=None, keep=frozenset()):
    """Propagate gradients from ``targets`` back through ``nodes``; return ``{id: grad}``.

    Gradients of intermediate tensors are dropped once used, unless their id is in ``keep``.
    """
    if _plan.ACTIVE:  # tracing: the same walk, recorded (see autodiff/plan.py)
        grads = _plan.ACTIVE[-1].backward(nodes, targets, seeds, keep)
        if grads is not None:
            return grads
    grads = {}
    for i, t in enumerate(targets):
        seed = np.ones_like(t.value) if seeds is None else np.asarray(_raw(seeds[i]))
        _accumulate(grads, id(t), seed)
    for out, inputs, needs, vjp in reversed(nodes):
        key = id(out)
        g = grads.get(key) if key in keep else grads.pop(key, None)
        if g is None:
            continue
        for inp, need, gi in zip(inputs, needs, vjp(g, needs)):
            if need and gi is not None:
                key = id(inp)
                prev = grads.get(key)
                # A new array rather than ``+=``: a vjp may hand one array to several inputs.
                grads[key] = gi if prev is None else prev + gi
    return grads


def _accumulate(grads: dict, key: int, g) -> None:
    prev = grads.get(key)
    # A new array rather than ``+=``: a vjp may hand the same array to several inputs.
    grads[key] = g if prev is None else prev + g


class _Paused:
    def __init__(self, tape):
        self.tape = tape

    def __enter__(self):
        if self.tape in _ACTIVE:
            _ACTIVE.remove(self.tape)
            self._was_active = True
        else:
            self._was_active = False

    def __exit__(self, *exc):
        if self._was_active:
            _ACTIVE.append(self.tape)
        return False


def _kinds(x) -> str:
    """Describe what was passed instead of Tensors, for the error message."""
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of " + ", ".join(sorted({type(v).__name__ for v in x}))
    return f"{x!r:.60} of type {type(x).__name__}"




def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        out = []
        for item in x:
            out.extend(_flatten(item))
        return out
    if isinstance(x, dict):
        return _flatten(list(x.values()))
    return [x]


def _map_structure(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map_structure(fn, item) for item in x)
    if isinstance(x, dict):
        return {k: _map_structure(fn, v) for k, v in x.items()}
    return fn(x)
