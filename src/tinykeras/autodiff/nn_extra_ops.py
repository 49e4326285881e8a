"""``keras.ops.nn``: activations, normalizations, encodings and crossentropies.

Built from the differentiable ops (the elementwise activation table, ``where``, reductions),
so each gradient is the composition's; only ``sparsemax`` has its own vjp.
"""

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff import nn_ops as n
from tinykeras.autodiff import reduce_ops as r
from tinykeras.autodiff.core import op
from tinykeras.autodiff.dtypes import (
    as_dtype,
    constant,
    dense_only,
    named,
    promote,
    raw,
    to_float,
)
from tinykeras.backend.config import epsilon as _epsilon
from tinykeras.errors import InvalidArgumentError


def _act(name, doc):
    def fn(x):
        return n.elementwise(to_float(x), name=name)

    return named(fn, name, doc)


relu = _act("relu", "Elementwise ``max(x, 0)``.")
relu6 = _act("relu6", "Elementwise ``min(max(x, 0), 6)``.")
sigmoid = _act("sigmoid", "Elementwise logistic function ``1 / (1 + exp(-x))``.")
tanh = _act("tanh", "Elementwise hyperbolic tangent.")
softplus = _act("softplus", "Elementwise ``log(1 + exp(x))`` without overflow.")
softsign = _act("softsign", "Elementwise ``x / (1 + |x|)``.")
silu = _act("silu", "Elementwise ``x * sigmoid(x)`` (also called swish).")
swish = silu
selu = _act("selu", "Scaled exponential linear unit (Klambauer et al., 2017).")
hard_sigmoid = _act("hard_sigmoid", "Piecewise-linear sigmoid ``relu6(x + 3) / 6``.")


def exp(x):
    """Elementwise ``e ** x``."""
    return m.exp(to_float(x))


def log(x):
    """Elementwise natural logarithm."""
    return m.log(to_float(x))


def log1p(x):
    """Elementwise ``log(1 + x)``, accurate for small ``x``."""
    return m.log1p(to_float(x))


def sqrt(x):
    """Elementwise square root."""
    return m.sqrt(to_float(x))


def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation by default, as Keras."""
    return n.elementwise(to_float(x), name="gelu_tanh" if approximate else "gelu")


def elu(x, alpha=1.0):
    """Exponential linear unit with slope ``alpha`` for negative inputs."""
    return n.elu(to_float(x), alpha=alpha)


def leaky_relu(x, negative_slope=0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    return n.leaky_relu(to_float(x), negative_slope=negative_slope)


def _const(value, like):
    return np.asarray(value, dtype=np.asarray(raw(like)).dtype)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x/alpha) - 1))``."""
    x = to_float(x)
    a = _const(alpha, x)
    neg = m.multiply(a, m.subtract(m.exp(m.divide(m.minimum(x, _const(0, x)), a)), _const(1, x)))
    return m.where(raw(x) > 0, x, neg)


def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    x = to_float(x)
    return m.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    """Elementwise ``clip(x, -1, 1)``."""
    x = to_float(x)
    return m.clip(x, _const(-1, x), _const(1, x))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = to_float(x)
    return m.where(np.abs(raw(x)) > threshold, x, _const(0, x))


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = to_float(x)
    v = raw(x)
    t = _const(threshold, x)
    return m.where(v > threshold, m.subtract(x, t),
                   m.where(v < -threshold, m.add(x, t), _const(0, x)))


def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = to_float(x)
    return m.subtract(x, tanh(x))


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = to_float(x)
    return m.where(raw(x) > threshold, x, _const(default_value, x))


def sparse_plus(x):
    """0 below -1, ``(x + 1)**2 / 4`` in between, ``x`` above 1 (a smooth ReLU)."""
    x = to_float(x)
    v = raw(x)
    mid = m.multiply(m.square(m.add(x, _const(1, x))), _const(0.25, x))
    return m.where(v <= -1, _const(0, x), m.where(v >= 1, x, mid))


