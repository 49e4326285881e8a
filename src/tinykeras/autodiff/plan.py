"""Trace and replay: run a training step once on the tape while recording it, then replay it.

The first call of a traced function (``fit``'s step, a user's ``train_step``, a function
decorated with ``tinykeras.function``) for a given *signature* (the shapes and dtypes of its
array arguments, the identity of its other arguments) runs the ordinary Python code, tape and
all, while a ``Tracer`` records every op (the ``@op`` functions of ``autodiff/core.py``:
``fn(*arrays, **static) -> (out, vjp)``) with its static arguments, every vjp call the tape
makes in ``tape.gradient`` and every ``optimizer.apply``. That recording is a ``Plan``: a list
of forward calls, then the matching vjp calls in reverse, then the optimizer update, each
reading its arrays from numbered slots. Later calls with the same signature replay the plan:
the same op functions run on the new batch, in the same order, so the result is bit for bit
what the tape would give, without the Python bookkeeping between the ops (layer ``__call__``,
Tensor wrapping, tape records, gradient dictionaries). There is one copy of the math: the
ops' own forward and vjp functions.

What a plan can capture, and what makes tracing refuse (the tape then runs, always correct):

- **Values come from ops.** An op input is a batch argument, a Variable (read again at every
  replay, so updates are seen), the output of an earlier op, or a constant that does not
  depend on the batch (a Python number, a fixed array). During tracing the batch and every op
  output are ``TracedArray`` s: turning one into a Python value (``float``, ``int``, ``bool``,
  ``.item()``, ``.numpy()``, an ``if`` on a tensor) refuses, because the plan could not replay
  the decision. An array computed from the batch outside an op (NumPy arithmetic on labels,
  say) that reaches an op refuses too. Label transforms in losses are therefore ops.
- **Random numbers are drawn inside an op.** An op such as Dropout's draws its mask inside its
  forward, from ``tinykeras.backend.global_rng()`` (or a generator passed as a static
  argument); the replay calls the forward again, so every batch draws fresh numbers from the
  same generator, in the same order as the tape would. Drawing from ``global_rng()`` outside
  an op while tracing refuses (the plan would repeat the first batch's numbers).
- **State updates happen inside an op.** An op that updates state (BatchNormalization's moving
  statistics, say) takes the Variable as one of its array inputs and writes the new value into
  that array in place inside its forward (``np.multiply(moving, momentum, out=moving)``...):
  the plan passes the Variable's current storage at every replay, so the update runs every
  step. ``Variable.assign`` (or ``assign_add``/``assign_sub``) outside an op while tracing
  refuses. ``optimizer.apply``/``apply_gradients`` is recorded as a step of its own and runs
  in full at replay (learning-rate schedules, clipping, constraints included).
- **Python decides nothing from data.** Branches on shapes, dtypes and configuration are fine
  (they are part of the signature or fixed); a branch on values is caught by the rule above.

Safety nets: the second call of each signature runs the replay and the tape side by side from
the same state (variables, optimizer state and random generator are snapshotted and restored)
and drops the plan unless outputs and state agree bit for bit; ``jit_compile="check"`` (or
the environment variable ``TINYKERAS_JIT_CHECK=1``) does that on every call and raises
``PlanMismatch`` on any difference. At most ``MAX_PLANS`` plans are kept per traced function.
"""

import os
import warnings

import numpy as np

from tinykeras import debugging
from tinykeras.autodiff.tensor import Tensor, Variable
from tinykeras.backend import random as _random

# The tracer recording now (at most one; nested traced functions run inline in it).
ACTIVE: list = []
# While a plan is verified: a list collecting the gradients of each optimizer update (the
# replay hands them over instead of updating; the tape's Optimizer.apply records them too).
CAPTURE: list = []
MAX_PLANS = 8


class TraceRefused(Exception):
    """Raised inside a trace when the code does something a plan cannot replay."""


class PlanMismatch(AssertionError):
    """Raised in check mode when the replay and the tape disagree."""


def refuse(reason: str) -> None:
    """Give up the trace in progress (if any) because of ``reason``; the code carries on
    as ordinary tape code, so the call still gives the right result. No-op outside tracing."""
    if ACTIVE:
        ACTIVE[-1].stop(reason)


def tracing() -> bool:
    """True while a trace is recording."""
    return bool(ACTIVE)


def _rng_guard() -> None:
    # global_rng() outside an op while tracing: the plan would replay the first draw.
    if ACTIVE and not ACTIVE[-1].in_op:
        refuse("random numbers drawn outside an op")


_random._GUARDS.append(_rng_guard)


class TracedArray(np.ndarray):
    """A batch-derived array during tracing: turning it into a Python value refuses."""

    def __array_function__(self, func, types, args, kwargs):
        # NumPy functions written in C return plain arrays; keep the mark on their results.
        return _mark(super().__array_function__(func, types, args, kwargs))

    def __bool__(self):
        refuse("a Python `if`/`bool` on a tensor value (a branch on data)")
        return bool(self.view(np.ndarray))

    def __float__(self):
        refuse("`float()` of a tensor value computed from the batch")
        return float(self.view(np.ndarray))

    def __int__(self):
        refuse("`int()` of a tensor value computed from the batch")
        return int(self.view(np.ndarray))

    def __index__(self):
        refuse("a tensor value used as a Python index")
        return self.view(np.ndarray).__index__()

    def item(self, *args):
        """As ``ndarray.item``; refuses while tracing."""
        refuse("`.item()` of a tensor value computed from the batch")
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        """As ``ndarray.tolist``; refuses while tracing."""
        refuse("`.tolist()` of a tensor value computed from the batch")
        return self.view(np.ndarray).tolist()


