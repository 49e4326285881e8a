"""Learning-rate schedules: callables from the optimizer step to a learning rate.

An optimizer given a schedule evaluates it at ``iterations`` (before the increment) on every
step. A schedule called on a step returns a NumPy scalar of floatx (Keras computes in the
dtype of ``initial_learning_rate``, a float32 tensor); called on an array of steps it returns
an array, which is handy for plotting.
"""

import math

import numpy as np

from tinykeras.autodiff.tensor import Tensor
from tinykeras.backend import floatx
from tinykeras.errors import InvalidArgumentError


def _as_float(x, dtype):
    return np.asarray(x.value if isinstance(x, Tensor) else x, dtype=dtype)


def _check_decay_steps(decay_steps):
    from tinykeras.utils.validation import check_float

    if isinstance(decay_steps, (int, float, np.number)) and not isinstance(decay_steps, bool) \
            and decay_steps <= 0:
        raise InvalidArgumentError(
            f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps}"
        )
    check_float("decay_steps", decay_steps, low=0.0, low_open=True)


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        """Return the constructor arguments as a dict."""
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()`."
        )

    @classmethod
    def from_config(cls, config: dict):
        """Create the schedule from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _RateDecay(LearningRateSchedule):
    """Shared by the schedules that decay ``decay_rate`` per ``decay_steps`` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        from tinykeras.utils.validation import check_float

        _check_decay_steps(decay_steps)
        check_float("initial_learning_rate", initial_learning_rate, low=0.0)
        check_float("decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step, dtype):
        """``step / decay_steps``, floored with ``staircase``."""
        p = _as_float(step, dtype) / _as_float(self.decay_steps, dtype)
        return np.floor(p) if self.staircase else p

    def get_config(self):
        """Return the constructor arguments as a dict."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase``
    the exponent is floored, so the rate drops every ``decay_steps`` steps.

    >>> print(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20))
    0.025
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype = floatx()
        decay = _as_float(self.decay_rate, dtype) ** self._progress(step, dtype)
        return _as_float(self.initial_learning_rate, dtype) * decay


class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``; with ``staircase``
    the ratio ``step / decay_steps`` is floored."""

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float,
                 staircase: bool = False, name: str = "InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        dtype = floatx()
        p = self._progress(step, dtype)
        denom = _as_float(1, dtype) + _as_float(self.decay_rate, dtype) * p
        return _as_float(self.initial_learning_rate, dtype) / denom


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, and ``values[-1]`` after the last boundary.

    >>> PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.25])(np.arange(6))
    array([1.  , 1.  , 1.  , 0.5 , 0.5 , 0.25], dtype=float32)
    """

    def __init__(self, boundaries, values, name: str = "PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise InvalidArgumentError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        values = np.asarray(self.values)
        if values.dtype.kind == "f":
            values = values.astype(floatx())
        step = step.value if isinstance(step, Tensor) else step
        # searchsorted(side="left") counts the boundaries strictly below the step.
        return values[np.searchsorted(np.asarray(self.boundaries), step, side="left")]

    def get_config(self):
        """Return the constructor arguments as a dict."""
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay, after an optional linear warmup.

    Without ``warmup_target``: ``lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)`` with ``s = min(step, decay_steps)`` and ``lr0 = initial_learning_rate``. With
    it, the rate first rises linearly from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps``, then decays the same way from ``warmup_target``.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: int,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_from, dtype):
        fraction = step / _as_float(self.decay_steps, dtype)
        cosine = _as_float(0.5, dtype) * (1 + np.cos(_as_float(math.pi, dtype) * fraction))
        alpha = _as_float(self.alpha, dtype)
        return decay_from * ((1 - alpha) * cosine + alpha)

    def __call__(self, step):
        dtype = floatx()
        lr0 = _as_float(self.initial_learning_rate, dtype)
        decay_steps = _as_float(self.decay_steps, dtype)
        step = _as_float(step, dtype)
        if self.warmup_target is None:
            return self._decay(np.minimum(step, decay_steps), lr0, dtype)
        target = _as_float(self.warmup_target, dtype)
        warmup_steps = _as_float(self.warmup_steps, dtype)
        step = np.minimum(step, decay_steps + warmup_steps)
        with np.errstate(divide="ignore", invalid="ignore"):  # warmup_steps may be 0
            warmup = (target - lr0) * (step / warmup_steps) + lr0
        decay = self._decay(step - warmup_steps, target, dtype)
        return np.where(step < warmup_steps, warmup, decay).astype(dtype)[()]

    def get_config(self):
        """Return the constructor arguments as a dict."""
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


ALL_OBJECTS_DICT = {
    cls.__name__: cls
    for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay)
}


def serialize(schedule: LearningRateSchedule) -> dict:
    """Return the Keras-style dict ``{"module", "class_name", "config", "registered_name"}``."""
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(schedule).__name__,
        "config": schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict, custom_objects=None) -> LearningRateSchedule:
    """Create a schedule from ``serialize()`` output (custom classes via ``custom_objects``)."""
    classes = {**ALL_OBJECTS_DICT, **(custom_objects or {})}
    name = config.get("class_name")
    if name not in classes:
        raise InvalidArgumentError(
            f"Unknown learning rate schedule: '{name}'. Expected one of "
            f"{sorted(ALL_OBJECTS_DICT)}, or pass the class in `custom_objects`."
        )
    return classes[name].from_config(config.get("config", {}))