def sparse_sigmoid(x):
    """0 below -1, ``(x + 1) / 2`` in between, 1 above 1."""
    x = to_float(x)
    v = raw(x)
    mid = m.multiply(m.add(x, _const(1, x)), _const(0.5, x))
    return m.where(v <= -1, _const(0, x), m.where(v >= 1, _const(1, x), mid))


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU."""
    x = to_float(x)
    return m.multiply(m.add(x, m.sqrt(m.add(m.square(x), _const(b, x)))), _const(0.5, x))


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
    from tinykeras.autodiff.shape_ops import split

    a, b = split(to_float(x), 2, axis=axis)
    return m.multiply(a, sigmoid(b))


def softmax(x, axis=-1):
    """Softmax along ``axis`` (a tuple of axes is flattened into one)."""
    x = to_float(x)
    if isinstance(axis, (tuple, list)):
        return m.exp(log_softmax(x, axis))
    return n.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along ``axis``, computed stably."""
    x = to_float(x)
    if isinstance(axis, (tuple, list)):
        return m.subtract(x, r.logsumexp(x, axis=tuple(axis), keepdims=True))
    return n.log_softmax(x, axis=axis)


@op
def _sparsemax(x, axis=-1):
    # Martins & Astudillo (2016): project x onto the probability simplex. Sort descending,
    # find the support size k(z), threshold tau = (sum of the top k - 1) / k.
    z = np.moveaxis(x, axis, -1)
    srt = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cums = np.cumsum(srt, axis=-1)
    support = 1 + k * srt > cums
    kz = np.sum(support, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cums, kz - 1, axis=-1) - 1) / kz
    out = np.moveaxis(np.maximum(z - tau, 0), -1, axis)

    def vjp(g, needs):
        # On the support S the Jacobian is I - 1 1^T / |S|; zero elsewhere.
        on = out > 0
        gs = np.where(on, g, 0)
        mean = np.sum(gs, axis=axis, keepdims=True) / np.sum(on, axis=axis, keepdims=True)
        return (np.where(on, g - mean, 0).astype(g.dtype, copy=False),)

    return out.astype(x.dtype, copy=False), vjp


def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex."""
    return _sparsemax(to_float(x), axis=axis)


def log_sigmoid(x):
    """Elementwise ``log(sigmoid(x))``, computed without overflow."""
    from tinykeras.autodiff.elementwise_ops import log_sigmoid as ls

    return ls(x)


# -- normalization -------------------------------------------------------------------------------
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (population) variance of ``x`` over ``axes``."""
    x = to_float(x)
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else axes
    mean = m.mean(x, axis=axes, keepdims=True)
    variance = m.mean(m.square(m.subtract(x, mean)), axis=axes, keepdims=keepdims)
    return (mean if keepdims else m.squeeze(mean, axes)), variance