def _mark(result):
    if type(result) is np.ndarray:
        return result.view(TracedArray)
    if isinstance(result, (tuple, list)):
        return type(result)(_mark(r) for r in result)
    return result


def plain(a):
    """The array ``a`` without the tracing mark (the same memory)."""
    return a.view(np.ndarray) if type(a) is TracedArray else a


# -- recording ------------------------------------------------------------------------------------
_CONST, _SLOT, _VAR = 0, 1, 2


class Tracer:
    """Records ops, vjp calls and optimizer updates into slots while the code runs."""

    def __init__(self):
        self.steps = []  # ("fwd", fn, argspec, kwspec, n_out) | ("vjp", ...) | ...
        self.slot_of = {}  # id(array) -> slot
        self.by_memory = {}  # (data pointer, shape, strides, dtype) -> slot
        self.arrays = []  # slot -> the traced array (kept alive, so ids stay unique)
        self.vjp_slot = {}  # id(vjp function) -> slot holding it at replay
        self.variables = {}  # id -> Variable read by the plan
        self.optimizers = []
        self.generators = {}  # id -> a random generator passed to an op
        self.in_op = 0
        self.failed = None  # the reason, once the trace gave up

    def stop(self, reason: str) -> None:
        """Stop recording; ops from here on run the ordinary way."""
        if self.failed is None:
            self.failed = reason
            if os.environ.get("TINYKERAS_TRACE_DEBUG"):  # where exactly the trace gave up
                import traceback

                traceback.print_stack()
        if self in ACTIVE:
            ACTIVE.remove(self)

    def pause(self):
        """Context manager: run code (an optimizer update) without recording it."""
        return _Paused(self)

    def new_slot(self, array) -> int:
        """Give ``array`` a slot; return its number."""
        slot = len(self.arrays)
        self.arrays.append(array)
        self.slot_of[id(array)] = slot
        if isinstance(array, np.ndarray):
            self.by_memory[_geometry(array)] = slot
        return slot

    def mark(self, array) -> TracedArray:
        """Return ``array`` as a TracedArray registered in a new slot."""
        traced = plain(np.asarray(array)).view(TracedArray)
        self.new_slot(traced)
        return traced

    # -- what an argument is --------------------------------------------------------------
    def spec(self, x):
        """Classify one op argument: ``(_CONST, value)``, ``(_SLOT, n)`` or ``(_VAR, v)``."""
        if isinstance(x, Variable):
            self.variables[id(x)] = x
            return (_VAR, x)
        if isinstance(x, Tensor):
            x = x.value
        if isinstance(x, np.ndarray):
            slot = self.slot_of.get(id(x))
            if slot is not None:
                return (_SLOT, slot)
            return self._array_spec(x)
        if isinstance(x, (tuple, list)):
            specs = [self.spec(item) for item in x]
            if all(s[0] == _CONST for s in specs):
                return (_CONST, type(x)(s[1] for s in specs))
            raise TraceRefused("tensors inside a list/tuple argument of an op")
        if isinstance(x, (np.random.Generator, np.random.BitGenerator)):
            self.generators[id(x)] = x  # its state is saved and restored when verifying
            return (_CONST, x)
        if x is None or isinstance(x, (bool, int, float, complex, str, np.generic, type,
                                       slice, type(Ellipsis))) or callable(x):
            return (_CONST, x)
        raise TraceRefused(f"an op argument of type {type(x).__name__} the plan cannot capture")

    def _array_spec(self, a):
        if type(a) is TracedArray:
            raise TraceRefused("an array computed from the batch outside an op")
        # A plain view of a traced array (np.asarray strips the mark): the same values.
        slot = self.by_memory.get(_geometry(a))
        if slot is not None:
            return (_SLOT, slot)
        for known in self.arrays:
            if isinstance(known, np.ndarray) and np.may_share_memory(a, known):
                raise TraceRefused("a view of a batch tensor made outside an op")
        for var in self.variables.values():
            if np.may_share_memory(a, var.value):
                raise TraceRefused(f"the array of variable '{var.path}' used outside an op")
        # A constant: fixed for this signature (regularizer factors, user constants).
        return (_CONST, a.copy())

    # -- hooks called by core.op, tape.backward and Optimizer.apply -------------------------
    def op(self, fn, args, kwargs, n_inputs, multi=False):
        """Run one op call while recording it; return its result Tensor(s)."""
        from tinykeras.autodiff import tape as _tape
        from tinykeras.autodiff.tensor import wrap

        try:
            argspec = [self.spec(a) for a in args]
            kwspec = {k: self.spec(v) for k, v in kwargs.items()}
        except TraceRefused as exc:
            self.stop(str(exc))
            return None  # the caller runs the op the ordinary way
        raw = [plain(_resolve_trace(s, self)) for s in argspec]
        rawkw = {k: plain(_resolve_trace(s, self)) for k, s in kwspec.items()}
        self.in_op += 1
        try:
            out, vjp = fn(*raw, **rawkw)
        finally:
            self.in_op -= 1
        outs, vjps = (out, vjp) if multi else ((out,), (vjp,))
        out_slots, vjp_slots, results = [], [], []
        for o, v in zip(outs, vjps):
            if type(o) is not np.ndarray:
                o = np.asarray(o)
            traced = self.mark(o)
            out_slots.append(self.slot_of[id(traced)])
            vslot = self.new_slot(v)
            self.vjp_slot[id(v)] = vslot
            vjp_slots.append(vslot)
            results.append(wrap(traced))
        self.steps.append(("fwd", fn, argspec, kwspec, out_slots, vjp_slots, multi))
        if _tape._ACTIVE:
            inputs = args[:n_inputs]
            needs = [isinstance(a, Tensor) and a._rg for a in inputs]
            if True in needs:
                for r, v in zip(results, vjps):
                    _tape.record(r, inputs, needs, v)
        return results if multi else results[0]

    def backward(self, nodes, targets, seeds, keep):
        """``tape.backward`` while tracing: the same walk, each vjp call recorded. Returns
        None (after stopping the trace) when the walk cannot be recorded."""
        if any(id(vjp) not in self.vjp_slot for _, _, _, vjp in nodes):
            self.stop("a tape record made outside the traced call")
            return None
        try:
            seed_specs = [None if seeds is None else self.spec(seeds[i])
                          for i in range(len(targets))]
            target_specs = [self.spec(t) for t in targets]
        except TraceRefused as exc:
            self.stop(str(exc))
            return None
        if seeds is None and any(s[0] != _SLOT for s in target_specs):
            self.stop("a gradient target that is not computed by ops")
            return None
        grads, gslot = {}, {}

        def put(key, arr, slot):
            prev = grads.get(key)
            if prev is None:
                grads[key], gslot[key] = arr, slot
            else:  # accumulate as the tape does: a new array prev + g
                total = prev + arr
                self.steps.append(("add", gslot[key], slot, self.new_slot(total)))
                grads[key], gslot[key] = total, len(self.arrays) - 1

        for i, t in enumerate(targets):
            if seeds is None:
                seed = np.ones_like(plain(t.value))
                slot = self.new_slot(seed)
                self.steps.append(("ones", target_specs[i][1], slot))
            else:
                s = seed_specs[i]
                seed = np.asarray(plain(_resolve_trace(s, self)))
                slot = self.new_slot(seed)
                self.steps.append(("set", s, slot))
            put(id(t), seed, slot)
        for out, inputs, needs, vjp in reversed(nodes):
            key = id(out)
            g = grads.get(key) if key in keep else grads.pop(key, None)
            if g is None:
                continue
            gs = gslot[key] if key in keep else gslot.pop(key)
            vslot = self.vjp_slot[id(vjp)]
            results = tuple(vjp(g, needs))
            dests, produced = [], []
            for inp, need, gi in zip(inputs, needs, results):
                if need and gi is not None:
                    gi = plain(np.asarray(gi))
                    slot = self.new_slot(gi)
                    dests.append(slot)
                    produced.append((id(inp), gi, slot))
                else:
                    dests.append(None)
            # One destination per result (a vjp may return more than the op's inputs, as
            # dense's None for a missing bias): the replay unpacks them all.
            dests += [None] * (len(results) - len(dests))
            self.steps.append(("vjp", vslot, gs, needs, dests))
            for key_, gi, slot in produced:  # accumulation steps come after the vjp call
                put(key_, gi, slot)
        # What tape.gradient hands to user code carries the mark, in the same slot.
        for key in keep:
            if key in grads:
                traced = grads[key].view(TracedArray)
                self.slot_of[id(traced)] = gslot[key]
                self.arrays.append(traced)  # keep alive; its slot is gslot[key]
                grads[key] = traced
        return grads

    def optimizer_apply(self, optimizer, grads, variables):
        """Record ``optimizer.apply(grads, variables)``; the caller then runs it, paused."""
        gspecs = []
        for g in grads:
            if g is None:
                gspecs.append((_CONST, None))
                continue
            try:
                s = self.spec(g)
            except TraceRefused as exc:
                self.stop(str(exc))
                return
            if s[0] != _SLOT:
                self.stop("a gradient not computed by the tape reached the optimizer")
                return
            gspecs.append(s)
        variables = None if variables is None else list(variables)
        for v in variables or ():
            self.variables[id(v)] = v
        if optimizer not in self.optimizers:
            self.optimizers.append(optimizer)
        self.steps.append(("apply", optimizer, gspecs, variables))


