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

from tinykeras.autodiff import Tensor, ops
from tinykeras.backend import epsilon, standardize_dtype
from tinykeras.utils.naming import to_snake_case
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object

REDUCTIONS = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", "none", None)


# -- per-sample functions ------------------------------------------------------------------------
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy averaged over ``axis``; returns one value per sample."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _cast_like(y_true, y_pred)
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
    y_true = _cast_like(y_true, y_pred)
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
    labels = np.asarray(_raw(y_true))
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind == "f":
        if not np.all(np.equal(np.mod(labels, 1), 0)):
            raise ValueError(
                "SparseCategoricalCrossentropy expects integer class labels in `y_true`. "
                f"Received non-integer values such as {labels[np.mod(labels, 1) != 0][:3]}."
            )
    labels = labels.astype(np.intp, copy=False)
    num_classes = y_pred.shape[-1]
    valid = labels if ignore_class is None else np.where(labels == ignore_class, 0, labels)
    if valid.size and (valid.min() < 0 or valid.max() >= num_classes):
        bad = valid.max() if valid.max() >= num_classes else valid.min()
        raise ValueError(
            f"Received a label value of {int(bad)}"
            f" which is outside the valid range of [0, {num_classes}) for "
            f"sparse_categorical_crossentropy with predictions of shape {tuple(y_pred.shape)}."
        )
    logits = y_pred if from_logits else y_pred._keras_logits
    if logits is not None:
        loss = ops.sparse_softmax_crossentropy_with_logits(valid, logits)
    else:
        p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
        p = ops.clip(p, epsilon(), 1.0 - epsilon())
        loss = -ops.take_along_axis(ops.log(p), valid[..., None], axis=-1)[..., 0]
    if ignore_class is not None:
        loss = loss * (labels != ignore_class).astype(loss.dtype)
    return loss


def mean_squared_error(y_true, y_pred):
    """Mean over the last axis of ``(y_true - y_pred) ** 2``."""
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.mean(ops.square(y_pred - _cast_like(y_true, y_pred)), axis=-1)


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
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {list(REDUCTIONS)}. "
                f"Received: reduction={reduction!r}"
            )
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = reduction
        self.dtype = standardize_dtype(dtype) if dtype is not None else None

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Return the reduced loss of ``y_pred`` against ``y_true`` as a scalar Tensor."""
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true = _as_array(y_true)
        if y_true.shape[:1] != tuple(y_pred.shape[:1]):
            raise ValueError(
                f"Loss '{self.name}': `y_true` and `y_pred` must have the same number of "
                f"samples. Received: y_true.shape={y_true.shape}, "
                f"y_pred.shape={tuple(y_pred.shape)}"
            )
        values = self.call(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        """Return the per-sample losses (subclasses implement this)."""
        raise NotImplementedError

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

    def get_config(self):
        """Return name, reduction and the function's keyword arguments."""
        return {**super().get_config(), **self._fn_kwargs}


class BinaryCrossentropy(LossFunctionWrapper):
    """Crossentropy for 0/1 labels against probabilities (or logits with ``from_logits``)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=float(label_smoothing),
                         axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = float(label_smoothing)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot labels against class probabilities (or logits)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=float(label_smoothing),
                         axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = float(label_smoothing)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class labels against class probabilities (or logits)."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
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
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=float(delta))


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
        sw = np.asarray(_raw(sample_weight), dtype=values.dtype)
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
    return ops.expand_dims(x, -1) if isinstance(x, Tensor) else np.expand_dims(x, -1)


def _squeeze(x):
    return ops.squeeze(x, -1) if isinstance(x, Tensor) else np.squeeze(x, -1)


def _raw(x):
    return x.value if isinstance(x, Tensor) else x


def _as_array(y_true):
    y = np.asarray(_raw(y_true))
    if y.dtype.kind not in "biuf":
        raise ValueError(
            f"Expected numeric labels `y_true`. Received an array of dtype {y.dtype}."
        )
    return y


def _cast_like(y_true, y_pred):
    y = _raw(y_true)
    dtype = y_pred.value.dtype
    if isinstance(y, np.ndarray) and y.dtype == dtype:
        return y
    return np.asarray(y, dtype=dtype)


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


def _unknown(identifier) -> ValueError:
    return ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected one of "
        f"{sorted(set(FUNCTIONS) | set(ALIASES) | set(ALL_OBJECTS))}."
    )


def _unknown_loss(name) -> ValueError:
    return ValueError(f"Unknown loss class {name!r}. Expected one of {sorted(ALL_OBJECTS)}.")