def _along(v, axis, ndim):
    """Reshape a per-feature vector ``v`` to broadcast along ``axis`` of an ``ndim`` tensor."""
    if v is None or np.ndim(raw(v)) != 1:
        return v
    shape = [1] * ndim
    shape[axis] = -1
    return m.reshape(v, tuple(shape))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, the statistics given per
    feature along ``axis``."""
    x = to_float(x)
    nd = np.ndim(raw(x))
    mean, variance, offset, scale = (
        None if v is None else _along(promote(x, v)[1], axis, nd)
        for v in (mean, variance, offset, scale))
    inv = m.divide(_const(1, x), m.sqrt(m.add(variance, _const(epsilon, x))))
    if scale is not None:
        inv = m.multiply(inv, scale)
    out = m.multiply(m.subtract(x, mean), inv)
    return out if offset is None else m.add(out, offset)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Normalize over ``axis`` to zero mean and unit variance, then ``* gamma + beta``."""
    x = to_float(x)
    eps = _const(_epsilon() if epsilon is None else epsilon, x)
    nd = np.ndim(raw(x))
    axes = tuple(sorted(a % nd for a in ((axis,) if isinstance(axis, int) else axis)))
    shape = [np.shape(raw(x))[a] if a in axes else 1 for a in range(nd)]
    if rms_scaling:
        variance = r.var(x, axis=axes, keepdims=True)
        out = m.multiply(x, m.divide(_const(1, x), m.sqrt(m.add(variance, eps))))
    else:
        mean, variance = moments(x, axes, keepdims=True)
        out = m.divide(m.subtract(x, mean), m.sqrt(m.add(variance, eps)))
    if gamma is not None:
        out = m.multiply(out, m.reshape(promote(x, gamma)[1], tuple(shape)))
    if beta is not None and not rms_scaling:
        out = m.add(out, m.reshape(promote(x, beta)[1], tuple(shape)))
    return out


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` over ``axis``."""
    x = to_float(x)
    eps = _const(_epsilon() if epsilon is None else epsilon, x)
    ms = m.mean(m.square(x), axis=axis, keepdims=True)
    out = m.multiply(x, m.divide(_const(1, x), m.sqrt(m.add(ms, eps))))
    return out if scale is None else m.multiply(out, promote(x, scale)[1])


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order), epsilon)`` along ``axis``."""
    if not isinstance(order, int) or order < 1:
        raise InvalidArgumentError(f"Argument `order` must be an int >= 1. Received: order={order}")
    from tinykeras.autodiff.linalg_ops import norm

    x = to_float(x)
    if np.ndim(raw(x)) == 0:
        x = m.expand_dims(x, 0)
    eps = _const(_epsilon() if epsilon is None else epsilon, x)
    return m.divide(x, m.maximum(norm(x, ord=order, axis=axis, keepdims=True), eps))


# -- encodings and losses ------------------------------------------------------------------------
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer labels into ``num_classes`` entries along ``axis``; labels
    outside ``[0, num_classes)`` give all zeros."""
    from tinykeras.autodiff import math_ops

    dense_only("ops.one_hot", sparse=sparse)
    return math_ops.one_hot(x, num_classes, axis=axis, dtype=as_dtype(dtype))


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode: for each row of integer labels, ones at every label present."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    dense_only("ops.multi_hot", sparse=sparse)
    labels = np.asarray(raw(inputs)).astype(np.intp)
    hot = (labels[..., None] == np.arange(num_classes)).any(axis=-2 if labels.ndim > 1 else 0)
    out = hot.astype(as_dtype(dtype))
    return constant(np.moveaxis(out, -1, axis) if axis != -1 and out.ndim > 1 else out)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy; probabilities are clipped to ``[eps, 1 - eps]``."""
    output = to_float(output)
    target, output = promote(target, output)
    if from_logits:
        return n.sigmoid_crossentropy_with_logits(target, output)
    eps = _epsilon()
    p = m.clip(output, _const(eps, output), _const(1 - eps, output))
    one = _const(1, output)
    return m.negative(m.add(m.multiply(target, m.log(p)),
                            m.multiply(m.subtract(one, target), m.log(m.subtract(one, p)))))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of one-hot (or soft) ``target`` against ``output`` along ``axis``."""
    output = to_float(output)
    target, output = promote(target, output)
    if from_logits:
        return m.negative(m.sum(m.multiply(target, n.log_softmax(output, axis=axis)), axis=axis))
    eps = _epsilon()
    p = m.divide(output, m.sum(output, axis=axis, keepdims=True))
    p = m.clip(p, _const(eps, output), _const(1 - eps, output))
    return m.negative(m.sum(m.multiply(target, m.log(p)), axis=axis))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of integer ``target`` labels against ``output`` along ``axis``."""
    labels = np.asarray(raw(target)).astype(np.intp)
    out_nd = np.ndim(raw(output))
    if labels.ndim == out_nd and labels.shape[axis] == 1:
        labels = np.squeeze(labels, axis)
    classes = np.shape(raw(output))[axis]
    hot = one_hot(labels, classes, axis=axis, dtype=np.asarray(raw(to_float(output))).dtype.name)
    return categorical_crossentropy(hot, output, from_logits=from_logits, axis=axis)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)``, in decibels."""
    a, b = promote(to_float(x1), x2)
    mse = m.mean(m.square(m.subtract(a, b)))
    ten = _const(10.0 / np.log(10.0), mse)
    return m.subtract(_const(20 * np.log10(max_val), mse), m.multiply(ten, m.log(mse)))