class _Paused:
    def __init__(self, tracer):
        self.tracer = tracer

    def __enter__(self):
        self.was = self.tracer in ACTIVE
        if self.was:
            ACTIVE.remove(self.tracer)

    def __exit__(self, *exc):
        if self.was and self.tracer.failed is None:
            ACTIVE.append(self.tracer)
        return False


def _geometry(a) -> tuple:
    return (a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)


def _resolve_trace(spec, tracer):
    kind, x = spec
    if kind == _SLOT:
        return tracer.arrays[x]
    if kind == _VAR:
        return x.value
    return x


# -- the plan -------------------------------------------------------------------------------------
class Plan:
    """A recorded call: steps over numbered slots, replayed by ``run`` for a new batch."""

    def __init__(self, tracer, input_slots, output_spec):
        self.input_slots = input_slots
        self.output_spec = output_spec  # nested structure of specs
        self.variables = list(tracer.variables.values())
        self.optimizers = list(tracer.optimizers)
        self.generators = list(tracer.generators.values())
        # The seeds of "ones" steps as constants, so that the traced arrays can go.
        self._steps = [step + (np.ones_like(plain(tracer.arrays[step[2]])),)
                       if step[0] == "ones" else step for step in tracer.steps]
        self._direct = _direct_gradients(self._steps, tracer.arrays, output_spec)
        self._bodies: dict = {}  # door -> generated function, made on first use
        self.steps = len(tracer.steps)

    def run(self, arrays, door=None):
        """Replay on ``arrays`` (one per input slot); return the outputs. ``door`` (see
        ``TracedFunction.door``) names an input the caller has already checked whole."""
        body = self._bodies.get(door)
        if body is None:
            body = self.body(door)
        return body(*arrays)

    def body(self, door=None):
        """The generated function a replay runs for ``door`` (its ``source`` shows it)."""
        body = self._bodies.get(door)
        if body is None:
            if len(self._bodies) >= MAX_PLANS:  # bounded, as the plans themselves
                self._bodies.clear()
            body = self._bodies[door] = _straight_line(
                self._steps, self.input_slots, self.output_spec,
                _door_skips(self._steps, self.input_slots, door), self._direct)
        return body


