"""All differentiable ops in one namespace (``tinykeras.ops`` re-exports it)."""

from tinykeras.autodiff.math_ops import (  # noqa: F401
    abs,
    add,
    argmax,
    argmin,
    cast,
    clip,
    concatenate,
    convert_to_numpy,
    convert_to_tensor,
    divide,
    dot,
    exp,
    expand_dims,
    getitem,
    log,
    log1p,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    multiply,
    negative,
    one_hot,
    power,
    reshape,
    sign,
    sqrt,
    square,
    squeeze,
    stack,
    stop_gradient,
    subtract,
    sum,
    take,
    take_along_axis,
    transpose,
    where,
)
from tinykeras.autodiff.nn_ops import (  # noqa: F401
    dense,
    elementwise,
    elu,
    leaky_relu,
    log_softmax,
    logsumexp,
    sigmoid_crossentropy_with_logits,
    softmax,
    softmax_crossentropy_with_logits,
    sparse_softmax_crossentropy_with_logits,
)


def sigmoid(x):
    """Elementwise logistic function ``1 / (1 + exp(-x))``."""
    return elementwise(x, name="sigmoid")


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return elementwise(x, name="tanh")


def relu(x):
    """Elementwise ``max(x, 0)``."""
    return elementwise(x, name="relu")


def softplus(x):
    """Elementwise ``log(1 + exp(x))``, computed without overflow."""
    return elementwise(x, name="softplus")
