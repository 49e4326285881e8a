"""More Keras metrics: top-k accuracies, R2, percentage and log-cosh errors, crossentropies.

Each per-sample metric is a ``MeanMetricWrapper`` around a function with Keras's formula (the
losses' functions where the loss exists), so weighting and averaging work as for every mean.
"""

import numpy as np

from tinykeras import losses
from tinykeras.errors import InvalidArgumentError
from tinykeras.metrics import MeanMetricWrapper, Metric, _np, _pair
from tinykeras.utils import validation


def _in_top_k(labels, y_pred, k):
    """1.0 where the label's score is among the k largest (ties count for the label, and a
    NaN score never does: the rank is 1 + the number of strictly larger scores)."""
    labels = labels.astype(np.int64)
    at_label = np.take_along_axis(y_pred, labels[:, None], axis=-1)
    at_label = np.where(np.isnan(at_label), -np.inf, at_label)
    rank = 1 + np.sum(y_pred > at_label, axis=-1)
    return (rank <= k).astype(y_pred.dtype)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest predictions."""
    y_true, y_pred = _np(y_true, "y_true"), _np(y_pred, "y_pred")
    return _in_top_k(np.argmax(y_true, axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is among the k highest predictions."""
    y_true, y_pred = _np(y_true, "y_true"), _np(y_pred, "y_pred")
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return _in_top_k(y_true.reshape(len(y_pred)), y_pred, k)


def _loss_values(fn, **kwargs):
    def per_sample(y_true, y_pred):
        y_true, y_pred = _np(y_true, "y_true"), _np(y_pred, "y_pred")
        return fn(y_true, y_pred, **kwargs).value
    return per_sample


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is in the top ``k`` predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        k = validation.check_int("k", k, low=1, who="TopKCategoricalAccuracy")
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is in the top ``k`` predictions."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """``100 * mean(|y - p| / max(|y|, epsilon))`` over the samples seen."""

    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_loss_values(losses.mean_absolute_percentage_error), name=name,
                         dtype=dtype)

    def get_config(self):
        """Return name and dtype."""
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredLogarithmicError(MeanAbsolutePercentageError):
    """``mean((log(1 + y) - log(1 + p))**2)`` over the samples seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        MeanMetricWrapper.__init__(self, _loss_values(losses.mean_squared_logarithmic_error),
                                   name=name, dtype=dtype)


class LogCoshError(MeanAbsolutePercentageError):
    """``mean(log(cosh(p - y)))`` over the samples seen."""

    def __init__(self, name="logcosh", dtype=None):
        MeanMetricWrapper.__init__(self, _loss_values(losses.log_cosh), name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The binary crossentropy over the samples seen (Keras's metric: from probabilities it
    clips them to [epsilon, 1 - epsilon], whatever layer produced them)."""

    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0):
        super().__init__(_loss_values(losses.binary_crossentropy, from_logits=from_logits,
                                      label_smoothing=label_smoothing), name=name, dtype=dtype)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing

    def get_config(self):
        """Return name, dtype, from_logits and label_smoothing."""
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(BinaryCrossentropy):
    """The categorical crossentropy over the samples seen (one-hot labels)."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0, axis=-1):
        MeanMetricWrapper.__init__(
            self, _loss_values(losses.categorical_crossentropy, from_logits=from_logits,
                               label_smoothing=label_smoothing, axis=axis),
            name=name, dtype=dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        """Return name, dtype, from_logits, label_smoothing and axis."""
        return {**super().get_config(), "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The sparse categorical crossentropy over the samples seen (integer labels)."""

    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(_loss_values(losses.sparse_categorical_crossentropy,
                                      from_logits=from_logits, axis=axis), name=name,
                         dtype=dtype)
        self.from_logits, self.axis = from_logits, axis

    def get_config(self):
        """Return name, dtype, from_logits and axis."""
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "axis": self.axis}


class R2Score(Metric):
    """The coefficient of determination, ``1 - SS_res / SS_tot``, per output then aggregated.

    Args:
        class_aggregation: ``"uniform_average"`` (the mean over outputs), ``"variance_weighted_
            average"`` (weighted by each output's variance) or None (one score per output).
        num_regressors: the number of features, for the adjusted R2 (0: plain R2).
    """

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise InvalidArgumentError(
                "Invalid value for argument `class_aggregation`. Expected one of {None, "
                "'uniform_average', 'variance_weighted_average'}. Received: "
                f"class_aggregation={class_aggregation!r}"
            )
        if num_regressors < 0:
            raise InvalidArgumentError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.reset_state()

    def reset_state(self):
        """Zero the sums (keeping their shape once known)."""
        sums = getattr(self, "_sums", None)
        self._sums = None if sums is None else [np.zeros_like(v) for v in sums]
        self._num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's weighted sums of y, y**2 and squared errors."""
        y_true, y_pred = _pair(y_true, y_pred)
        y_true = y_true.astype(np.float64).reshape(len(y_true), -1)
        y_pred = y_pred.astype(np.float64).reshape(len(y_pred), -1)
        w = np.ones((len(y_true), 1)) if sample_weight is None else (
            _np(sample_weight, "sample_weight").astype(np.float64).reshape(len(y_true), -1))
        w = np.broadcast_to(w, y_true.shape)
        new = [np.sum(y_true * w, axis=0), np.sum(y_true ** 2 * w, axis=0),
               np.sum((y_true - y_pred) ** 2 * w, axis=0), np.sum(w, axis=0)]
        self._sums = new if self._sums is None else [a + b for a, b in zip(self._sums, new)]
        self._num_samples += len(y_true)

    def result(self):
        """Return the score (an array per output when ``class_aggregation`` is None)."""
        if self._sums is None:
            return 0.0
        total_sum, squared_sum, residual, count = self._sums
        mean = total_sum / count
        total = squared_sum - total_sum * mean
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = 1 - residual / total
        raw = np.where(np.isinf(raw), 0.0, raw)  # a constant target: Keras reports 0
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(raw * total / np.sum(total))
        else:
            score = raw
        if self.num_regressors:
            n, p = self._num_samples, self.num_regressors
            if p > n - 1:
                raise InvalidArgumentError(
                    f"R2Score: more regressors ({p}) than samples minus one ({n - 1}); the "
                    "adjusted score is undefined."
                )
            if p < n - 1:
                score = 1 - (1 - score) * (n - 1) / (n - p - 1)
        score = np.asarray(score, dtype=self.dtype)
        return float(score) if score.ndim == 0 else score

    def get_config(self):
        """Return name, dtype, class_aggregation and num_regressors."""
        return {"name": self.name, "dtype": self.dtype,
                "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
