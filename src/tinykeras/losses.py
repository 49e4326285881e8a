"""Losses: per-sample functions, and thin classes that add reduction and sample weights.

Every loss class takes ``reduction`` and ``name``:

- ``reduction="sum_over_batch_size"`` (default, alias ``"mean"``): the weighted sum of the
  per-sample losses divided by their *number* (not by the sum of the weights);
  ``"sum"``: the weighted sum; ``"mean_with_sample_weight"``: divided by the sum of the
  weights; ``None``/``"none"``: the per-sample losses themselves.
- Labels of shape ``(m,)`` against predictions of shape ``(m, 1)`` are aligned as Keras does.

Crossentropy deviation (deliberate, see DESIGN.md): when ``y_pred`` comes out of a sigmoid or
softmax activation, its logits are used (as Keras on TensorFlow does), so gradients stay alive
where the probabilities saturate.
"""

import numpy as np

from tinykeras.autodiff import Tensor, math_ops, op, ops
from tinykeras.autodiff import plan as _plan
from tinykeras.autodiff.core import unbroadcast
from tinykeras.backend import epsilon, standardize_dtype
from tinykeras.errors import InvalidArgumentError, NonFiniteInputError
from tinykeras.utils import validation
from tinykeras.utils.naming import to_snake_case
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)


# -- per-sample functions ------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy averaged over ``axis``; returns one value per sample."""
    y_pred = ops.convert_to_tensor(y_pred)
    # A Tensor, so label arithmetic runs as ops (and a traced step replays it per batch).
    y_true = ops.convert_to_tensor(_cast_like(y_true, y_pred))
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return ops.sigmoid_crossentropy_with_logits(y_true, y_pred, axis=axis)
    if y_pred._keras_logits is not None:
        return ops.sigmoid_crossentropy_with_logits(y_true, y_pred._keras_logits, axis=axis,
                                                    probs=y_pred.value)
    # Keras's probability route: clip to [eps, 1 - eps] (in the prediction's dtype).
    eps = epsilon()
    p = ops.clip(y_pred, eps, 1.0 - eps)
    return ops.mean(-(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p)), axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and class probabilities, per sample."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(_cast_like(y_true, y_pred))  # label arithmetic as ops
    if label_smoothing:
        num_classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    logits = y_pred if from_logits else (y_pred._keras_logits if axis in (-1,) else None)
    if logits is not None:
        return ops.softmax_crossentropy_with_logits(y_true, logits, axis=axis)
    # Keras renormalizes the probabilities, then clips them.
    p = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    p = ops.clip(p, epsilon(), 1.0 - epsilon())
    return -ops.sum(y_true * ops.log(p), axis=axis)


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits=False, ignore_class=None, axis=-1
):
    """Crossentropy between integer labels and class probabilities, per sample."""
    y_pred = ops.convert_to_tensor(y_pred)
    if ignore_class is not None:
        _plan.refuse("sparse crossentropy with ignore_class")
    labels = np.asarray(_raw(y_true)) if ignore_class is not None else y_true
    # An op, so that a replayed training step checks and converts every batch's labels.
    valid = _sparse_labels(y_true, tuple(y_pred.shape), ignore_class=ignore_class)
    logits = y_pred if from_logits else y_pred._keras_logits
    if logits is not None:
        loss = ops.sparse_softmax_crossentropy_with_logits(valid, logits)
    else:
        p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        p = ops.clip(p, epsilon(), 1.0 - epsilon())
        idx = ops.expand_dims(valid, -1)
        loss = -ops.take_along_axis(ops.log(p), idx, axis=-1)[..., 0]
    if ignore_class is not None:
        if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
            labels = labels[..., 0]
        loss = loss * (labels != ignore_class).astype(loss.dtype)
    return loss


def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of ``(y_true - y_pred) ** 2``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    if y_pred.value.ndim == 0:  # no last axis: NumPy's own refusal, from the plain ops
        return ops.mean(ops.square(y_pred - y_true), axis=-1)
    return _squared_error_mean(y_pred, y_true)


