"""Activation layers with their own arguments: ``ReLU``, ``Softmax``, ``ELU``, ``PReLU``."""

from tinykeras import activations, constraints, initializers, regularizers
from tinykeras.autodiff import ops
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.layers.normalization import deserialize_fields


class ReLU(Layer):
    """``max(x, 0)``, with Keras's options: a ``max_value`` cap, a ``negative_slope`` below
    ``threshold``, and a ``threshold`` under which outputs are 0 (or sloped).

    >>> import numpy as np
    >>> ReLU(max_value=1.0)(np.array([[-1.0, 0.5, 3.0]])).numpy()
    array([[0. , 0.5, 1. ]], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("max_value", max_value), ("negative_slope", negative_slope),
                            ("threshold", threshold)):
            if value is not None and value < 0:
                raise InvalidArgumentError(
                    f"ReLU: `{name}` must be >= 0 (or None for max_value). "
                    f"Received: {name}={value}"
                )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        """Apply ``activations.relu`` with this layer's options."""
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        """Return the base config plus the three options."""
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class Softmax(Layer):
    """Softmax over ``axis`` (default -1): ``exp(x) / sum(exp(x))``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        """Return ``softmax(inputs, axis)``."""
        return ops.softmax(inputs, axis=self.axis)

    def get_config(self):
        """Return the base config plus ``axis``."""
        return {**super().get_config(), "axis": self.axis}


class ELU(Layer):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        """Return ``elu(inputs, alpha)``."""
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        """Return the base config plus ``alpha``."""
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned slope per unit: ``x`` if ``x >= 0`` else ``alpha * x``.

    Args:
        alpha_initializer: the slopes' initializer (zeros: starts as ReLU).
        alpha_regularizer, alpha_constraint: as for any weight.
        shared_axes: axes along which one slope is shared (e.g. ``[1, 2]`` for images).
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = None if shared_axes is None else list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        """Create ``alpha`` of shape ``input_shape[1:]`` (1 along the shared axes)."""
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            shape[axis - 1] = 1
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True  # also when build() is called directly, as in Keras

    def call(self, inputs):
        """Return ``relu(x) - alpha * relu(-x)``, Keras's formula."""
        positive = ops.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def get_config(self):
        """Return Keras's PReLU config."""
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": None if self.alpha_regularizer is None else
            regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": None if self.alpha_constraint is None else
            constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from a Keras config."""
        return cls(**deserialize_fields(config))