def _door_skips(steps, input_slots, door) -> set:
    """Indices of the check ops of ``steps`` that ``door`` covers: ops marked with a
    ``door_covered(loss, pred_tail, *static, **static)`` predicate (the data checks of the
    losses) whose checked array is the input the caller checked at its door (or what an op
    marked ``door_identity`` returned of it), with the same rules. Their lines run with
    ``check=False`` (the conversions they also do still run)."""
    if door is None:
        return set()
    position, loss, pred_tail = door
    if position >= len(input_slots):
        return set()
    checked = {input_slots[position]}  # that input, and what identity checks return of it
    skips = set()
    for i, step in enumerate(steps):
        if step[0] != "fwd":
            continue
        _, fn, argspec, kwspec, out_slots, *_ = step
        covered = getattr(fn, "door_covered", None)
        if covered is None or argspec[0][0] != _SLOT or argspec[0][1] not in checked:
            continue
        if any(k != _CONST for k, _ in argspec[1:]) or any(
                k != _CONST for k, _ in kwspec.values()):
            continue
        static = [x for _, x in argspec[1:]]
        if covered(loss, pred_tail, *static, **{k: x for k, (_, x) in kwspec.items()}):
            skips.add(i)
            if getattr(fn, "door_identity", False):  # returns its input unchanged
                checked.add(out_slots[0])
    return skips


def _direct_gradients(steps, arrays, output_spec) -> dict:
    """Gradients that can be written straight into the optimizer's flat buffer: ``{slot:
    view}`` for each gradient that one vjp (of an op whose vjp takes ``out=``) or one
    accumulation produces, that only the flat ``apply`` step reads (its optimizer's only
    one in the plan), with the variable's shape and the buffer's dtype."""
    reads: dict = {}

    def read(slot):
        reads[slot] = reads.get(slot, 0) + 1

    def read_spec(spec):
        if spec[0] == _SLOT:
            read(spec[1])

    producer, vjp_fns = {}, {}
    for step in steps:
        kind = step[0]
        if kind == "fwd":
            _, fn, argspec, kwspec, _, vjp_slots, _ = step
            for sp in (*argspec, *kwspec.values()):
                read_spec(sp)
            for vs in vjp_slots:
                vjp_fns[vs] = fn
        elif kind == "vjp":
            _, vslot, gslot, _, dests = step
            read(gslot)
            for d in dests:
                if d is not None:
                    producer[d] = vslot
        elif kind == "add":  # a gradient accumulated (a weight used twice, a penalty)
            read(step[1])
            read(step[2])
            producer[step[3]] = "add"
        elif kind == "ones":
            read(step[1])
        elif kind == "set":
            read_spec(step[1])
        elif kind == "apply":
            for sp in step[2]:
                read_spec(sp)
    outputs: list = []
    _spec_slots(output_spec, outputs)
    for slot in outputs:
        read(slot)
    # An optimizer applied more than once in the plan keeps copies: two gradients written
    # into its buffer before the first update reads it would overwrite each other.
    applies: dict = {}
    for step in steps:
        if step[0] == "apply":
            applies[id(step[1])] = applies.get(id(step[1]), 0) + 1
    direct = {}
    for step in steps:
        if step[0] != "apply" or applies[id(step[1])] > 1:
            continue
        target = _flat_target(step)
        if target is None:
            continue
        views = target[1]
        for (_, slot), view in zip(step[2], views):
            vslot = producer.get(slot)
            if (vslot is not None and reads.get(slot) == 1
                    and (vslot == "add" or getattr(vjp_fns.get(vslot), "vjp_out", False))
                    and arrays[slot].shape == view.shape and arrays[slot].dtype == view.dtype):
                direct[slot] = view
    return direct


def _spec_slots(spec, out):
    kind = spec[0]
    if kind in ("tensor", "array") and spec[1][0] == _SLOT:
        out.append(spec[1][1])
    elif kind == "seq":
        for s in spec[2]:
            _spec_slots(s, out)
    elif kind == "dict":
        for s in spec[1].values():
            _spec_slots(s, out)


def _flat_target(step):
    """``(grad buffer, per-variable views of it)`` when an ``apply`` step is fit's case:
    every built variable of the optimizer in order, one dtype; else None."""
    _, optimizer, gspecs, variables = step
    built = getattr(optimizer, "_trainable_variables", ())
    if (any(k != _SLOT for k, _ in gspecs) or variables is None
            or not getattr(optimizer, "built", False) or len(optimizer._packed.slabs) != 1
            or len(variables) != len(built) or not all(a is b for a, b in zip(variables, built))):
        return None
    slab = optimizer._packed.slabs[0]
    return slab.grad, [part.grad.reshape(shape) for part, shape in zip(slab.parts, slab.shapes)]


