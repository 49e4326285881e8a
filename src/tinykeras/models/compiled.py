"""The compiled training step: one fused forward and backward pass for stacks of Dense layers.

``fit`` uses it when ``compile(jit_compile=...)`` allows (the default ``"auto"``) and the model
qualifies (see ``CompiledStep.build``); otherwise, and whenever ``jit_compile=False`` or
``run_eagerly=True``, it runs ``Trainer.train_step``, the readable tape-based step.

It does the arithmetic of that step, with the same formulas (the activation table of
``autodiff.nn_ops`` and the crossentropy ops themselves), but with the per-op bookkeeping
taken out: buffers allocated once per batch size, the backward pass written out layer by
layer instead of walked on a tape, and gradients written straight into the optimizer's flat
gradient buffer. For a small network that bookkeeping is most of the step, as compiling is
what Keras's ``jit_compile`` buys with XLA. ``tests/test_compiled_step.py`` checks that both
paths take the same steps.
"""

import math

import numpy as np

from tinykeras import losses
from tinykeras.autodiff import wrap
from tinykeras.autodiff.nn_ops import (
    ELEMENTWISE,
    _relu,
    _sigmoid,
    _softmax,
    sigmoid_crossentropy_with_logits,
    softmax_crossentropy_with_logits,
    sparse_softmax_crossentropy_with_logits,
)
from tinykeras.errors import NonFiniteLossError
from tinykeras.layers.core import Dense

# Activations computed into a preallocated buffer; the others allocate as in the tape path.
_IN_PLACE = {"sigmoid": _sigmoid, "relu": _relu, "tanh": np.tanh}
# The losses it handles, by per-sample function, with the activation that makes the
# crossentropy start from the logits when ``from_logits`` is False.
_LOSSES = {
    losses.binary_crossentropy: "sigmoid",
    losses.categorical_crossentropy: "softmax",
    losses.sparse_categorical_crossentropy: "softmax",
    losses.mean_squared_error: None,
}


