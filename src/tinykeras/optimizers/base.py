"""``Optimizer``: the Keras 3 optimizer contract, running on flat NumPy buffers."""

import inspect
import math
import numbers
import operator
import re
import warnings

import numpy as np

from tinykeras.autodiff import plan as _plan
from tinykeras.autodiff.tensor import Tensor, Variable, wrap
from tinykeras.backend import floatx
from tinykeras.errors import InvalidArgumentError, InvalidTypeError, NonFiniteGradientError
from tinykeras.optimizers import fused, schedules, transforms
from tinykeras.optimizers.flat import Packed, scalar_variable
from tinykeras.utils import validation
from tinykeras.utils.naming import to_snake_case, unique_name

# The common arguments and their defaults, in Keras's get_config order (after name and
# learning_rate); __repr__ leaves out the ones still at their default.
_COMMON_DEFAULTS = dict(
    weight_decay=None, clipnorm=None, global_clipnorm=None, clipvalue=None, use_ema=False,
    ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
    gradient_accumulation_steps=None
)  # fmt: skip


def _integer(name, value, low):
    """Return ``value`` (None or an int >= low), else raise Keras's message."""
    if value is not None and (not isinstance(value, numbers.Integral) or value < low):
        raise InvalidArgumentError(
            f"`{name}` must be an integer >= {low}. Received: {name}={value}"
        )
    return value