def _straight_line(steps, input_slots, output_spec, skips=frozenset(), direct=None):
    """The recorded steps as one generated Python function ``body(*inputs) -> outputs``, one
    line per op call (``(v5, v7), (v6, v8) = c3(v0, c4.value, c5.value, activation=c6)``...),
    each slot a local variable ``v<slot>``, the inputs its parameters.

    The replay of a small network is dominated by the Python between the NumPy calls: one
    closure per step, argument lists built per call, a lambda per Variable read. Written out
    as straight-line code, each step is a direct call with its argument slots and constants
    fixed in the source, in one frame, its results unpacked into locals. It calls exactly the
    functions the tape called, with the same arguments, in the same order (same results bit
    for bit), with two differences that change no value: check ops in ``skips`` get
    ``check=False`` (their input was checked whole before), and vjps and accumulations whose
    gradients are in ``direct`` write them with ``out=`` into the optimizer's flat buffer (no
    copy before the update). ``apply`` steps are one call each of a closure
    (``_apply_step``)."""
    direct = direct or {}
    consts: dict = {}

    def const(value):
        name = f"c{len(consts)}"
        consts[name] = value
        return name

    def arg(kind, x):
        if kind == _SLOT:
            return f"v{x}"
        if kind == _VAR:
            return f"{const(x)}.value"  # read at each replay: updates are seen
        return const(x)

    def targets(slots):  # the left side of an unpacking: one name per result, _ if unused
        names = [f"v{d}" if d is not None else "_" for d in slots]
        return names[0] + "," if len(names) == 1 else ", ".join(names)

    lines = []
    for index, step in enumerate(steps):
        kind = step[0]
        if kind == "fwd":
            _, fn, argspec, kwspec, out_slots, vjp_slots, multi = step
            call = ", ".join([arg(k, x) for k, x in argspec]
                             + [f"{n}={arg(k, x)}" for n, (k, x) in kwspec.items()]
                             + (["check=False"] if index in skips else []))
            call = f"{const(fn)}({call})"
            if multi:
                lines.append(f"({targets(out_slots)}), ({targets(vjp_slots)}) = {call}")
            else:
                lines.append(f"v{out_slots[0]}, v{vjp_slots[0]} = {call}")
        elif kind == "vjp":
            _, vslot, gslot, needs, dests = step
            outs = [direct.get(d) for d in dests]
            out = f", out={const(tuple(outs))}" if any(o is not None for o in outs) else ""
            lines.append(f"{targets(dests)} = v{vslot}(v{gslot}, {const(needs)}{out})")
        elif kind == "add":
            _, a, b, out = step
            if out in direct:  # the same sum, written where the update reads it
                lines.append(f"v{out} = {const(np.add)}(v{a}, v{b}, out={const(direct[out])})")
            else:
                lines.append(f"v{out} = v{a} + v{b}")
        elif kind == "ones":
            _, src, out, seed = step
            # A copy of the traced seed (np.ones_like and np.ones are Python functions); the
            # guard keeps ones_like's meaning should the target's shape or dtype ever differ.
            ones = const(seed)
            lines.append(f"v{out} = {ones}.copy() if v{src}.shape == {ones}.shape and "
                         f"v{src}.dtype == {ones}.dtype else {const(np.ones_like)}(v{src})")
        elif kind == "set":
            _, (k, x), out = step
            lines.append(f"v{out} = {const(np.asarray)}({arg(k, x)})")
        elif kind == "apply":
            grads = ", ".join("None" if k != _SLOT else f"v{x}" for k, x in step[2])
            lines.append(f"{const(_apply_step(step, direct))}({grads})")
        else:
            raise AssertionError(kind)
    lines.append(f"return {_output_expression(output_spec, const)}")
    params = ", ".join(f"v{s}" for s in input_slots)
    source = f"def body({params}):\n" + "".join(f"    {line}\n" for line in lines)
    namespace = dict(consts)
    exec(compile(source, "<tinykeras replay plan>", "exec"), namespace)  # noqa: S102
    body = namespace["body"]
    body.source = source  # for debugging: what a replay runs
    return body


def _output_expression(spec, const) -> str:
    """Python source building the outputs of ``spec`` from the slot locals (fit's tuple of
    two Tensors becomes ``c9([c10(v18), c10(v10)])``)."""
    from tinykeras.autodiff.tensor import wrap

    kind = spec[0]
    if kind in ("tensor", "array"):
        k, x = spec[1]
        value = f"v{x}" if k == _SLOT else (f"{const(x)}.value" if k == _VAR else const(x))
        return f"{const(wrap)}({value})" if kind == "tensor" else value
    if kind == "seq":
        items = "".join(f"{_output_expression(s, const)}, " for s in spec[2])
        return f"{const(spec[1])}([{items}])"
    if kind == "dict":
        items = "".join(f"{const(k)}: {_output_expression(s, const)}, "
                        for k, s in spec[1].items())
        return f"{{{items}}}"
    return const(spec[1])  # "const"


def _apply_step(step, direct):
    """An ``apply`` step as a closure ``f(*gradients)`` (one per recorded gradient, None where
    there was none): the optimizer update, with its flat-buffer fast path chosen once (the
    other steps are lines of ``_straight_line``)."""
    _, optimizer, gspecs, variables = step
    slots = [x if k == _SLOT else None for k, x in gspecs]
    target = _flat_target(step)
    if target is not None:
        # fit's case: every built variable in order, one dtype. The gradients go into the
        # optimizer's flat buffer (those in ``direct`` are there already, written by their
        # vjps), then the update (what optimizer.apply does after its checks, which the
        # trace already passed for these shapes).
        grad, views = target
        copies = [(views[i], i) for i, s in enumerate(slots) if s not in direct]
        whole = len(copies) == len(slots)  # nothing written directly: one concatenate

        def apply_flat(*grads):
            if CAPTURE:  # verifying: hand the gradients over instead of updating
                CAPTURE[-1].append(_copies(grads))
                return
            if optimizer._packed.slabs[0].grad is not grad:  # rebuilt since the trace
                optimizer.apply(list(grads), variables)
                return
            if whole:
                np.concatenate([g.ravel() for g in grads], out=grad, casting="same_kind")
            else:
                for view, i in copies:
                    np.copyto(view, grads[i], casting="same_kind")
            optimizer.apply_buffered()
        return apply_flat

    def apply(*grads):
        if CAPTURE:  # verifying: hand the gradients over instead of updating
            CAPTURE[-1].append(_copies(grads))
            return
        optimizer.apply(list(grads), variables)
    return apply


