"""Flat storage for optimizer state: one contiguous buffer per dtype, with per-variable views.

The update formulas are elementwise, so an optimizer can run them once on a buffer that holds
every variable end to end instead of once per variable. A small network has six variables;
six passes through Python and NumPy cost more than the arithmetic itself, one pass does not.

Each ``Variable`` is rebound to a view of its ``Slab``'s buffer (``Variable._bind``), and
``Variable.assign`` writes in place, so the views stay valid and the model, the optimizer and
the saved state all see one copy of the numbers. ``Packed`` holds an optimizer's slabs (one
per dtype) and the slot Variables, which are views too.
"""

import functools
import operator
from itertools import accumulate

import numpy as np

from tinykeras.autodiff.tensor import Variable
from tinykeras.errors import InvalidArgumentError

# Denormals: float32 slots that decay towards zero (Adam's m and v where a gradient stays at
# zero, as for a dead ReLU unit) end up as subnormal numbers, and x86 arithmetic on those is
# about 10x slower. So every 100 steps the slots are flushed: entries below 1e-30 become 0.
# That is far below one ulp of any weight of ordinary size (6e-8 for a weight of 1; Adam
# scales m by at most about lr / epsilon = 1e4, which still leaves 1e-26), so no update
# changes; the tests check bit-identical weights. float64 is left alone: it reaches its
# denormals only after thousands of quiet steps.
_FLUSH_BELOW = 1e-30
_FLUSH_DTYPES = (np.dtype("float32"), np.dtype("float16"))
_N_SCRATCH = 2
_N_CONSTS = 8
_value_of = operator.attrgetter("value")


def scalar_variable(value, dtype, name=None):
    """Return a non-trainable 0-d ``Variable`` (iterations, learning_rate, u_product)."""
    v = Variable(value, dtype=dtype, trainable=False, name=name)
    # Variable() stores Python scalars with shape (1,) (np.ascontiguousarray makes every array
    # at least 1-d); Keras's are 0-d, and a saved file must say so.
    v._bind(np.zeros((), v.value.dtype))
    return v


@functools.lru_cache(maxsize=256)
def rounded(value: float, dtype: np.dtype) -> float:
    """Return ``value`` rounded to ``dtype`` as a Python float (cached, so free per step).

    Keras casts hyperparameters to the variable dtype before scalar math such as
    ``1 - beta_2**t``; float32(0.999) is 0.99900001287, which moves ``1 - beta_2`` by 1.3e-5
    relative. Doing the math in Python floats from the rounded value keeps that agreement.
    """
    return float(np.asarray(value, dtype=dtype))


class Segment:
    """The 1-D arrays one ``update_step`` call works on: a variable (or a whole slab), its
    gradient, its slots by name, scratch buffers of the same length, and 0-d constants."""

    __slots__ = (
        "var",
        "grad",
        "slots",
        "scratch",
        "average",
        "accumulator",
        "variable",
        "view",
        "_consts",
    )

    def __init__(self, var, grad, slots, scratch, extra, consts, variable=None, view=None):
        self.var = var
        self.grad = grad
        self.slots = slots
        self.scratch = scratch
        self.average = extra.get("average")
        self.accumulator = extra.get("gradient_accumulator")
        self._consts = consts
        self.variable = variable
        self.view = view

    def consts(self, *values):
        """Return 0-d arrays of this segment's dtype holding ``values`` (Python floats).

        NumPy takes a 0-d array operand about twice as fast as a Python float (no scalar
        conversion inside each ufunc call), and these calls are the inner loop of training.
        Writing the float into the array rounds it to the dtype, as the ufunc would.
        """
        out = self._consts[: len(values)]
        for buf, value in zip(out, values):
            buf[()] = value
        return out


