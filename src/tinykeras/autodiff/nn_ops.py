"""Neural-network ops: activations, the fused dense layer op and crossentropy from logits.

Activation derivatives are written in terms of the output ``y`` where the math allows it
(sigmoid' = y(1-y), tanh' = 1-y^2, relu' = [y>0]), so backward needs nothing but the output.
"""

import math

import numpy as np

from tinykeras import debugging
from tinykeras.autodiff import plan as _plan
from tinykeras.autodiff import tape as _tape
from tinykeras.autodiff.core import _op_error, op, wrap
from tinykeras.autodiff.tensor import Tensor
from tinykeras.errors import InvalidArgumentError

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_erf = np.vectorize(math.erf, otypes=[np.float64])


# Largest argument whose exp is finite, per float type.
_EXP_MAX = {np.dtype(np.float16): 11.0, np.dtype(np.float32): 88.0, np.dtype(np.float64): 709.0}
_SCALARS: dict = {}


def _scalar(value: float, dtype) -> np.ndarray:
    """A cached 0-d array: NumPy converts a Python float on every call, which on the small
    arrays of a training step costs about a third of the call."""
    key = (value, dtype)
    arr = _SCALARS.get(key)
    if arr is None:
        arr = _SCALARS[key] = np.array(value, dtype=dtype)
    return arr


def _sigmoid(x, out=None):
    # NOTE: exp(-x) would overflow for very negative x (x < -88 in float32). Clamping -x first
    # keeps NumPy quiet and costs nothing in accuracy: sigmoid(-88) is already ~6e-39.
    if out is None and x.ndim == 0:
        out = np.empty((), dtype=x.dtype)  # ufuncs return scalars for 0-d input; keep an array
    out = np.negative(x, out=out)
    # The clamp and the 1 as cached 0-d arrays of this dtype, in one lookup (every step
    # calls this once per sigmoid layer).
    consts = _SIGMOID_CONSTS.get(out.dtype) or _sigmoid_consts(out.dtype)
    np.minimum(out, consts[0], out=out)
    np.exp(out, out=out)
    np.add(out, consts[1], out=out)
    return np.reciprocal(out, out=out)


_SIGMOID_CONSTS: dict = {}


def _sigmoid_consts(dtype):
    consts = _SIGMOID_CONSTS[dtype] = (_scalar(_EXP_MAX.get(dtype, 709.0), dtype),
                                       _scalar(1.0, dtype))
    return consts


def _sigmoid_grad(x, y):
    # sigmoid' = y * (1 - y)
    out = np.subtract(_scalar(1.0, y.dtype), y)
    out *= y
    return out


def _relu(x, out=None):
    return np.maximum(x, _scalar(0.0, x.dtype), out=out)


def _softplus(x):
    return np.logaddexp(x, 0).astype(np.result_type(x, np.float32), copy=False)


def _gelu_exact(x):
    cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
    return (x * cdf).astype(x.dtype, copy=False), cdf.astype(x.dtype, copy=False)


def _gelu_exact_grad(x, y):
    cdf = 0.5 * (1.0 + _erf(x / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
    return (cdf + x * pdf).astype(x.dtype, copy=False)


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x**3)))


def _gelu_tanh_grad(x, y):
    inner = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
    t = np.tanh(inner)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)


def _mish_grad(x, y):
    t = np.tanh(_softplus(x))
    return t + x * _sigmoid(x) * (1 - t * t)


def _silu_grad(x, y):
    s = _sigmoid(x)
    return s * (1 + x * (1 - s))


# name -> (f(x), f'(x, y)): the elementwise activations with their derivatives.
ELEMENTWISE = {
    "linear": (lambda x: x, None),
    "sigmoid": (_sigmoid, _sigmoid_grad),
    "tanh": (np.tanh, lambda x, y: 1 - y * y),
    "relu": (_relu, lambda x, y: y > 0),
    "relu6": (lambda x: np.clip(x, 0, 6), lambda x, y: (x > 0) & (x < 6)),
    "elu": (
        lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
        lambda x, y: np.where(x > 0, 1, y + 1),
    ),
    "selu": (
        lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
        lambda x, y: np.where(x > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA),
    ),
    "softplus": (_softplus, lambda x, y: _sigmoid(x)),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / np.square(1 + np.abs(x))),
    "exponential": (np.exp, lambda x, y: y),
    "hard_sigmoid": (
        lambda x: np.clip(x / 6.0 + 0.5, 0, 1),
        lambda x, y: ((x > -3) & (x < 3)) / 6.0,
    ),
    "silu": (lambda x: x * _sigmoid(x), _silu_grad),
    "gelu": (lambda x: _gelu_exact(x)[0], _gelu_exact_grad),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_grad),
    "mish": (lambda x: x * np.tanh(_softplus(x)), _mish_grad),
}