# -- tracing a call ------------------------------------------------------------------------------
def signature(args, kwargs, keep=None) -> tuple:
    """The key plans are stored under: shapes and dtypes of arrays, identity of the rest
    (objects keyed by identity are appended to ``keep``: a plan holds them, so that their
    ids cannot be reused by other objects while it lives)."""
    keep = [] if keep is None else keep
    return (_sig(args, keep), _sig(kwargs, keep))


def _container(x) -> bool:
    # An object that batches several arrays (the functional API's MultiArray): ``.arrays``
    # and a constructor taking that list.
    return getattr(type(x), "_plan_container", False)


def _sig(x, keep):
    if isinstance(x, Variable):
        keep.append(x)
        return ("v", id(x))
    if isinstance(x, Tensor):
        return ("t", x.value.shape, x.value.dtype.str, x._rg)
    if isinstance(x, np.ndarray):
        return ("a", x.shape, x.dtype.str)
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, tuple(_sig(i, keep) for i in x))
    if isinstance(x, dict):
        return ("d", tuple((k, _sig(v, keep)) for k, v in x.items()))
    if _container(x):
        return ("m", type(x).__name__, _sig(x.arrays, keep))
    if x is None or isinstance(x, (bool, int, float, str)):
        return ("c", type(x).__name__, x)
    keep.append(x)
    return ("o", id(x))


def _substitute(x, tracer, traced_inputs):
    """Rebuild the arguments with each array leaf marked and registered as an input."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, Tensor):
        arr = tracer.mark(x.value)
        traced_inputs.append(tracer.slot_of[id(arr)])
        t = Tensor.__new__(Tensor)
        t.value, t._rg, t._keras_logits = arr, x._rg, None
        return t
    if isinstance(x, np.ndarray):
        arr = tracer.mark(x)
        traced_inputs.append(tracer.slot_of[id(arr)])
        return arr
    if isinstance(x, (tuple, list)):
        return type(x)(_substitute(i, tracer, traced_inputs) for i in x)
    if isinstance(x, dict):
        return {k: _substitute(v, tracer, traced_inputs) for k, v in x.items()}
    if _container(x):
        return type(x)(_substitute(list(x.arrays), tracer, traced_inputs))
    return x


def _output_spec(x, tracer):
    if isinstance(x, Tensor) and not isinstance(x, Variable):
        return ("tensor", _out_value(x.value, tracer))
    if isinstance(x, Variable):
        return ("tensor", (_VAR, x))
    if isinstance(x, np.ndarray):
        return ("array", _out_value(x, tracer))
    if isinstance(x, (tuple, list)):
        return ("seq", type(x), [_output_spec(i, tracer) for i in x])
    if isinstance(x, dict):
        return ("dict", {k: _output_spec(v, tracer) for k, v in x.items()})
    if x is None or isinstance(x, str):
        return ("const", x)
    # A Python number may have been computed from the batch (metric results, say): the plan
    # could only return the first batch's.
    raise TraceRefused(f"a return value of type {type(x).__name__}")


def _out_value(a, tracer):
    s = tracer.spec(a)
    if s[0] == _CONST and a.ndim:
        raise TraceRefused("a returned array computed outside ops")
    return s


def _plainify(x):
    """Strip tracing marks from what the first (traced) call returns to the caller."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, Tensor):
        if type(x.value) is TracedArray:
            x.value = plain(x.value)
        logits = x._keras_logits
        if logits is not None and type(logits.value) is TracedArray:
            logits.value = plain(logits.value)
        return x
    if isinstance(x, np.ndarray):
        return plain(x)
    if isinstance(x, (tuple, list)):
        return type(x)(_plainify(i) for i in x)
    if isinstance(x, dict):
        return {k: _plainify(v) for k, v in x.items()}
    return x


def trace(fn, args, kwargs):
    """Run ``fn(*args, **kwargs)`` once while recording; return ``(plan, result, reason)``.

    The call always completes with the right result: where the code does something a plan
    cannot capture, recording stops there, the rest runs as ordinary tape code, and ``plan``
    is None with ``reason`` saying why.
    """
    tracer = Tracer()
    inputs: list = []
    t_args = _substitute(list(args), tracer, inputs)
    t_kwargs = _substitute(dict(kwargs), tracer, inputs)
    ACTIVE.append(tracer)
    try:
        result = fn(*t_args, **t_kwargs)
        spec = None
        if tracer.failed is None:
            try:
                spec = _output_spec(result, tracer)
            except TraceRefused as exc:
                tracer.stop(str(exc))
    finally:
        if tracer in ACTIVE:
            ACTIVE.remove(tracer)
    result = _plainify(result)
    if tracer.failed is not None:
        return None, result, tracer.failed
    return Plan(tracer, inputs, spec), result, None


def _flatten(x, out, outputs=False):
    """Append the arrays of a nested call structure to ``out``, in order: ndarrays and Tensor
    values, through tuples, lists, dicts and containers. For inputs (the default) Variables
    and other values are left out (a plan reads Variables itself); for ``outputs`` a
    Variable's value is kept and any other value as an object array, so comparing two
    results sees it."""
    if isinstance(x, Tensor):
        if outputs or not isinstance(x, Variable):
            out.append(x.value)
    elif isinstance(x, np.ndarray):
        out.append(x)
    elif isinstance(x, (tuple, list)):
        for i in x:
            _flatten(i, out, outputs)
    elif isinstance(x, dict):
        for i in x.values():
            _flatten(i, out, outputs)
    elif _container(x):
        _flatten(x.arrays, out, outputs)
    elif outputs:
        out.append(np.asarray(x, dtype=object))