class CompiledStep:
    """A training step for one model, compiled to in-place NumPy calls; see the module doc."""

    @classmethod
    def build(cls, model):
        """Return a compiled step for ``model``, or None when only the tape path applies."""
        layers = model.layers
        loss = model._loss_fn
        fn = getattr(loss, "fn", None)
        if not layers or any(type(la) is not Dense or not la.trainable for la in layers):
            return None
        if any(la.kernel_regularizer or la.bias_regularizer or la.activity_regularizer
               or la.kernel_constraint or la.bias_constraint or la._fused is None
               for la in layers):
            return None
        if any(la._fused == "softmax" for la in layers[:-1]):
            return None
        if fn not in _LOSSES or type(loss) not in (
            losses.BinaryCrossentropy, losses.CategoricalCrossentropy,
            losses.SparseCategoricalCrossentropy, losses.MeanSquaredError,
            losses.LossFunctionWrapper,
        ):
            return None
        kwargs = loss._fn_kwargs
        logits_activation = _LOSSES[fn]
        if (loss.reduction not in ("sum_over_batch_size", "mean")
                or kwargs.get("axis", -1) != -1 or kwargs.get("ignore_class") is not None
                or model._loss_weight is not None or model._regularized
                or loss.dtype not in (None, model.dtype)):
            return None
        from_logits = kwargs.get("from_logits", False)
        if logits_activation and not from_logits and layers[-1]._fused != logits_activation:
            return None  # Keras's clipped-probability route: the tape path handles it
        variables = model._train_variables
        optimizer = model.optimizer
        buffers = optimizer.gradient_buffers()
        if buffers is None or len(optimizer._trainable_variables) != len(variables) or any(
            a is not b for a, b in zip(optimizer._trainable_variables, variables)
        ):
            return None
        return cls(model, fn, kwargs, dict(zip(map(id, variables), buffers)))

    def __init__(self, model, fn, loss_kwargs, grad_of):
        self.optimizer = model.optimizer
        self.layers = model.layers
        self.fn = fn
        self.from_logits = loss_kwargs.get("from_logits", False)
        self.label_smoothing = loss_kwargs.get("label_smoothing", 0.0)
        self.kernel_grads = [grad_of[id(la.kernel)] for la in self.layers]
        self.bias_grads = [grad_of[id(la.bias)] if la.use_bias else None for la in self.layers]
        self.dtype = self.kernel_grads[0].dtype
        self._buffers = {}

    def __call__(self, x, y, sample_weight=None):
        """Train on one batch; return ``(loss before the update, predictions)``, or None when
        this batch needs the tape path (sample weights, labels of an unexpected shape)."""
        if sample_weight is not None:
            return None
        n = len(x)
        zs, acts = self._buffers.get(n) or self._allocate(n)
        # Forward: z = a @ kernel + bias, a = activation(z), layer by layer.
        a = x
        outs = []
        for layer, z, a_buf in zip(self.layers, zs, acts):
            np.matmul(a, layer.kernel.value, out=z)
            if layer.bias is not None:
                z += layer.bias.value
            name = layer._fused
            if name == "linear":
                a = z
            elif name in _IN_PLACE:
                a = _IN_PLACE[name](z, out=a_buf)
            elif name == "softmax":
                a = _softmax(z)
            else:
                a = ELEMENTWISE[name][0](z)
            outs.append(a)
        result = self._loss_and_grad(y, zs[-1], outs[-1], n)
        if result is None:
            return None
        loss, gz = result
        if not math.isfinite(loss):  # refuse before the update: the weights stay good
            raise NonFiniteLossError(f"the loss is {loss}")
        # Backward: gradients into the optimizer's buffer, then through each activation.
        for i in range(len(self.layers) - 1, -1, -1):
            a_prev = outs[i - 1] if i else x
            np.matmul(a_prev.T, gz, out=self.kernel_grads[i])
            if self.bias_grads[i] is not None:
                np.add.reduce(gz, axis=0, out=self.bias_grads[i])
            if i:
                g = np.matmul(gz, self.layers[i].kernel.value.T)
                df = ELEMENTWISE[self.layers[i - 1]._fused][1]
                gz = g if df is None else np.multiply(g, df(zs[i - 1], outs[i - 1]), out=g)
        self.optimizer.apply_buffered()
        return loss, wrap(outs[-1])

    def _loss_and_grad(self, y, z, pred, n):
        """The mean loss and its gradient with respect to the last layer's ``z``."""
        if self.fn is losses.sparse_categorical_crossentropy:
            labels = y[..., 0] if y.ndim == pred.ndim and y.shape[-1] == 1 else y
            if labels.shape != pred.shape[:-1] or not _valid_labels(labels, pred.shape[-1]):
                return None  # the tape path raises the error that explains it
            per, vjp = sparse_softmax_crossentropy_with_logits.forward(labels, _logits(
                self, z, pred))
            return self._through_output(per, vjp, z, pred, n)
        if y.shape != pred.shape:
            if y.ndim == 1 and pred.shape == y.shape + (1,):
                y = y[:, None]  # Keras's rule: (m,) labels against (m, 1) predictions
            else:
                return None
        if self.fn is losses.mean_squared_error:
            diff = pred - y
            per = np.add.reduce(np.square(diff), axis=-1) * (1.0 / diff.shape[-1])
            scale = _mean_grad(n, self.dtype) * (1.0 / diff.shape[-1])
            gpred = 2 * (scale * diff)
            return _mean(per, n), self._activation_grad(gpred, z, pred)
        if self.fn is losses.binary_crossentropy:
            if self.label_smoothing:
                y = y * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
            probs = None if self.from_logits else pred
            per, vjp = sigmoid_crossentropy_with_logits.forward(
                y, _logits(self, z, pred), axis=-1, probs=probs)
        else:  # categorical crossentropy
            if self.label_smoothing:
                y = y * (1.0 - self.label_smoothing) + self.label_smoothing / y.shape[-1]
            per, vjp = softmax_crossentropy_with_logits.forward(y, _logits(self, z, pred))
        return self._through_output(per, vjp, z, pred, n)

    def _through_output(self, per, vjp, z, pred, n):
        g = np.full(per.shape, _mean_grad(n, self.dtype), dtype=self.dtype)
        g_logits = vjp(g, (False, True))[1]
        if self.from_logits:  # the loss's logits are the predictions: back through the output
            g_logits = self._activation_grad(g_logits, z, pred)
        return _mean(per, n), g_logits

    def _activation_grad(self, g, z, pred):
        """Carry a gradient with respect to the predictions back to the last ``z``."""
        name = self.layers[-1]._fused
        if name == "softmax":
            return pred * (g - np.sum(g * pred, axis=-1, keepdims=True))
        df = ELEMENTWISE[name][1]
        return g if df is None else g * df(z, pred)

    def _allocate(self, n):
        zs = [np.empty((n, la.units), self.dtype) for la in self.layers]
        acts = [np.empty((n, la.units), self.dtype) for la in self.layers]
        self._buffers[n] = (zs, acts)
        return zs, acts


def forward(layers, x, with_logits=False):
    """The outputs of a stack of fused-activation Dense layers for ``x``, as NumPy arrays:
    the arithmetic of ``ops.dense`` without tape, tensors or layer-call checks (predict).
    With ``with_logits``, return ``(outputs, last layer's x @ kernel + bias)``."""
    a = z = x
    for layer in layers:
        z = np.matmul(a, layer.kernel.value)
        if layer.bias is not None:
            z += layer.bias.value
        name = layer._fused
        if name == "linear":
            a = z
        elif name == "softmax":
            a = _softmax(z)
        else:
            a = ELEMENTWISE[name][0](z)
    return (a, z) if with_logits else a


def is_dense_stack(layers) -> bool:
    """True when every layer is a built Dense with a fused activation (``forward`` applies)."""
    return bool(layers) and all(
        type(la) is Dense and la.built and la._fused is not None for la in layers
    )


def _valid_labels(labels, num_classes) -> bool:
    if labels.size == 0:
        return True
    if labels.dtype.kind == "f" and np.any(labels != np.floor(labels)):
        return False
    return labels.min() >= 0 and labels.max() < num_classes


def _logits(step, z, pred):
    return pred if step.from_logits else z


def _mean_grad(n, dtype):
    # The tape's mean vjp: ones / n, rounded in the loss dtype.
    return np.asarray(np.ones((), dtype) / n, dtype=dtype)


def _mean(per, n):
    return float(np.add.reduce(per, axis=None) * (1.0 / n))