@op
def _squared_error_mean(y_pred, y_true):
    """``mean(square(y_pred - y_true), axis=-1)`` as one op: the arithmetic of those three
    ops and of their three vjps, in one call each way (regression losses run every step)."""
    diff = np.subtract(y_pred, y_true)
    total = np.add.reduce(np.square(diff), axis=-1)
    count = diff.shape[-1]
    out = np.multiply(total, 1.0 / count, dtype=total.dtype)

    def vjp(g, needs):
        g_diff = 2 * math_ops._restore(g / count, diff.shape, -1, False) * diff
        return (
            unbroadcast(g_diff, np.shape(y_pred)) if needs[0] else None,
            unbroadcast(-g_diff, np.shape(y_true)) if needs[1] else None,
        )

    return out, vjp


def mean_absolute_error(y_true, y_pred):
    """Mean over the last axis of ``|y_true - y_pred|``."""
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(ops.abs(y_pred - _cast_like(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|)`` over the last axis."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    diff = ops.abs((y_true - y_pred) / np.maximum(np.abs(y_true), epsilon()))
    return 100.0 * ops.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean over the last axis of ``(log(1 + y_pred) - log(1 + y_true)) ** 2``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    first = ops.log(ops.maximum(y_pred, epsilon()) + 1.0)
    second = np.log(np.maximum(y_true, epsilon()) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for errors below ``delta``, linear above it; mean over the last axis."""
    y_pred = ops.convert_to_tensor(y_pred)
    error = y_pred - _cast_like(y_true, y_pred)
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = delta * abs_error - 0.5 * delta**2
    return ops.mean(ops.where(abs_error.value <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Mean over the last axis of ``log(cosh(y_pred - y_true))``, computed without overflow."""
    y_pred = ops.convert_to_tensor(y_pred)
    x = y_pred - _cast_like(y_true, y_pred)
    # log(cosh(x)) = x + softplus(-2x) - log(2)
    return ops.mean(x + ops.softplus(-2.0 * x) - float(np.log(2.0)), axis=-1)


def hinge(y_true, y_pred):
    """Mean over the last axis of ``max(1 - y_true * y_pred, 0)``; 0/1 labels become -1/1."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2.0 * y_true - 1.0
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` over the last axis, both clipped to [eps, 1]."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = np.clip(_cast_like(y_true, y_pred), epsilon(), 1.0)
    p = ops.clip(y_pred, epsilon(), 1.0)
    return ops.sum(y_true * (np.log(y_true) - ops.log(p)), axis=-1)


def poisson(y_true, y_pred):
    """Mean over the last axis of ``y_pred - y_true * log(y_pred + eps)``."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon()), axis=-1)


# -- classes -------------------------------------------------------------------------------------
class Loss:
    """Base class: turns per-sample losses into one value (see the module docstring)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            validation.check_choice("reduction", reduction, REDUCTIONS,
                                    who=type(self).__name__)
        if name is not None and not isinstance(name, str):
            raise validation.refuse(type(self).__name__, "name", "a string", name)
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = standardize_dtype(dtype) if dtype is not None else None

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Return the reduced loss of ``y_pred`` against ``y_true`` as a scalar Tensor."""
        y_pred = _as_prediction(y_pred, self.dtype, self.name)
        y_true = _as_array(y_true, "y_true")
        if _plan.ACTIVE:  # as an op, so that a replayed step checks every batch's targets
            y_true = _checked_targets(y_true, self, tuple(y_pred.shape)).value
        else:
            self.check_targets(y_true, tuple(y_pred.shape))
        if sample_weight is not None:
            _check_sample_weight(sample_weight, y_true, self.name)
        values = self.call(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        """Return the per-sample losses (subclasses implement this)."""
        raise NotImplementedError

    def check_targets(self, y_true, pred_shape, y_name="y_true", pred_name="y_pred"):
        """Refuse targets that cannot be compared with predictions of ``pred_shape``.

        The base class checks the number of samples only (a custom loss knows its own
        label rules); the built-in losses also check shapes and label values.
        """
        if np.shape(y_true)[:1] != tuple(pred_shape[:1]):
            raise InvalidArgumentError(
                f"Loss '{self.name}': `{y_name}` and `{pred_name}` must have the same number "
                f"of samples. Received: {y_name}.shape={np.shape(y_true)}, "
                f"{pred_name}.shape={tuple(pred_shape)}"
            )

    def get_config(self) -> dict:
        """Return the constructor arguments, as Keras writes them."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """Rebuild a loss from ``get_config()`` output."""
        config = {k: v for k, v in config.items() if k != "dtype" or v is not None}
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class LossFunctionWrapper(Loss):
    """A Loss built from a per-sample function and its keyword arguments."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        """Align label and prediction ranks as Keras does, then apply the function."""
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def check_targets(self, y_true, pred_shape, y_name="y_true", pred_name="y_pred"):
        """For the built-in losses: targets of the predictions' shape (up to a trailing axis
        of size 1, Keras's rule), then the loss's own label values."""
        super().check_targets(y_true, pred_shape, y_name, pred_name)
        if self.fn is sparse_categorical_crossentropy:
            _check_sparse_targets(self, y_true, pred_shape, y_name, pred_name)
            return
        if self.fn not in _SAME_SHAPE:
            return
        shape, pred_shape = np.shape(y_true), tuple(pred_shape)
        if not (shape == pred_shape or shape + (1,) == pred_shape or shape == pred_shape + (1,)):
            raise InvalidArgumentError(
                f"Loss '{self.name}': `{y_name}` has shape {shape}, but {_have(pred_name)} shape "
                f"{pred_shape} ({_outputs(pred_shape)} per sample). "
                f"{_shape_fix(y_true, pred_shape)}"
            )
        if self.fn is binary_crossentropy:
            _check_probabilities(self.name, y_true, y_name)

    def get_config(self):
        """Return name, reduction and the function's keyword arguments."""
        return {**super().get_config(), **self._fn_kwargs}


class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy for 0/1 labels against probabilities (or logits with ``from_logits``)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        from_logits, label_smoothing = _check_crossentropy_args(from_logits, label_smoothing)
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot labels against class probabilities (or logits)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        from_logits, label_smoothing = _check_crossentropy_args(from_logits, label_smoothing)
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class labels against class probabilities (or logits)."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        from_logits = validation.check_bool("from_logits", from_logits, who=type(self).__name__)
        validation.check_int("ignore_class", ignore_class, allow_none=True,
                             who=type(self).__name__)
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        """Apply the function directly: integer labels have their own shape rules."""
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """As ``Loss.__call__``; with ``ignore_class`` the ignored samples are also left out
        of the reduction, as Keras masks them: the mean is over the samples kept."""
        ignore_class = self._fn_kwargs["ignore_class"]
        if ignore_class is not None:
            labels = np.asarray(_raw(y_true))
            if labels.ndim == np.ndim(y_pred) and labels.shape[-1] == 1:
                labels = labels[..., 0]
            sample_weight = _mask_weights(labels != ignore_class, sample_weight, self.reduction)
        return super().__call__(y_true, y_pred, sample_weight)


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors: ``mean((y_true - y_pred) ** 2)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors: ``mean(|y_true - y_pred|)``."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute error as a percentage of ``|y_true|``."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared error between ``log(1 + y)`` values."""

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class Huber(LossFunctionWrapper):
    """Huber loss: squared error near zero, absolute error beyond ``delta``."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        delta = validation.check_float("delta", delta, low=0.0, low_open=True, who="Huber")
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Logarithm of the hyperbolic cosine of the error."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Hinge loss for -1/1 (or 0/1) labels."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of ``y_pred`` from ``y_true``."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood (up to a constant)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


# -- helpers -------------------------------------------------------------------------------------
def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weight per-sample losses and reduce them as ``reduction`` says."""
    if sample_weight is not None:
        # asanyarray: while tracing, the weights stay marked as batch data (autodiff/plan.py).
        sw = np.asanyarray(_raw(sample_weight), dtype=values.dtype)
        # Keras's rule first: values (m,) with weights (m, 1) become (m, 1), the shape that
        # reduction "none" returns; then broadcast what remains.
        values, sw = squeeze_or_expand_to_same_rank(values, sw)
        sw = _align_weights(sw, values.shape)
        values = values * sw
    if reduction is None or reduction == "none":
        return values
    if reduction == "sum":
        return ops.sum(values)
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        total = float(np.sum(sw))
        return ops.sum(values) / total if total else ops.sum(values) * 0.0
    if values.ndim == 0:
        return values
    return ops.mean(values)


def _mask_weights(kept, sample_weight, reduction):
    """Fold a boolean mask into the sample weights, as Keras's ``apply_mask`` does."""
    mask = kept.astype(np.float64)
    if reduction in ("mean", "sum_over_batch_size"):
        # Kept samples weigh total/kept, so dividing by the total gives the mean over kept.
        n_kept = mask.sum()
        mask *= mask.size / n_kept if n_kept else 0.0
    if sample_weight is None:
        return mask
    mask, sw = squeeze_or_expand_to_same_rank(mask, np.asarray(_raw(sample_weight), np.float64))
    return sw * mask


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make ranks equal when they differ by one trailing axis of size 1 (Keras's rule)."""
    r1, r2 = _ndim(x1), _ndim(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and np.shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand(x2)
        else:
            x1 = _squeeze(x1)
    elif r2 == r1 + 1 and np.shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand(x1)
        else:
            x2 = _squeeze(x2)
    return x1, x2


def _ndim(x):
    return x.ndim if isinstance(x, (np.ndarray, Tensor)) else np.ndim(x)


def _align_weights(sw, shape):
    shape = tuple(shape)
    while sw.ndim > len(shape) and sw.shape[-1] == 1:
        sw = sw[..., 0]
    while sw.ndim < len(shape):
        sw = sw[..., None]
    return sw


def _expand(x):
    # As an op while tracing too, so a replayed step reshapes each batch's labels.
    if isinstance(x, Tensor) or _plan.ACTIVE:
        return ops.expand_dims(x, -1)
    return np.expand_dims(x, -1)


def _squeeze(x):
    if isinstance(x, Tensor) or _plan.ACTIVE:
        return ops.squeeze(x, -1)
    return np.squeeze(x, -1)


def _raw(x):
    return x.value if isinstance(x, Tensor) else x


def _as_array(y, name="y_true"):
    try:
        y = np.asanyarray(_raw(y))  # a traced batch stays marked (autodiff/plan.py)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"Argument `{name}` is not a rectangular array: {exc}") from None
    if y.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"Expected numeric labels `{name}`. Received an array of dtype {y.dtype}."
        )
    return y


def _as_prediction(y_pred, dtype, who):
    if isinstance(y_pred, Tensor):
        return ops.convert_to_tensor(y_pred, dtype=dtype)
    return ops.convert_to_tensor(_as_array(y_pred, "y_pred"), dtype=dtype)


def _check_sample_weight(sample_weight, y_true, who):
    sw = np.shape(_raw(sample_weight))
    n = np.shape(y_true)[:1]
    if sw and sw[:1] != n:
        raise InvalidArgumentError(
            f"Loss '{who}': argument `sample_weight` of shape {sw} does not fit `y_true` of "
            f"shape {np.shape(y_true)}: give one weight per sample, shape {n}."
        )


def _check_crossentropy_args(from_logits, label_smoothing):
    from_logits = validation.check_bool("from_logits", from_logits)
    label_smoothing = validation.check_float("label_smoothing", label_smoothing, low=0.0,
                                             high=1.0)
    return from_logits, label_smoothing


def _check_probabilities(who, y, name):
    y = _raw(y)
    # minimum/maximum.reduce are what .min()/.max() run, minus a Python wrapper: this check
    # runs on every training batch.
    if y.size and (np.minimum.reduce(y, axis=None) < 0 or np.maximum.reduce(y, axis=None) > 1):
        bad = y.max() if y.max() > 1 else y.min()
        row = int(np.argwhere(y == bad)[0][0])
        raise InvalidArgumentError(
            f"Loss '{who}' expects labels in [0, 1] (the probability of the positive class), "
            f"but `{name}` holds {bad:g} at row {row}. For -1/1 labels pass (y + 1) / 2; for "
            "more than two classes use sparse_categorical_crossentropy and a softmax output."
        )


def _check_class_labels(who, labels, num_classes, ignore_class=None, shape=None):
    """Integer-valued labels in ``[0, num_classes)`` (``ignore_class`` is left out)."""
    labels = np.asarray(_raw(labels))
    if labels.dtype.kind == "f" and labels.size:
        if not np.all(np.isfinite(labels)):
            raise NonFiniteInputError(f"{who}: the labels contain NaN or infinity.")
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise InvalidArgumentError(
                f"{who} expects integer class labels in `y_true`. Received non-integer "
                f"values such as {labels[np.mod(labels, 1) != 0][:3]}."
            )
    valid = labels if ignore_class is None else labels[labels != ignore_class]
    if valid.size and (valid.min() < 0 or valid.max() >= num_classes):
        bad = valid.max() if valid.max() >= num_classes else valid.min()
        shown = "" if shape is None else f" with predictions of shape {shape}"
        raise InvalidArgumentError(
            f"Received a label value of {int(bad)} which is outside the valid range of "
            f"[0, {num_classes}) for {who}{shown}. Labels must run from 0 to "
            f"{num_classes - 1}: subtract 1 from labels that start at 1, or give the last "
            f"layer {int(valid.max()) + 1} units."
        )


@op(arity=1)
def _checked_targets(y_true, loss, pred_shape, check=True):
    """``y_true`` itself, after ``loss.check_targets``: the checks as an op (no gradient).
    A replay passes ``check=False`` where fit has checked the whole array (see ``door``)."""
    if check:
        loss.check_targets(y_true, pred_shape)
    return y_true, _no_gradient


def _no_gradient(g, needs):
    return (None,)


# fit checked the whole `y` with this loss for predictions of this shape: no need per batch.
_checked_targets.forward.door_covered = (
    lambda loss, pred_tail, checked_loss, pred_shape: checked_loss is loss
    and tuple(pred_shape[1:]) == pred_tail)
_checked_targets.forward.door_identity = True


@op(arity=1)
def _sparse_labels(y_true, pred_shape, ignore_class=None, check=True):
    """The integer labels of ``sparse_categorical_crossentropy`` for predictions of shape
    ``pred_shape``, checked (shape, whole numbers in range) and as ``intp`` (``ignore_class``
    entries become 0). No gradient. An op, not Python around the loss, so that a replayed
    training step checks and converts every batch's labels (see ``autodiff/plan.py``)."""
    labels = np.asarray(y_true)
    if labels.ndim == len(pred_shape) and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if check:  # a replay skips them for a batch of labels fit has checked whole (`door`)
        if labels.shape != tuple(pred_shape[:-1]):
            raise InvalidArgumentError(
                f"sparse_categorical_crossentropy expects integer labels of shape "
                f"{tuple(pred_shape[:-1])} for predictions of shape {tuple(pred_shape)}. "
                f"Received labels of shape {np.shape(y_true)}"
                + (": one-hot rows? Use categorical_crossentropy." if labels.shape == tuple(
                    pred_shape) else ".")
            )
        _check_class_labels("sparse_categorical_crossentropy", labels, pred_shape[-1],
                            ignore_class, shape=tuple(pred_shape))
    labels = labels.astype(np.intp, copy=False)
    valid = labels if ignore_class is None else np.where(labels == ignore_class, 0, labels)
    return valid, _no_gradient


# fit checked the whole `y` with a compiled sparse crossentropy of the same ignore_class.
_sparse_labels.forward.door_covered = (
    lambda loss, pred_tail, pred_shape, ignore_class=None:
    getattr(loss, "fn", None) is sparse_categorical_crossentropy
    and loss._fn_kwargs.get("ignore_class") == ignore_class
    and tuple(pred_shape[1:]) == pred_tail)


def _check_sparse_targets(loss, y_true, pred_shape, y_name, pred_name):
    """Integer labels of shape ``pred_shape[:-1]`` (or with a trailing 1), each in
    ``[0, classes)``; one-hot rows are refused with the loss to use instead."""
    shape, pred_shape = np.shape(y_true), tuple(pred_shape)
    if shape not in (pred_shape[:-1], pred_shape[:-1] + (1,)):
        one_hot = shape == pred_shape and pred_shape[-1] > 1
        raise InvalidArgumentError(
            f"Loss '{loss.name}' expects integer class labels of shape {pred_shape[:-1]} "
            f"or {pred_shape[:-1] + (1,)}, but `{y_name}` has shape {shape}"
            + (" like one-hot rows. For one-hot labels use loss='categorical_crossentropy', "
               "or pass np.argmax(y, axis=-1)." if one_hot else
               f" while {_have(pred_name)} shape {pred_shape}.")
        )
    _check_class_labels(loss.name, y_true, pred_shape[-1], loss._fn_kwargs.get("ignore_class"))


def _have(pred_name) -> str:
    """``"`y_pred` has"`` for an argument, ``"the model's predictions ... have"`` otherwise."""
    if pred_name == "y_pred":
        return "`y_pred` has"
    return f"{pred_name} have"


def _outputs(shape) -> str:
    k = shape[-1] if shape else 1
    return f"{k} output" + ("s" if k != 1 else "")


def _shape_fix(y, pred_shape) -> str:
    shape = np.shape(y)
    k = pred_shape[-1] if pred_shape else 1
    y = _raw(y)
    integral = y.dtype.kind in "iub" or bool(np.all(np.mod(y, 1) == 0))
    if len(shape) == len(pred_shape) and shape[-1] == 1 and k > 1 and integral:
        return ("These look like integer class labels: use "
                "loss='sparse_categorical_crossentropy' (SparseCategoricalCrossentropy), or "
                f"one-hot encode them with tinykeras.utils.to_categorical(y, {k}).")
    if k == 1 and len(shape) >= 2 and shape[-1] > 1:
        return (f"Give one target per sample, or end the model with Dense({shape[-1]}) to "
                f"predict {shape[-1]} values.")
    return "Make the last layer's units match the targets' last axis."


def _cast_like(y_true, y_pred):
    """``y_true`` as an array of the prediction's dtype and shape; shapes that differ by more
    than a trailing axis of size 1 are refused (NumPy would broadcast them silently)."""
    y = _raw(y_true)
    dtype = y_pred.value.dtype
    if not (isinstance(y, np.ndarray) and y.dtype == dtype):
        # asanyarray keeps a traced batch marked, so a trace refuses rather than bake it in.
        y = np.asanyarray(y, dtype=dtype)
    shape = y_pred.value.shape
    if y.shape != shape:
        if y.shape + (1,) == shape or y.shape == shape + (1,):
            # An op while tracing, so that a replayed step reshapes each batch's labels.
            return ops.reshape(y, shape) if _plan.ACTIVE else y.reshape(shape)
        raise InvalidArgumentError(
            f"`y_true` of shape {y.shape} does not match `y_pred` of shape {shape} "
            f"({_outputs(shape)} per sample). {_shape_fix(y, shape)}"
        )
    return y


# -- lookup by name -------------------------------------------------------------------------------
ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (
        Loss, LossFunctionWrapper, BinaryCrossentropy, CategoricalCrossentropy,
        SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
        MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber, LogCosh, Hinge,
        KLDivergence, Poisson,
    )
}
FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
        mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
        mean_squared_logarithmic_error, huber, log_cosh, hinge, kl_divergence, poisson,
    )
}
# The built-in functions whose targets have the predictions' shape (sparse has its own rule).
_SAME_SHAPE = frozenset(FUNCTIONS.values()) - {sparse_categorical_crossentropy}
ALIASES = {
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "kld": kl_divergence, "KLD": kl_divergence, "logcosh": log_cosh,
    "huber_loss": huber,
}
# Keras-2 style uppercase function aliases (``from tensorflow.keras.losses import MSE``).
MSE = mse = mean_squared_error
MAE = mae = mean_absolute_error
MAPE = mape = mean_absolute_percentage_error
MSLE = msle = mean_squared_logarithmic_error
KLD = kld = kl_divergence
logcosh = log_cosh


def get(identifier):
    """Return a loss for a Loss instance, a class or function name, a config dict or a callable."""
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    validation.check_instance_not_class("loss", identifier, Loss)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in ALL_OBJECTS:
            return ALL_OBJECTS[identifier]()
        fn = FUNCTIONS.get(identifier) or ALIASES.get(identifier)
        if fn is None:
            raise _unknown(identifier)
        return fn
    if callable(identifier):
        return identifier
    raise _unknown(identifier)


def serialize(loss) -> dict | str:
    """Return a Keras config dict for a Loss, or the name of a loss function."""
    if isinstance(loss, Loss):
        return serialize_keras_object(loss, "keras.losses", ALL_OBJECTS)
    return getattr(loss, "__name__", loss)


def deserialize(config, custom_objects=None):
    """Rebuild a loss from ``serialize`` output (never imports or runs named code)."""
    if isinstance(config, str):
        return get(config)  # a name may also be a loss function
    return deserialize_keras_object(config, ALL_OBJECTS, custom_objects, _unknown_loss)


def _unknown(identifier) -> InvalidArgumentError:
    names = sorted(set(FUNCTIONS) | set(ALIASES) | set(ALL_OBJECTS))
    return InvalidArgumentError(
        f"Could not interpret loss identifier: {identifier!r}."
        f"{validation.did_you_mean(identifier, names)} Expected one of {names}."
    )


def _unknown_loss(name) -> InvalidArgumentError:
    return InvalidArgumentError(
        f"Unknown loss class {name!r}.{validation.did_you_mean(name, ALL_OBJECTS)} "
        f"Expected one of {sorted(ALL_OBJECTS)}.")

