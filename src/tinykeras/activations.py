"""Activation functions, by function and by name (``activations.get("relu")``).

Each takes an array or Tensor and returns a Tensor (so ``.numpy()`` works, as in the courses).
``layer.activation is activations.sigmoid`` holds for layers built with ``"sigmoid"``.
"""

from tinykeras.autodiff import ops
from tinykeras.autodiff.nn_ops import SELU_ALPHA, SELU_SCALE  # noqa: F401 - documented constants
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation


def linear(x):
    """Identity: returns ``x`` unchanged (as a Tensor)."""
    return ops.convert_to_tensor(x)


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``; the result remembers ``x`` as its logits."""
    x = ops.convert_to_tensor(x)
    y = ops.elementwise(x, name="sigmoid")
    # Like Keras on TensorFlow: crossentropy losses use these logits instead of the
    # saturating probabilities (see losses.binary_crossentropy).
    y._keras_logits = x
    return y


def softmax(x, axis=-1):
    """Softmax along ``axis``; for ``axis=-1`` the result remembers ``x`` as its logits."""
    x = ops.convert_to_tensor(x)
    y = ops.softmax(x, axis=axis)
    if axis == -1:
        y._keras_logits = x
    return y


def log_softmax(x, axis=-1):
    """Logarithm of the softmax along ``axis``."""
    return ops.log_softmax(ops.convert_to_tensor(x), axis=axis)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.elementwise(ops.convert_to_tensor(x), name="tanh")


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit ``max(x, 0)``, with Keras's optional slope, cap and threshold.

    Args:
        negative_slope: slope for values below ``threshold``.
        max_value: the largest value returned (None: no cap).
        threshold: values below it are zeroed (or damped by ``negative_slope``).
    """
    x = ops.convert_to_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.elementwise(x, name="relu")
    if negative_slope != 0.0:
        if max_value is None and threshold == 0.0:
            return ops.leaky_relu(x, negative_slope=negative_slope)
        negative_part = ops.elementwise(-x + threshold if threshold else -x, name="relu")
    if threshold != 0.0:
        out = x * ops.cast(x > threshold, x.dtype)
    else:
        out = ops.elementwise(x, name="relu")
    if max_value is not None:
        out = ops.clip(out, 0.0, float(max_value))
    if negative_slope != 0.0:
        out = out - negative_slope * negative_part
    return out


def leaky_relu(x, negative_slope=0.2):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise."""
    return ops.leaky_relu(ops.convert_to_tensor(x), negative_slope=negative_slope)


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return ops.elementwise(ops.convert_to_tensor(x), name="relu6")


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if positive, else ``alpha * (exp(x) - 1)``."""
    return ops.elu(ops.convert_to_tensor(x), alpha=alpha)


def selu(x):
    """Scaled ELU with the self-normalizing constants of Klambauer et al. (2017)."""
    return ops.elementwise(ops.convert_to_tensor(x), name="selu")


def gelu(x, approximate=False):
    """Gaussian error linear unit; ``approximate=True`` uses the tanh formula."""
    return ops.elementwise(ops.convert_to_tensor(x), name="gelu_tanh" if approximate else "gelu")


def silu(x):
    """Sigmoid linear unit ``x * sigmoid(x)`` (also called swish)."""
    return ops.elementwise(ops.convert_to_tensor(x), name="silu")


swish = silu


def softplus(x):
    """``log(1 + exp(x))``, computed without overflow."""
    return ops.elementwise(ops.convert_to_tensor(x), name="softplus")


def softsign(x):
    """``x / (1 + |x|)``."""
    return ops.elementwise(ops.convert_to_tensor(x), name="softsign")


def exponential(x):
    """``exp(x)``."""
    return ops.elementwise(ops.convert_to_tensor(x), name="exponential")


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return ops.elementwise(ops.convert_to_tensor(x), name="hard_sigmoid")


def mish(x):
    """``x * tanh(softplus(x))``."""
    return ops.elementwise(ops.convert_to_tensor(x), name="mish")


ALL_OBJECTS = {
    fn.__name__: fn
    for fn in (
        linear, sigmoid, softmax, log_softmax, tanh, relu, leaky_relu, relu6, elu, selu,
        gelu, silu, softplus, softsign, exponential, hard_sigmoid, mish,
    )
}
ALL_OBJECTS["swish"] = silu

# Activations that the fused Dense op computes in the same tape node as the matmul
# (for sigmoid and softmax it also records the logits for the crossentropy losses).
FUSED = {
    linear: "linear", sigmoid: "sigmoid", softmax: "softmax", tanh: "tanh", relu: "relu",
    relu6: "relu6", selu: "selu", elu: "elu",
    softplus: "softplus", softsign: "softsign", exponential: "exponential",
    hard_sigmoid: "hard_sigmoid", silu: "silu", mish: "mish", gelu: "gelu",
}


def get(identifier):
    """Return the activation function for ``None`` (linear), a name or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = ALL_OBJECTS.get(identifier)
        if fn is None:
            raise InvalidArgumentError(
                f"Could not interpret activation identifier: {identifier!r}."
                f"{validation.did_you_mean(identifier, ALL_OBJECTS)} "
                f"Expected one of {sorted(ALL_OBJECTS)} or a callable."
            )
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise InvalidArgumentError(f"Could not interpret activation identifier: {identifier!r}")


def serialize(activation) -> str:
    """Return the name Keras writes for an activation function (``"linear"`` for None)."""
    if activation is None:
        return "linear"
    for name, fn in ALL_OBJECTS.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name is None:
        raise InvalidArgumentError(f"Cannot serialize activation {activation!r}: it has no name.")
    return name


def deserialize(config, custom_objects=None):
    """Return the activation named by a string or a Keras config dict."""
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)