class Slab:
    """The variables of one dtype packed end to end into one buffer, with their gradient
    buffer, slot buffers and scratch.

    Args:
        variables: the ``Variable`` objects, all of one dtype; each is rebound to a view.
        slots: ``{name: initial value}`` for the optimizer's own slots (flushed of denormals).
        extra: ``{name: initial value}`` for the base class's slots (EMA average, gradient
            accumulator), kept apart so the denormal flush leaves them alone.
    """

    def __init__(self, variables, slots: dict, extra: dict):
        self.variables = list(variables)
        self.dtype = self.variables[0].value.dtype
        self.shapes = [v.value.shape for v in self.variables]
        ends = list(accumulate(v.value.size for v in self.variables))
        self.spans = list(zip([0] + ends[:-1], ends))
        size = ends[-1]
        self.var = np.empty(size, self.dtype)
        self.grad = np.zeros(size, self.dtype)
        self.slot_block = np.empty((len(slots), size), self.dtype)
        self.extra_block = np.empty((len(extra), size), self.dtype)
        for row, init in zip(
            [*self.slot_block, *self.extra_block], [*slots.values(), *extra.values()]
        ):
            row.fill(init)
        self.scratch = np.zeros((_N_SCRATCH, size), self.dtype)
        consts = tuple(np.zeros((), self.dtype) for _ in range(_N_CONSTS))
        rows = dict(zip(slots, self.slot_block))
        extra_rows = dict(zip(extra, self.extra_block))
        self.rows = {**rows, **extra_rows}
        self.views = []
        for v, (a, b) in zip(self.variables, self.spans):
            view = self.var[a:b].reshape(v.value.shape)
            v._bind(view)
            self.views.append(view)
        self.whole = Segment(self.var, self.grad, rows, tuple(self.scratch), extra_rows, consts)
        self.parts = [
            Segment(
                self.var[a:b],
                self.grad[a:b],
                {n: r[a:b] for n, r in rows.items()},
                tuple(s[a:b] for s in self.scratch),
                {n: r[a:b] for n, r in extra_rows.items()},
                consts,
                variable=v,
                view=view,
            )
            for v, view, (a, b) in zip(self.variables, self.views, self.spans)
        ]

    def slot_view(self, name: str, index: int) -> np.ndarray:
        """Return slot ``name`` of variable ``index``, shaped like that variable."""
        a, b = self.spans[index]
        return self.rows[name][a:b].reshape(self.shapes[index])

    def gather(self, arrays) -> None:
        """Copy ``arrays`` (one gradient per variable, in order) into the flat gradient
        buffer, casting to the slab dtype as Keras casts gradients to the variable dtype."""
        if [a.shape for a in arrays] != self.shapes:
            for a, v, shape in zip(arrays, self.variables, self.shapes):
                if a.shape != shape:
                    raise InvalidArgumentError(
                        f"Gradient for variable '{v.path}' has shape {a.shape}, but the "
                        f"variable has shape {shape}."
                    )
        self.rebind_if_moved()
        np.concatenate([a.ravel() for a in arrays], out=self.grad, casting="same_kind")

    def rebind_if_moved(self) -> None:
        """``rebind`` when any variable's storage is no longer its view (cheap check)."""
        if not all(map(operator.is_, map(_value_of, self.variables), self.views)):
            self.rebind()

    def rebind(self) -> None:
        """Point each variable back at its view, taking its current value, if its storage was
        replaced (another optimizer packed it, or code assigned ``.value``)."""
        for v, view in zip(self.variables, self.views):
            if v.value is not view:
                v._bind(view)

    def flush_denormals(self) -> None:
        """Zero slot entries too small to matter (see ``_FLUSH_BELOW``); float32/16 only."""
        if self.dtype in _FLUSH_DTYPES and self.slot_block.size:
            block = self.slot_block
            block[np.abs(block) < _FLUSH_BELOW] = 0


class Packed:
    """All of one optimizer's variables and slots: a ``Slab`` per dtype, the segments
    ``update_step`` runs on, and the slot ``Variable`` objects in Keras's order.

    Args:
        variables: the trainable variables, in the order the optimizer was built with.
        groups: the slots as groups of ``(name, initial value)``; Keras creates each group
            interleaved per variable, group after group, and ``slot_variables`` follows that.
        extra: the base class's slots among ``groups`` (kept out of the denormal flush).
        prefix: the optimizer name, for the slot variables' paths.
    """

    def __init__(self, variables, groups, extra, prefix: str):
        own = {n: init for group in groups for n, init in group if n not in extra}
        by_dtype = {}
        for v in variables:
            by_dtype.setdefault(v.value.dtype, []).append(v)
        self.slabs = [Slab(vs, own, extra) for vs in by_dtype.values()]
        position = {id(v): i for i, v in enumerate(variables)}
        self.indices = [[position[id(v)] for v in slab.variables] for slab in self.slabs]
        self.whole = [slab.whole for slab in self.slabs]
        self.parts = [p for slab in self.slabs for p in slab.parts]
        self.part_of = {id(p.variable): p for p in self.parts}
        self.segments = {id(seg.var): seg for seg in self.whole + self.parts}
        place = {id(v): (slab, i) for slab in self.slabs for i, v in enumerate(slab.variables)}
        self.slot_variables = []
        for group in groups:
            for v in variables:
                slab, i = place[id(v)]
                for name, _ in group:
                    view = slab.slot_view(name, i)
                    slot = Variable(view, dtype=view.dtype, trainable=False)
                    slot._bind(view)
                    slot.name = f"{v.path.replace('/', '_')}_{name}"
                    slot.path = f"{prefix}/{slot.name}"
                    self.slot_variables.append(slot)

    def gather(self, grads) -> bool:
        """Copy one gradient per variable (build order) into the slabs; False if one is None."""
        try:
            arrays = [g.value for g in grads]  # Tensors, as GradientTape.gradient returns
        except AttributeError:
            if any(g is None for g in grads):
                return False
            arrays = [np.asarray(getattr(g, "value", g)) for g in grads]
        if len(self.slabs) == 1:
            self.slabs[0].gather(arrays)
        else:
            for slab, indices in zip(self.slabs, self.indices):
                slab.gather([arrays[i] for i in indices])
        return True

    def gather_parts(self, pairs) -> list:
        """Copy each ``(gradient, variable)`` pair's gradient into that variable's slice of
        the buffers; return the variables' segments. Refuses variables it does not hold."""
        for _, v in pairs:
            if id(v) not in self.part_of:
                raise InvalidArgumentError(
                    f"Unknown variable: <Variable path={getattr(v, 'path', v)}>. This "
                    "optimizer can only be called for the variables it was originally built "
                    "with. When working with a new set of variables, you should recreate a "
                    "new optimizer instance."
                )
        for slab in self.slabs:
            slab.rebind()
        parts = [self.part_of[id(v)] for _, v in pairs]
        for (g, _), part in zip(pairs, parts):
            g = np.asarray(getattr(g, "value", g))
            if g.shape != part.view.shape:
                raise InvalidArgumentError(
                    f"Gradient for variable '{part.variable.path}' has shape {g.shape}, but "
                    f"the variable has shape {part.view.shape}."
                )
            part.grad[...] = g.ravel()
        return parts