# -- state snapshots (for verification and check mode) ------------------------------------------
def _state_arrays(variables, optimizers):
    """The arrays a replay may change other than through an optimizer update: variables the
    plan reads that no optimizer of the plan owns (moving statistics, say)."""
    owned = set()
    for opt in optimizers:
        if getattr(opt, "built", False):
            for slab in opt._packed.slabs:
                owned.add(id(slab.var))
    arrays = {}
    for v in variables:
        base = v.value.base if v.value.base is not None else v.value
        if id(base) not in owned:
            arrays[id(v.value)] = v.value
    return list(arrays.values())


def _copies(grads):
    return [None if g is None else np.array(getattr(g, "value", g), copy=True) for g in grads]


def _rng_states(generators):
    from tinykeras.backend import global_rng

    return [g.bit_generator.state if isinstance(g, np.random.Generator) else g.state
            for g in [global_rng(), *generators]]


def _set_rng_states(generators, states):
    from tinykeras.backend import global_rng

    for g, state in zip([global_rng(), *generators], states):
        (g.bit_generator if isinstance(g, np.random.Generator) else g).state = state


def _snapshot(arrays, generators):
    return [a.copy() for a in arrays], _rng_states(generators)


def _restore(arrays, generators, snap):
    copies, states = snap
    for a, c in zip(arrays, copies):
        a[...] = c
    _set_rng_states(generators, states)


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def jit_mode(jit_compile) -> str:
    """Normalize ``jit_compile`` to "off", "auto", "on" or "check" (the env var may force
    "check" wherever tracing is allowed)."""
    if jit_compile in (False, None, "off"):
        return "off"
    if jit_compile == "check" or os.environ.get("TINYKERAS_JIT_CHECK", "") not in ("", "0"):
        return "check"
    if jit_compile is True or jit_compile == "on":
        return "on"
    if jit_compile == "auto":
        return "auto"
    raise ValueError(
        "`jit_compile` must be True, False, 'auto' or 'check'. "
        f"Received: jit_compile={jit_compile!r}"
    )


