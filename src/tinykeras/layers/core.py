"""Core layers: ``Dense`` and ``Activation``."""

from tinykeras import activations, constraints, initializers, regularizers
from tinykeras.autodiff import ops
from tinykeras.backend import xp
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.utils import validation
from tinykeras.utils.serialization import drop_unknown_keys


class Dense(Layer):
    """A fully connected layer: ``activation(inputs @ kernel + bias)``.

    Args:
        units: the number of outputs (a positive integer).
        activation: a name, a function or None (linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers (Glorot uniform and zeros).
        kernel_regularizer, bias_regularizer: penalties added to the training loss.
        kernel_constraint, bias_constraint: functions applied to the weights after each update.

    Shapes: input ``(batch, ..., in)``, kernel ``(in, units)``, output ``(batch, ..., units)``.

    >>> Dense(3, activation="relu").compute_output_shape((None, 4))
    (None, 3)
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, xp.integer)) or units <= 0:
            raise InvalidArgumentError(
                "Received an invalid value for `units`, expected a positive integer. "
                f"Received: units={units!r}"
            )
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = validation.check_bool("use_bias", use_bias, who="Dense")
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # Initializers last: an unseeded one draws its seed from the global generator, which
        # a refused argument above must leave alone.
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        # The fused op computes matmul + bias + activation in one tape node.
        self._fused = activations.FUSED.get(self.activation)
        self.kernel = None
        self.bias = None
        self._activity_penalty = None

    def build(self, input_shape):
        """Create ``kernel`` of shape ``(in, units)`` and ``bias`` of shape ``(units,)``."""
        in_dim = input_shape[-1]
        if in_dim is None:
            raise InvalidArgumentError(
                f"Layer '{self.name}': the last axis of the input must be known to build a "
                f"Dense layer. Received input_shape={tuple(input_shape)}"
            )
        self.kernel = self.add_weight((in_dim, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight((self.units,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self._input_last_dim = int(in_dim)

    def call(self, inputs):
        """Return ``activation(inputs @ kernel + bias)``."""
        if self._fused is not None:
            out = ops.dense(inputs, self.kernel, self.bias, activation=self._fused)
        else:
            out = self.activation(ops.dense(inputs, self.kernel, self.bias))
        if self.activity_regularizer is not None:
            # Keras divides the activity penalty by the batch size.
            self._activity_penalty = self.activity_regularizer(out) / out.shape[0]
        return out

    def compute_output_shape(self, input_shape):
        """Replace the last axis with ``units``."""
        return tuple(input_shape[:-1]) + (self.units,)

    @property
    def losses(self):
        """Weight penalties, plus the activity penalty of the latest call if one is set."""
        penalties = super().losses
        if self._activity_penalty is not None:
            penalties.append(self._activity_penalty)
        return penalties

    def get_config(self):
        """Return the config in the key order Keras writes."""
        config = {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": _serialize_or_none(self.kernel_regularizer),
            "bias_regularizer": _serialize_or_none(self.bias_regularizer),
            "kernel_constraint": _serialize_constraint(self.kernel_constraint),
            "bias_constraint": _serialize_constraint(self.bias_constraint),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """Create a Dense layer from a Keras config (unknown newer keys are ignored)."""
        config = drop_unknown_keys(cls, config, f"Dense '{config.get('name')}'")
        for key in ("kernel_initializer", "bias_initializer"):
            if isinstance(config.get(key), dict):
                config[key] = initializers.deserialize(config[key])
        for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if isinstance(config.get(key), dict):
                config[key] = regularizers.deserialize(config[key])
        for key in ("kernel_constraint", "bias_constraint"):
            if isinstance(config.get(key), dict):
                config[key] = constraints.deserialize(config[key])
        return cls(**config)


class Activation(Layer):
    """Applies an activation function to its input.

    >>> Activation("relu")(np.array([[-1.0, 2.0]])).numpy()
    array([[0., 2.]], dtype=float32)
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        """Return ``activation(inputs)``."""
        return self.activation(inputs)

    def get_config(self):
        """Return name, trainable, dtype and the activation's name."""
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


def _serialize_or_none(obj):
    return None if obj is None else regularizers.serialize(obj)


def _serialize_constraint(obj):
    return None if obj is None else constraints.serialize(obj)