@op
def elementwise(x, name="linear"):
    """Apply the elementwise activation ``name`` (a key of ``ELEMENTWISE``)."""
    f, df = ELEMENTWISE[name]
    y = f(x)
    if df is None:
        return y, lambda g, needs: (g,)
    return y, lambda g, needs: (g * df(x, y),)


@op
def leaky_relu(x, negative_slope=0.2):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""
    pos = x > 0
    y = np.where(pos, x, negative_slope * x).astype(x.dtype, copy=False)
    return y, lambda g, needs: (np.where(pos, g, negative_slope * g).astype(g.dtype, copy=False),)


@op
def elu(x, alpha=1.0):
    """Exponential linear unit with slope ``alpha`` for negative inputs."""
    pos = x > 0
    y = np.where(pos, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)
    return y, lambda g, needs: (g * np.where(pos, 1, y + alpha),)


@op
def softmax(x, axis=-1):
    """Softmax along ``axis``, shifted by the max so that ``exp`` cannot overflow."""
    y = _softmax(x, axis)

    def vjp(g, needs):
        # J^T g for y = softmax(x): y * (g - <g, y>)
        return (y * (g - np.sum(g * y, axis=axis, keepdims=True)),)

    return y, vjp


@op
def log_softmax(x, axis=-1):
    """``log(softmax(x))`` computed stably as ``x - logsumexp(x)``."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    y = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

    def vjp(g, needs):
        return (g - np.exp(y) * np.sum(g, axis=axis, keepdims=True),)

    return y, vjp


@op
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m

    def vjp(g, needs):
        gk = g if keepdims else np.expand_dims(g, _axes(axis, np.ndim(x)))
        return (gk * np.exp(x - s),)

    return (s if keepdims else np.squeeze(s, axis=axis)), vjp


def dense(x, kernel, bias=None, activation="linear"):
    """The fused Dense op: ``activation(x @ kernel + bias)`` as one tape node.

    ``activation`` is a key of ``ELEMENTWISE`` or ``"softmax"``. ``x`` may have more than two
    axes; the kernel acts on the last one. For sigmoid and softmax the result also carries
    its logits ``x @ kernel + bias`` as ``_keras_logits``, recorded as a second node that
    shares this one's matmul, so a crossentropy loss can start from the logits.
    """
    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    static = {"activation": activation}
    if _plan.ACTIVE:
        outs = _plan.ACTIVE[-1].op(_dense_forward, inputs, static, len(inputs), multi=True)
        if outs is not None:
            out = outs[0]
            if len(outs) == 2:
                out._keras_logits = outs[1]
            return out
    arrays = [a.value if isinstance(a, Tensor) else a for a in inputs]
    try:
        (y, *z), vjps = _dense_forward(*arrays, **static)
    except (ValueError, TypeError) as exc:
        raise _op_error("dense", arrays[:2], exc) from exc
    if debugging.ENABLED:
        debugging.check_output(f"dense (x @ kernel + bias, then {activation})", arrays, y)
        vjps = (debugging.checked_vjp("dense", arrays[:2], vjps[0]), *vjps[1:])
    out = wrap(y)
    if z:
        out._keras_logits = wrap(z[0])
    if _tape._ACTIVE:
        needs = [isinstance(a, Tensor) and a._rg for a in inputs]
        if True in needs:
            _tape.record(out, inputs, needs, vjps[0])
            if z:
                _tape.record(out._keras_logits, inputs, needs, vjps[1])
    return out


def _dense_forward(xv, kv, bv=None, activation="linear"):
    """The arithmetic of ``dense``: ``((y,), (vjp_y,))``, or with the logits for sigmoid and
    softmax ``((y, z), (vjp_y, vjp_z))`` (an op with two outputs sharing one matmul)."""
    z = np.matmul(xv, kv)
    if bv is not None:
        z += bv  # z is a fresh array, so adding in place is safe
    if activation == "softmax":
        y = _softmax(z)
        df = None
    elif activation == "relu":  # in place: relu's derivative needs only y (y > 0)
        df = ELEMENTWISE["relu"][1]
        y = _relu(z, out=z)
    else:
        f, df = ELEMENTWISE[activation]
        y = f(z)

    def vjp_z(gz, needs, out=_NO_OUT):
        x2 = xv.reshape(-1, xv.shape[-1]) if xv.ndim > 2 else xv
        gz2 = gz.reshape(-1, gz.shape[-1]) if gz.ndim > 2 else gz
        return (
            np.matmul(gz, kv.T) if needs[0] else None,
            np.matmul(x2.T, gz2, out=out[1]) if needs[1] else None,
            np.add.reduce(gz2, axis=0, out=out[2]) if bv is not None and needs[2] else None,
        )

    def vjp_y(g, needs, out=_NO_OUT):
        if activation == "softmax":
            return vjp_z(y * (g - np.sum(g * y, axis=-1, keepdims=True)), needs, out)
        return vjp_z(g if df is None else g * df(z, y), needs, out)

    if activation in ("sigmoid", "softmax"):
        return (y, z), (vjp_y, vjp_z)
    return (y,), (vjp_y,)


# A replay may pass ``out=`` (one array or None per input) to write the kernel and bias
# gradients straight into the optimizer's flat buffer (see ``_direct_gradients`` in plan.py).
_dense_forward.vjp_out = True
_NO_OUT = (None, None, None)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


@op
def sigmoid_crossentropy_with_logits(labels, logits, axis=None, probs=None):
    """Binary crossentropy of ``labels`` against ``sigmoid(logits)``, elementwise or averaged
    over ``axis`` (one value per sample, as the loss needs).

    Uses ``max(z, 0) - z*y + log(1 + exp(-|z|))``, which is exact for any ``z``. ``probs``
    may pass ``sigmoid(logits)`` when the forward pass already has it, to save recomputing it.
    """
    z = logits
    loss = np.maximum(z, 0) - z * labels + np.log1p(np.exp(-np.abs(z)))
    count = 1
    if axis is not None:
        count = loss.shape[axis]
        loss = np.add.reduce(loss, axis=axis) * (1.0 / count) if count != 1 else loss.squeeze(axis)
    shape = z.shape

    def vjp(g, needs):
        if axis is not None:  # back to the elementwise shape (the reduced axis as size 1)
            g = g.reshape(shape[:axis % len(shape)] + (1,) + shape[axis % len(shape) + 1:])
            if count != 1:
                g = g * (1.0 / count)
        # dL/dz = sigmoid(z) - y: the fused shortcut, valid only for sigmoid with BCE.
        return (
            -g * z if needs[0] else None,
            g * ((_sigmoid(z) if probs is None else probs) - labels) if needs[1] else None,
        )

    return loss.astype(z.dtype, copy=False), vjp


@op
def softmax_crossentropy_with_logits(labels, logits, axis=-1):
    """Per-sample ``-sum(labels * log_softmax(logits))`` along ``axis``."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    loss = -np.sum(labels * log_p, axis=axis)

    def vjp(g, needs):
        gk = np.expand_dims(g, axis)
        # dL/dz = softmax(z) * sum(y) - y: the fused shortcut for softmax with CCE.
        return (
            -gk * log_p if needs[0] else None,
            gk * (np.exp(log_p) * np.sum(labels, axis=axis, keepdims=True) - labels)
            if needs[1]
            else None,
        )

    return loss, vjp