class TracedFunction:
    """``fn`` traced on its first call per signature and replayed after (see the module doc).

    Args:
        fn: the function (its Python code runs on the first call of each signature).
        jit_compile: "auto" (refuse silently), True (warn once with the reason), "check"
            (replay and tape side by side on every call; raise ``PlanMismatch``), False (never
            trace: ``fn`` runs every time).
        key: a function returning extra signature parts (e.g. a model's structure).
        name: for messages.
    """

    def __init__(self, fn, jit_compile="auto", key=None, name=None):
        self.fn = fn
        self.mode = jit_mode(jit_compile)
        self.key = key
        self.name = name or getattr(fn, "__qualname__", "function")
        self.plans: dict = {}
        self.refused: dict = {}
        # (input position, loss, prediction shape after the batch axis) while the caller
        # has checked that input whole against that loss (fit's door, for arrays): replays
        # then skip the losses' per-batch checks of it (``_door_skips``). None: check all.
        self.door = None
        # (x shape, y shape, x dtype, y dtype, door, structure key, body) of the last replay
        # of fit's (x, y, None) step: the next step with the same ones skips the lookups.
        self._last = None
        self._warned = False
        self.last_reason = None
        self.__wrapped__ = fn
        self.__doc__ = getattr(fn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        last = self._last
        if last is not None and len(args) == 3 and args[2] is None and not kwargs:
            # fit's step, same shapes as the step before (every step but the first ones and
            # the epoch's last): the plan's function directly, without building the key.
            x, y = args[0], args[1]
            if (type(x) is np.ndarray and type(y) is np.ndarray and x.shape == last[0]
                    and y.shape == last[1] and x.dtype is last[2] and y.dtype is last[3]
                    and self.door is last[4] and self.key() is last[5] and not ACTIVE
                    and not debugging.ENABLED):
                return last[6](x, y)
        if self.mode == "off" or ACTIVE or debugging.ENABLED:
            # Inside another trace: record inline. check_numerics watches every op call on
            # the tape, which a replay would go around.
            return self.fn(*args, **kwargs)
        keep: list = []
        if len(args) == 3 and not kwargs and type(args[0]) is np.ndarray \
                and type(args[1]) is np.ndarray and args[2] is None:
            # fit's case without sample weights, once per step: no generator expressions
            x, y, _ = args
            key = ((x.shape, x.dtype.str), (y.shape, y.dtype.str), None)
            arrays = [x, y]
        elif not kwargs and all(type(a) is np.ndarray or a is None for a in args):
            # fit's case, (x, y, sample_weight): the key and the inputs without recursion
            key = tuple(None if a is None else (a.shape, a.dtype.str) for a in args)
            arrays = [a for a in args if a is not None]
        else:
            key = signature(args, kwargs, keep)
            arrays = None
        if self.key is not None:
            key = (key, self.key())
        entry = self.plans.get(key)
        if entry is None:
            if key in self.refused:
                return self.fn(*args, **kwargs)
            return self._trace(key, args, kwargs, keep)
        plan, verified = entry
        if self.mode == "check" or not verified:
            return self._compare(key, plan, args, kwargs)
        if arrays is None:
            arrays = []
            _flatten([list(args), dict(kwargs)], arrays)
        elif len(args) == 3 and args[2] is None and self.key is not None:
            x, y = args[0], args[1]
            body = plan.body(self.door)
            self._last = (x.shape, y.shape, x.dtype, y.dtype, self.door, self.key(), body)
            return body(x, y)
        return plan.run(arrays, self.door)

    def _trace(self, key, args, kwargs, keep):
        self._last = None
        plan, result, reason = trace(self.fn, args, kwargs)
        if plan is None:
            self._refuse(key, reason)
        else:
            plan.keep = keep  # the objects its key names by identity stay alive with it
            if len(self.plans) >= MAX_PLANS:  # bounded: drop the oldest signature
                self.plans.pop(next(iter(self.plans)))
            self.plans[key] = (plan, False)
        return result

    def _refuse(self, key, reason):
        self.last_reason = reason
        if len(self.refused) >= MAX_PLANS:
            self.refused.pop(next(iter(self.refused)))
        self.refused[key] = reason
        if self.mode == "on" and not self._warned:
            self._warned = True
            warnings.warn(
                f"jit_compile=True: could not trace {self.name} ({reason}); running it on the "
                "tape instead (results are the same, only slower).",
                stacklevel=4,
            )

    def _compare(self, key, plan, args, kwargs):
        """Run the replay, then the tape, from the same state; compare outputs, the gradients
        handed to each optimizer update, other state changes and the random generator. The
        replay hands its gradients over instead of updating, so every update (and any
        collective inside it, as MPI's Allreduce) runs once, on the tape."""
        state = _state_arrays(plan.variables, plan.optimizers)
        before = _snapshot(state, plan.generators)
        arrays: list = []
        _flatten([list(args), dict(kwargs)], arrays)
        CAPTURE.append([])
        try:
            replayed = plan.run(arrays, self.door)
        finally:
            replay_grads = CAPTURE.pop()
        replay_out: list = []
        _flatten(replayed, replay_out, outputs=True)
        replay_out = [np.array(a, copy=True) for a in replay_out]
        replay_state = [a.copy() for a in state]
        replay_rng = _rng_states(plan.generators)
        _restore(state, plan.generators, before)
        CAPTURE.append([])
        try:
            result = self.fn(*args, **kwargs)
        finally:
            tape_grads = CAPTURE.pop()
        tape_out: list = []
        _flatten(result, tape_out, outputs=True)
        problem = _difference(
            [("output", replay_out, tape_out), ("state", replay_state, state)]
            + [(f"gradient for update {i}", a, b)
               for i, (a, b) in enumerate(zip(replay_grads, tape_grads))])
        if problem is None and len(replay_grads) != len(tape_grads):
            problem = "a different number of optimizer updates"
        if problem is None and replay_rng != _rng_states(plan.generators):
            problem = "a different number of random draws"
        if problem is not None:
            self._last = None
            self.plans.pop(key, None)
            if self.mode == "check":
                raise PlanMismatch(f"{self.name}: the replayed plan and the tape disagree: "
                                   f"{problem}.")
            self._refuse(key, f"the replay did not match the tape ({problem})")
        else:
            self.plans[key] = (plan, True)
        return result


class checked_inputs:  # noqa: N801 - used like a function, in a with statement
    """Context manager: set ``door`` on each of ``functions`` that is a ``TracedFunction``
    while the block runs (fit, for arrays it has checked whole), and clear it after."""

    def __init__(self, functions, door):
        self.functions = [f for f in functions if isinstance(f, TracedFunction)]
        self.door = door

    def __enter__(self):
        for f in self.functions:
            f.door = self.door

    def __exit__(self, *exc):
        for f in self.functions:
            f.door = None
        return False


def _difference(groups):
    """The first difference between paired lists of arrays, as words; None if all equal."""
    for what, a_list, b_list in groups:
        if len(a_list) != len(b_list):
            return f"a different number of {what}s"
        for i, (a, b) in enumerate(zip(a_list, b_list)):
            if (a is None) != (b is None) or (a is not None and not _same(a, b)):
                return f"{what} {i} differs"
    return None


def function(func=None, *, jit_compile="auto", reduce_retracing=False, input_signature=None,
             autograph=True, experimental_relax_shapes=None, **kwargs):
    """Trace ``func`` on its first call per signature and replay it after (``tf.function``).

    Decorate a custom training step that uses ``GradientTape`` and
    ``optimizer.apply_gradients``: each later call with arrays of the same shapes and dtypes
    (and the same other arguments) replays the recorded ops and the update, bit for bit what
    the Python code would compute. Where the code cannot be captured (see the module
    docstring) the function simply runs as written, every time. ``jit_compile`` is as in
    ``Model.compile`` ("auto", True, False, "check"); the other ``tf.function`` arguments are
    accepted for compatibility and change nothing.

    >>> import tinykeras as tk
    >>> w = tk.Variable([1.0, 2.0])
    >>> @tk.function
    ... def step(x):
    ...     with tk.GradientTape() as tape:
    ...         loss = tk.ops.sum(w * x)
    ...     return tape.gradient(loss, w)
    >>> step(np.array([3.0, 4.0], dtype="float32")).numpy()
    array([3., 4.], dtype=float32)
    """
    if func is None:
        return lambda f: function(f, jit_compile=jit_compile)
    return _Function(func, jit_compile)


class _Function(TracedFunction):
    """A ``TracedFunction`` that also works as a method decorator (one per instance)."""

    def __init__(self, func, jit_compile):
        super().__init__(func, jit_compile, name=getattr(func, "__qualname__", None))
        self._jit_compile = jit_compile
        self._bound: dict = {}

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        bound = self._bound.get(id(obj))
        if bound is None or bound[0]() is not obj:
            import functools
            import weakref

            traced = TracedFunction(functools.partial(self.fn, obj), self._jit_compile,
                                    name=self.name)
            try:
                ref = weakref.ref(obj)
            except TypeError:
                return traced
            if len(self._bound) >= MAX_PLANS:
                self._bound.pop(next(iter(self._bound)))
            self._bound[id(obj)] = bound = (ref, traced)
        return bound[1]
