"""Weight constraints with Keras 3's names, formulas and configs.

A constraint is a callable ``constraint(w) -> w'`` that the optimizer applies to a variable
after each update (``Dense(kernel_constraint=...)``).

>>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(4).tolist()  # column norm 5 scaled to 1
[[0.6], [0.8]]
"""

import inspect

import numpy as np

from tinykeras.backend import epsilon
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object


def _values(w) -> np.ndarray:
    return np.asarray(getattr(w, "value", w))


def _norms(w: np.ndarray, axis) -> np.ndarray:
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: ``__call__(w)`` returns the constrained weights (the identity here)."""

    def __call__(self, w):
        """Return ``w`` unchanged."""
        return _values(w)

    def get_config(self) -> dict:
        """Return the constructor arguments."""
        return {}

    @classmethod
    def from_config(cls, config: dict):
        """Rebuild a constraint from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Scale each slice along ``axis`` whose L2 norm exceeds ``max_value`` back to it."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        """Return ``w * clip(norm, 0, max_value) / (eps + norm)``."""
        w = _values(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        """Return ``max_value`` and ``axis``."""
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        """Return ``w * (w >= 0)``."""
        w = _values(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Scale each slice along ``axis`` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        """Return ``w / (eps + norm)``."""
        w = _values(w)
        return (w / (epsilon() + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        """Return ``axis``."""
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's L2 norm into ``[min_value, max_value]`` at ``rate`` (1 = at once)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        """Return ``w * (rate * clip(norm) + (1 - rate) * norm) / (eps + norm)``."""
        w = _values(w)
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (
            1 - self.rate) * norms
        return (w * (desired / (epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        """Return ``min_value``, ``max_value``, ``rate`` and ``axis``."""
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras-2 lowercase names are the classes themselves, as in Keras 3.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm,
                                                  MinMaxNorm)}
ALL_OBJECTS_DICT.update({"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
                         "min_max_norm": MinMaxNorm})


def _unknown(identifier) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"Could not interpret constraint identifier: {identifier!r}. Expected a Constraint, "
        f"a callable, a config dict or one of: {', '.join(sorted(ALL_OBJECTS_DICT))}."
    )


def serialize(constraint) -> dict:
    """Return the Keras 3 dict ``{"module", "class_name", "config", "registered_name"}``."""
    return serialize_keras_object(constraint, "keras.constraints", ALL_OBJECTS_DICT)


def deserialize(config, custom_objects: dict | None = None) -> Constraint:
    """Rebuild a constraint from ``serialize`` output or a name (allow-list lookup only)."""
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, _unknown)


def get(identifier):
    """Return a constraint for None, an instance, a class, a name, a config dict or a callable."""
    if identifier is None or isinstance(identifier, Constraint):
        return identifier
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise _unknown(identifier)