@op
def sparse_softmax_crossentropy_with_logits(labels, logits):
    """Per-sample ``-log_softmax(logits)[label]`` over the last axis for integer labels."""
    idx = np.asarray(labels, dtype=np.intp)
    if idx.shape != logits.shape[:-1]:
        raise InvalidArgumentError(
            f"sparse_softmax_crossentropy_with_logits needs one integer label per row of "
            f"logits: labels of shape {logits.shape[:-1]} for logits of shape {logits.shape}. "
            f"Received labels of shape {idx.shape}."
        )
    # Rows of a 2-D view, the label of each picked by (row, label) indexing: the values of
    # take_along_axis/put_along_axis without their Python (this runs on every step).
    z = logits.reshape(-1, logits.shape[-1])
    rows, cols = _row_index(z.shape[0]), idx.reshape(-1)
    shifted = z - np.maximum.reduce(z, axis=-1, keepdims=True)
    log_p = shifted - np.log(np.add.reduce(np.exp(shifted), axis=-1, keepdims=True))
    loss = np.negative(log_p[rows, cols]).reshape(idx.shape)

    def vjp(g, needs):
        grad = np.exp(log_p)
        grad[rows, cols] -= 1
        return None, (g.reshape(-1, 1) * grad).reshape(logits.shape)

    return loss, vjp


_ROWS: dict = {}


def _row_index(n):
    """``np.arange(n)`` (cached: one per batch size, and read-only)."""
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) > 64:
            _ROWS.clear()
        rows = _ROWS[n] = np.arange(n)
        rows.flags.writeable = False
    return rows


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)