class Optimizer:
    """Base class of the optimizers; owns ``iterations``, the learning rate, gradient clipping,
    weight decay, EMA, gradient accumulation and the packed state.

    Args (common to every optimizer; subclasses take them as keyword arguments):
        learning_rate: a float >= 0 (kept in a non-trainable float Variable), a
            ``schedules.LearningRateSchedule`` evaluated at ``iterations`` before each step,
            or a callable with no arguments. The Keras 2 alias ``lr=`` is accepted too.
        weight_decay: if set, each step first does ``var -= var * weight_decay * lr`` on every
            variable not excluded by ``exclude_from_weight_decay`` (decoupled decay).
        clipnorm: clip each variable's gradient to this L2 norm.
        clipvalue: clip every gradient element into ``[-clipvalue, clipvalue]``.
        global_clipnorm: scale all gradients together so their joint L2 norm is at most this.
            At most one of ``clipnorm``, ``clipvalue`` and ``global_clipnorm`` may be set.
        use_ema: keep an exponential moving average of the variables (``average =
            ema_momentum * average + (1 - ema_momentum) * var``, starting at the first value).
        ema_momentum: the EMA momentum, in [0, 1].
        ema_overwrite_frequency: with ``use_ema``, copy the averages into the variables every
            this many steps; with None, only ``finalize_variable_values`` does.
        loss_scale_factor: gradients are divided by this before use (``scale_loss`` multiplies).
        gradient_accumulation_steps: update only every this many calls (>= 2), with the mean
            of the gradients since the last update; ``iterations`` then counts updates.
        name: the name; defaults to the snake-case class name made unique (``adam_1``).

    Your own optimizer, as Keras's guide writes one: subclass ``Optimizer``, create slots in
    ``build(var_list)`` (after ``super().build(var_list)``) with
    ``add_variable_from_reference(variable, "name")`` or ``add_variable(shape)``, and write
    ``update_step(gradient, variable, learning_rate)`` for one variable (a ``Variable`` and a
    Tensor of its shape; update with ``variable.assign(...)`` or ``self.assign(...)``; find a
    slot with ``self._get_variable_index(variable)``). Clipping, weight decay, EMA, gradient
    accumulation and constraints still come from this class.

    How tinykeras's own optimizers work: ``_slot_groups()`` lists their slots (Keras build
    order), and ``update_step(gradient, variable, learning_rate)`` updates ``variable`` in
    place with ``t = self._t`` (iterations + 1). ``variable`` and ``gradient`` are 1-D
    arrays: the flat buffer of every variable of one dtype (see ``flat.py``), or one
    variable's slice of it when only some variables get gradients.
    ``self._segment(variable)`` gives their slots, two scratch buffers and ``consts(...)``,
    which turns per-step Python floats into 0-d arrays of the variable dtype. Every
    operation is an in-place ufunc, so a step allocates nothing.
    """

    def __init__(
        self,
        learning_rate,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        if "lr" in kwargs:
            # Keras 2 spelling, used by course code; Keras 3 would reject it.
            learning_rate = kwargs.pop("lr")
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.", stacklevel=3
            )
        if kwargs:
            known = list(inspect.signature(type(self).__init__).parameters) + list(
                inspect.signature(Optimizer.__init__).parameters)
            hint = validation.did_you_mean(next(iter(kwargs)), known)
            raise InvalidArgumentError(f"Argument(s) not recognized: {kwargs}.{hint}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.weight_decay = self._number("weight_decay", weight_decay, optional=True)
        self.clipnorm = self._number("clipnorm", clipnorm, optional=True)
        self.clipvalue = self._number("clipvalue", clipvalue, optional=True)
        self.global_clipnorm = self._number("global_clipnorm", global_clipnorm, optional=True)
        clips = (clipnorm, clipvalue, global_clipnorm)
        if sum(c is not None for c in clips) > 1:
            raise InvalidArgumentError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.use_ema = bool(use_ema)
        self.ema_momentum = self._number("ema_momentum", ema_momentum, high=1.0)
        self.ema_overwrite_frequency = _integer(
            "ema_overwrite_frequency", ema_overwrite_frequency, 1
        )
        self.loss_scale_factor = self._number("loss_scale_factor", loss_scale_factor, optional=True)
        if self.loss_scale_factor == 0:
            raise InvalidArgumentError(
                "`loss_scale_factor` must be > 0. Received: loss_scale_factor=0"
            )
        self.gradient_accumulation_steps = _integer(
            "gradient_accumulation_steps", gradient_accumulation_steps, 2
        )
        self.built = False
        self._iterations = scalar_variable(0, "int32", name="iteration")
        self._iterations.path = f"{self.name}/iteration"
        self._learning_rate = None
        self.learning_rate = learning_rate
        self._trainable_variables = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_targets = []
        self._own_slots = []  # add_variable's, for a subclass written as Keras's guide does
        self._t = 1
        # Data parallelism's hook (tinykeras.distribute installs it for the length of a fit):
        # called with the flat gradient arrays of a step before anything else uses them.
        self.gradient_reducer = None

    def _number(self, name, value, optional=False, low=0.0, high=math.inf, open_high=False):
        """Return ``value`` as a Python float after checking it lies in [low, high]."""
        if value is None and optional:
            return None
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value) and (
                low <= value < high if open_high else low <= value <= high)
        if not ok:
            bracket = ")" if open_high else "]"
            raise InvalidArgumentError(
                f"{type(self).__name__}: argument `{name}` must be a float in [{low}, {high}"
                f"{bracket}. Received: {name}={value!r}"
            )
        return value

    # -- learning rate and iterations ---------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied so far: a non-trainable int32 Variable."""
        if self.gradient_accumulation_steps:
            return Tensor(self._iterations.value // self.gradient_accumulation_steps)
        return self._iterations

    @property
    def learning_rate(self):
        """The current rate: the float Variable, or the schedule's value at ``iterations``."""
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        return Tensor(np.asarray(self._current_learning_rate(), dtype=floatx()))

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise InvalidTypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument."
            )
        if isinstance(value, (Tensor, np.ndarray)) and np.size(value) == 1:
            value = np.asarray(value).item()
        if not isinstance(value, numbers.Real) or isinstance(value, bool) or not (
            math.isfinite(value) and value >= 0
        ):
            raise InvalidArgumentError(
                "Argument `learning_rate` should be a float >= 0, a LearningRateSchedule, or a "
                f"callable that returns the rate. Received instead: learning_rate={value!r}"
            )
        if isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(value)
        else:
            lr = scalar_variable(value, floatx(), name="learning_rate")
            lr.path = f"{self.name}/learning_rate"
            self._learning_rate = lr

    def _current_learning_rate(self) -> float:
        lr = self._learning_rate
        if type(lr) is Variable:
            return float(lr.value)
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(int(self._iterations.value)))
        return float(lr())

    # -- state ---------------------------------------------------------------------------------
    def _slot_groups(self) -> list:
        """Return the slots as groups of ``(name, initial value)``; each group is created
        interleaved per variable, group after group, as Keras's build order."""
        return []

    def build(self, variables) -> None:
        """Create the slots for ``variables`` and pack variables and slots into flat buffers.

        Does nothing if already built (as in Keras). Variables are grouped by dtype; each is
        rebound to a view of its group's buffer, so its values and shape are unchanged.
        """
        if self.built:
            return
        variables = list(variables)
        for v in variables:
            if not isinstance(v, Variable) or v.value.dtype.kind != "f":
                got = f"dtype {v.dtype}" if isinstance(v, Variable) else type(v).__name__
                raise InvalidArgumentError(
                    f"Optimizer '{self.name}' can only update float Variables. "
                    f"Received: {got} ({v!r:.80})."
                )
        extra = {"average": 0.0} if self.use_ema else {}
        if self.gradient_accumulation_steps:
            extra["gradient_accumulator"] = 0.0
        groups = [[item] for item in extra.items()] + self._slot_groups()
        self._packed = Packed(variables, groups, extra, self.name)
        self._trainable_variables = variables
        self.built = True
        self._find_decay_targets()

    def _segment(self, variable):
        """Return the ``Segment`` (slots, scratch) of a flat array passed to ``update_step``."""
        try:
            return self._packed.segments[id(variable)]
        except KeyError:
            raise InvalidArgumentError(
                f"Optimizer '{self.name}': update_step() works on the flat arrays made by "
                "build(); call apply() or apply_gradients() instead."
            ) from None

    @property
    def variables(self) -> list:
        """The state in Keras order: iterations, learning_rate (unless a schedule or a
        callable), then the slot variables in build order."""
        lr = [self._learning_rate] if isinstance(self._learning_rate, Variable) else []
        slots = self._packed.slot_variables if self.built else []
        return [self._iterations, *lr, *slots, *self._own_slots]

    def save_own_variables(self, store) -> None:
        """Write ``variables`` into ``store`` under the keys "0", "1"... (Keras layout)."""
        for i, v in enumerate(self.variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store) -> None:
        """Assign ``variables`` from ``store``; warn and skip if the counts differ (Keras)."""
        mine = self.variables
        if len(store.keys()) != len(mine):
            warnings.warn(
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(mine)} variables whereas the saved optimizer has {len(store.keys())} "
                "variables. ",
                stacklevel=2,
            )
            return
        for i, v in enumerate(mine):
            v.assign(np.asarray(store[str(i)]))

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        """Exclude the Variables in ``var_list``, and any variable whose name contains one of
        the strings in ``var_names`` (e.g. ``["bias"]``), from weight decay."""
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None
        self._find_decay_targets()

    def _use_weight_decay(self, variable) -> bool:
        if self.weight_decay is None or id(variable) in self._exclude_ids:
            return False
        pattern = self._exclude_pattern
        return pattern is None or pattern.search(variable.name) is None

    def _find_decay_targets(self) -> None:
        if self.built:
            slabs = self._packed.slabs
            self._decay_targets = transforms.decay_targets(slabs, self._use_weight_decay)

    # -- one step ------------------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Apply ``zip(grads, variables)``; returns ``iterations`` (as tf.keras did)."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply([_check_gradient(g, v, self.name) for g, v in pairs], variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None) -> None:
        """Update ``trainable_variables`` (default: the built ones) in place with ``grads``.

        Gradients may be arrays, Tensors or None (skipped, with a warning, as Keras does).
        The first call builds the optimizer; later calls may pass any of the built variables,
        in any order, and raise ValueError for a variable it was not built with.
        """
        if not isinstance(grads, (list, tuple)):
            grads = list(grads)
        if not grads:
            return
        if _plan.CAPTURE:  # a plan is being verified: note the gradients the tape gives
            _plan.CAPTURE[-1].append(_plan._copies(grads))
        if _plan.ACTIVE:  # tracing: record the update as one step, then run it unrecorded
            tracer = _plan.ACTIVE[-1]
            tracer.optimizer_apply(self, grads, trainable_variables)
            with tracer.pause():
                grads = [None if g is None else _plan.plain(getattr(g, "value", g))
                         for g in grads]
                return self.apply(grads, trainable_variables)
        if trainable_variables is None:
            if not self.built:
                raise InvalidArgumentError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            variables = self._trainable_variables
        else:
            variables = trainable_variables
            if not isinstance(variables, (list, tuple)):
                variables = list(variables)
            if not self.built:
                self.build(variables)
        if len(grads) != len(variables):
            raise InvalidArgumentError(
                f"Optimizer '{self.name}' received {len(grads)} gradients for "
                f"{len(variables)} variables; they must match one to one."
            )
        built = self._trainable_variables
        if (
            variables is built
            or (len(variables) == len(built) and all(map(operator.is_, variables, built)))
        ) and self._packed.gather(grads):
            # The training loop's case: every built variable in build order, so one update
            # per dtype on the whole flat buffers.
            packed = self._packed
            self._step(packed.whole, packed.parts, variables, self._decay_targets)
        else:
            self._apply_subset(grads, variables)

    def gradient_buffers(self) -> list | None:
        """Views of the flat gradient buffer, one per built variable in build order, for a
        training step that writes its gradients in place (``apply_buffered`` then updates).
        None when the variables span several dtypes (one buffer each)."""
        if not self.built or len(self._packed.slabs) != 1:
            return None
        slab = self._packed.slabs[0]
        return [slab.grad[s:e].reshape(shape) for (s, e), shape in zip(slab.spans, slab.shapes)]

    def apply_buffered(self) -> None:
        """Update every built variable from the gradients already in ``gradient_buffers()``."""
        packed = self._packed
        packed.slabs[0].rebind_if_moved()
        self._step(packed.whole, packed.parts, self._trainable_variables, self._decay_targets)

    def _apply_subset(self, grads, variables) -> None:
        """Apply to some of the built variables (or all, reordered): one update each."""
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise InvalidArgumentError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [v.path for g, v in zip(grads, variables) if g is None]
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        parts = self._packed.gather_parts(kept)
        targets = [p.var for p in parts if self._use_weight_decay(p.variable)]
        self._step(parts, parts, [v for _, v in kept], targets)

    def _step(self, segments, parts, variables, decay_targets) -> None:
        """The body of Keras's apply, once the gradients sit in the flat buffers: unscale,
        accumulate, clip, decay, update, EMA, constraints, count.

        ``gradient_reducer``, when set, first gets the list of 1-D gradient arrays (one per
        segment) and reduces them in place across processes, so that unscaling, clipping and
        the update all see the global gradient. Every training path (``apply``, the buffered
        compiled step) comes through here, so the hook cannot be bypassed."""
        if self.gradient_reducer is not None:
            self.gradient_reducer([seg.grad for seg in segments])
        # A NaN/inf gradient stops the step before anything changes (fit then says which
        # batch), instead of spreading into the weights; replays come through here too.
        _check_finite_gradients(segments, parts)
        iterations = int(self._iterations.value)
        if self.loss_scale_factor is not None:
            for seg in segments:
                seg.grad /= self.loss_scale_factor
        steps = self.gradient_accumulation_steps
        update = not steps or (iterations + 1) % steps == 0
        if steps:
            for seg in segments:
                seg.accumulator += seg.grad
                if update:  # use the mean of the accumulated gradients, then start over
                    np.divide(seg.accumulator, steps, out=seg.grad)
                    seg.accumulator.fill(0)
        if update:
            if self.clipnorm or self.clipvalue or self.global_clipnorm:
                transforms.clip_gradients(
                    segments, parts, self.clipnorm, self.clipvalue, self.global_clipnorm
                )
            learning_rate = self._current_learning_rate()
            if decay_targets:
                transforms.apply_weight_decay(decay_targets, self.weight_decay, learning_rate)
            self._t = (iterations // steps if steps else iterations) + 1
            self._update_all(segments, learning_rate)
        if self.use_ema:
            ema_iterations = iterations // steps if steps else iterations
            freq = self.ema_overwrite_frequency
            transforms.update_moving_average(
                self._packed.slabs,
                # The first step copies the variables (momentum 0), as in Keras.
                self.ema_momentum if ema_iterations != 0 else 0.0,
                bool(freq) and (ema_iterations + 1) % freq == 0,
            )
        for v in variables:
            if v.constraint is not None:
                v.assign(v.constraint(v))
        self._iterations.value[()] = iterations + 1
        if (iterations + 1) % 100 == 0:
            for slab in self._packed.slabs:
                slab.flush_denormals()

    def _update_all(self, segments, learning_rate: float) -> None:
        """Run ``update_step`` on each segment (Keras's ``_backend_update_step``): on the
        flat buffers for tinykeras's optimizers, one variable at a time (Keras's contract)
        for a subclass that brings its own ``update_step``."""
        if self._flat_update_step():
            for seg in segments:
                self.update_step(seg.grad, seg.var, learning_rate)
            return
        parts = self._packed.parts if segments and segments[0].variable is None else segments
        for part in parts:
            gradient = wrap(part.grad.reshape(part.view.shape))
            self.update_step(gradient, part.variable, learning_rate)

    def _flat_update_step(self) -> bool:
        """True when ``update_step`` is one of tinykeras's own (written for flat buffers)."""
        # The method's own module says who wrote it, in one attribute lookup: walking the MRO
        # for the owning class cost more than a few microseconds on every training step.
        method = type(self).update_step
        return getattr(method, "__module__", "").startswith("tinykeras.optimizers")

    # -- Keras's API for optimizer subclasses (per-variable update_step) -----------------
    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     name=None):
        """Create and track a slot variable of ``shape`` (listed in ``variables``)."""
        from tinykeras import initializers

        dtype = dtype or floatx()
        value = initializers.get(initializer)(tuple(shape), dtype=dtype)
        slot = Variable(value, dtype=dtype, trainable=False, name=name or "variable")
        slot.path = f"{self.name}/{slot.name}"
        self._own_slots.append(slot)
        return slot

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Create a slot variable shaped like ``reference_variable`` (Keras's name scheme:
        ``<variable path with _ for />_<name>``)."""
        slot = self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)
        slot.name = f"{reference_variable.path.replace('/', '_')}_{name}"
        slot.path = f"{self.name}/{slot.name}"
        return slot

    def _get_variable_index(self, variable) -> int:
        """The position of ``variable`` among the variables the optimizer was built with."""
        for i, v in enumerate(self._trainable_variables):
            if v is variable:
                return i
        raise InvalidArgumentError(
            f"Optimizer '{self.name}' was not built with variable '{variable.path}'.")

    def assign(self, variable, value):
        """``variable.assign(value)`` (Keras's optimizer helper)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """``variable.assign_add(value)``."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """``variable.assign_sub(value)``."""
        variable.assign_sub(value)

    def update_step(self, gradient, variable, learning_rate: float) -> None:
        """Update ``variable`` (a 1-D array) in place from ``gradient``; see the class doc."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def finalize_variable_values(self, var_list) -> None:
        """With ``use_ema``, overwrite the variables in ``var_list`` with their averages."""
        if self.use_ema and self.built:
            for v in var_list:
                part = self._packed.part_of[id(v)]
                part.var[...] = part.average

    def scale_loss(self, loss):
        """Return ``loss * loss_scale_factor`` (or ``loss`` when no factor is set)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- config --------------------------------------------------------------------------------
    _config_keys: tuple = ()

    def get_config(self) -> dict:
        """Return the constructor arguments as a dict, with Keras's keys and order."""
        lr = self._learning_rate
        if isinstance(lr, Variable):
            lr = float(lr.numpy())
        elif isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        config = {"name": self.name, "learning_rate": lr}
        config.update({key: getattr(self, key) for key in _COMMON_DEFAULTS})
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        """Create an optimizer (without state) from ``get_config()`` output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self):
        config = self.get_config()
        lr = self._learning_rate
        # The rate as its dtype prints it (0.001, not 0.0010000000474974513), or the schedule.
        config["learning_rate"] = _Raw(str(lr.value)) if isinstance(lr, Variable) else lr
        shown = [
            f"{k}={v!r}"
            for k, v in config.items()
            if k not in _COMMON_DEFAULTS or v != _COMMON_DEFAULTS[k]
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def _check_gradient(gradient, variable, who):
    """A user's gradient for ``variable``: numeric, of its shape, finite (or None), so a bad
    one is refused before any variable or slot changes."""
    if gradient is None:
        return None
    g = np.asarray(getattr(gradient, "value", gradient))
    path = getattr(variable, "path", "?")
    if g.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"Optimizer '{who}': the gradient for variable '{path}' must be numeric. Received "
            f"an array of dtype {g.dtype}."
        )
    shape = getattr(getattr(variable, "value", None), "shape", None)
    if shape is not None and g.shape != shape:
        raise InvalidArgumentError(
            f"Gradient for variable '{path}' has shape {g.shape}, but the variable has shape "
            f"{shape}."
        )
    validation.check_finite(f"gradient for variable '{path}'", g, who=f"Optimizer '{who}'")
    return gradient


class _Raw(str):
    """A string whose repr is itself (for __repr__ output)."""

    def __repr__(self):
        return str(self)


def _check_finite_gradients(segments, parts) -> None:
    """Raise ``NonFiniteGradientError`` naming the first variable whose gradient holds NaN or
    infinity. One BLAS dot per buffer with zeros tells (its result is NaN exactly when an
    entry is: inf * 0 and NaN * 0 are NaN, any finite * 0 is 0), with no temporary and no
    overflow: about one read of the gradients per step."""
    for seg in segments:
        grad = seg.grad
        if grad.dtype.kind != "f":
            continue
        bad = fused.has_nonfinite(grad)  # one compiled pass over large buffers, if numba
        if bad is None:
            bad = math.isnan(np.dot(grad, _zeros(grad.size, grad.dtype)))
        if not bad:
            continue
        for part in parts:
            values = part.grad
            if not np.isfinite(values).all():
                what = "NaN" if np.isnan(values).any() else "infinity"
                path = getattr(part.variable, "path", "?")
                raise NonFiniteGradientError(
                    f"the gradient of variable '{path}' holds {what}, so the update was not "
                    "applied (look for sqrt, log or a division at 0 in a custom loss or layer)")
        raise NonFiniteGradientError("a gradient holds NaN or infinity")


_ZEROS: dict = {}


def _zeros(n, dtype):
    """A read-only vector of ``n`` zeros (a view of one cached buffer per dtype)."""
    buf = _ZEROS.get(dtype)
    if buf is None or buf.size < n:
        buf = _ZEROS[dtype] = np.zeros(max(n, 1024), dtype)
        buf.flags.writeable = False
    return buf[:n]
