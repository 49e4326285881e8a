"""Metrics: stateful averages over an epoch (``update_state``, ``result``, ``reset_state``).

Metrics are not differentiated, so they work on NumPy arrays directly. The string
``"accuracy"`` (or ``"acc"``) is resolved from the label and prediction shapes, as Keras does
(see ``get_accuracy``).
"""

import numpy as np

from tinykeras import losses as _losses
from tinykeras.autodiff import Tensor
from tinykeras.backend import floatx, standardize_dtype
from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.losses import (
    mean_absolute_error as _mae_loss,
)
from tinykeras.losses import (
    mean_squared_error as _mse_loss,
)
from tinykeras.losses import squeeze_or_expand_to_same_rank
from tinykeras.utils import validation
from tinykeras.utils.naming import to_snake_case
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object


def _np(x, name="values"):
    arr = x.value if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"Metric argument `{name}` must be numeric. Received an array of dtype {arr.dtype}."
        )
    return arr


def _pair(y_true, y_pred, same_shape=True):
    """Labels and predictions as arrays with one sample each per row, of one shape (up to a
    trailing axis of size 1, Keras's rule); mismatches are refused, never broadcast."""
    y_true, y_pred = _np(y_true, "y_true"), _np(y_pred, "y_pred")
    if y_true.shape[:1] != y_pred.shape[:1]:
        raise InvalidArgumentError(
            f"Metric inputs `y_true` and `y_pred` must have the same number of samples. "
            f"Received: y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if same_shape and y_true.shape != y_pred.shape:
        raise InvalidArgumentError(
            f"Metric inputs `y_true` of shape {y_true.shape} and `y_pred` of shape "
            f"{y_pred.shape} do not match: give one label per prediction."
        )
    return y_true, y_pred


# -- per-sample metric functions ----------------------------------------------------------------
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` matches the 0/1 label, elementwise (as Keras 3)."""
    y_true, y_pred = _pair(y_true, y_pred)
    hits = (y_pred > threshold).astype(y_true.dtype) == y_true
    return hits.astype(floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` matches the argmax of one-hot ``y_true``."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of ``y_pred`` equals the integer label."""
    y_true, y_pred = _np(y_true), _np(y_pred)
    shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and shape[-1] == 1
    if reshape:
        y_true = y_true[..., 0]
    hits = (np.argmax(y_pred, axis=-1).astype(y_true.dtype) == y_true).astype(floatx())
    return hits.reshape(shape) if reshape else hits


def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly."""
    y_true, y_pred = _pair(y_true, y_pred)
    return (y_true == y_pred).astype(floatx())


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error (NumPy values)."""
    return _mse_loss(_np(y_true), _np(y_pred)).value


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean absolute error (NumPy values)."""
    return _mae_loss(_np(y_true), _np(y_pred)).value


# -- classes --------------------------------------------------------------------------------------
class Metric:
    """Base class: accumulate with ``update_state``, read ``result``, clear with ``reset_state``."""

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise validation.refuse(type(self).__name__, "name", "a string", name)
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = standardize_dtype(dtype) if dtype is not None else floatx()
        if np.dtype(self.dtype).kind != "f":
            raise validation.refuse(type(self).__name__, "dtype", "a float dtype such as "
                                    "'float32' (a metric averages)", dtype)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """Create and track a non-trainable state Variable (Keras 3's custom-metric API);
        the default ``reset_state`` puts every one back to its initial value."""
        from tinykeras import initializers
        from tinykeras.autodiff import Variable

        dtype = dtype or self.dtype
        init = initializers.get(initializer)
        shape = tuple(int(d) for d in (shape or ()))
        var = Variable(init(shape, dtype=dtype), dtype=dtype, trainable=False, name=name)
        var.path = f"{self.name}/{name}"
        self.__dict__.setdefault("_state_variables", []).append((var, var.numpy()))
        return var

    add_weight = add_variable

    @property
    def variables(self) -> list:
        """The state Variables made with ``add_variable``."""
        return [v for v, _ in self.__dict__.get("_state_variables", ())]

    def update_state(self, *args, **kwargs):
        """Add a batch to the running state."""
        raise NotImplementedError

    def result(self):
        """Return the current value as a Python float."""
        raise NotImplementedError

    def reset_state(self):
        """Clear the running state (the variables of ``add_variable`` to their first values)."""
        state = self.__dict__.get("_state_variables")
        if not state:
            raise NotImplementedError(
                f"Metric '{self.name}' keeps no variables made with `add_variable`, so it must "
                "define `reset_state()` itself.")
        for var, initial in state:
            var.assign(initial)

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """Return the constructor arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """Rebuild a metric from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values given to ``update_state``."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self):
        """Zero the running total and count."""
        self.total = 0.0
        self.count = 0.0

    def update_state(self, values, sample_weight=None):
        """Add ``values`` (weighted by ``sample_weight``) to the running mean."""
        values = np.asarray(_np(values), dtype=self.dtype)
        if sample_weight is not None and np.ndim(sample_weight) and (
            np.shape(sample_weight)[:1] != values.shape[:1]
            or any(d != 1 for d in np.shape(sample_weight)[values.ndim:])  # (n, 1) is (n,)
        ):
            raise InvalidArgumentError(
                f"Metric '{self.name}': argument `sample_weight` of shape "
                f"{np.shape(sample_weight)} does not fit values of shape {values.shape}: give "
                f"one weight per sample, shape {values.shape[:1]}."
            )
        if sample_weight is None:
            # add.reduce is np.sum without its Python wrapper (fit updates metrics per batch)
            self.total += float(np.add.reduce(values, axis=None))
            self.count += values.size
            return
        sw = np.asarray(_np(sample_weight), dtype=self.dtype)
        while sw.ndim > values.ndim and sw.shape[-1] == 1:  # (n, 1) weights for (n,) values
            sw = sw[..., 0]
        sw = np.broadcast_to(sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim)), values.shape)
        self.total += float(np.sum(values * sw))
        self.count += float(np.sum(sw))

    def result(self):
        """Return total / count (0 before any update)."""
        if not self.count:
            return 0.0
        # Divide in the metric's dtype, as Keras's variables do (float64 metrics stay float64).
        return float(np.asarray(self.total, self.dtype) / np.asarray(self.count, self.dtype))


class Sum(Mean):
    """The (weighted) sum of the values given to ``update_state``."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def result(self):
        """Return the running total."""
        return float(self.total)


class MeanMetricWrapper(Mean):
    """The mean over samples of a per-sample metric function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        # As Keras 3: a loss used as a metric is minimized by callbacks in mode="auto".
        if fn in _losses.FUNCTIONS.values() or isinstance(fn, _losses.Loss):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Evaluate the function on a batch and add its values to the mean."""
        super().update_state(self.fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        """Return name, dtype and the function's keyword arguments."""
        return {**super().get_config(), **self._fn_kwargs}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches a 0/1 label."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        threshold = validation.check_float("threshold", threshold, low=0.0, high=1.0,
                                           who="BinaryAccuracy")
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches a one-hot label."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the predicted class matches an integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """The mean squared error over all samples seen."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean absolute error over all samples seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error over all samples seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the batch's squared errors."""
        y_true, y_pred = _pair(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        """Return sqrt(mean squared error)."""
        return float(np.sqrt(super().result()))


# Which way is better, read by callbacks in mode="auto" (as Keras 3's ``_direction``).
for _cls in (BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, Accuracy):
    _cls._direction = "up"
for _cls in (MeanSquaredError, MeanAbsoluteError, RootMeanSquaredError):
    _cls._direction = "down"

# The metrics built on confusion counts and the rest live in their own modules; they import
# the base classes above, so they are imported once those exist.
from tinykeras.metrics.confusion import (  # noqa: E402
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from tinykeras.metrics.more import (  # noqa: E402, F401 - the functions are public too
    BinaryCrossentropy,
    CategoricalCrossentropy,
    LogCoshError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    R2Score,
    SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)

ALL_OBJECTS = {
    cls.__name__: cls
    for cls in (
        Metric, Mean, Sum, MeanMetricWrapper, BinaryAccuracy, CategoricalAccuracy,
        SparseCategoricalAccuracy, Accuracy, MeanSquaredError, MeanAbsoluteError,
        RootMeanSquaredError, AUC, F1Score, FBetaScore, FalseNegatives, FalsePositives,
        Precision, Recall, TrueNegatives, TruePositives, BinaryCrossentropy,
        CategoricalCrossentropy, LogCoshError, MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError, R2Score, SparseCategoricalCrossentropy,
        SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
    )
}
_BY_NAME = {
    **{to_snake_case(name): cls for name, cls in ALL_OBJECTS.items()
       if cls not in (Metric, MeanMetricWrapper)},
    "fbeta_score": FBetaScore, "auc": AUC, "mape": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "bce": BinaryCrossentropy, "logcosh": LogCoshError,
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "root_mean_squared_error": RootMeanSquaredError,
}


def get_accuracy(y_true_shape, y_pred_shape, name="accuracy"):
    """Pick the accuracy Keras means by ``"accuracy"`` from the label and prediction shapes."""
    if y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    if len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and y_pred_shape[-1] > 1
    ):
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def get(identifier):
    """Return a Metric for an instance, a class, a name or a per-sample function."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, type):  # a Loss class, say: calling it would build a loss
        raise InvalidTypeError(
            f"Could not interpret metric identifier: the class {identifier.__name__}. Expected "
            "a Metric class or instance, a name such as 'mae', or a function "
            "fn(y_true, y_pred)."
        )
    if isinstance(identifier, dict):
        cls = ALL_OBJECTS.get(identifier.get("class_name"))
        if cls is None:
            raise InvalidArgumentError(f"Unknown metric class {identifier.get('class_name')!r}.")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or ALL_OBJECTS.get(identifier)
        if cls is None:
            names = sorted(set(_BY_NAME) | set(ALL_OBJECTS) | {"accuracy", "acc"})
            raise InvalidArgumentError(
                f"Could not interpret metric identifier: {identifier!r}."
                f"{validation.did_you_mean(identifier, names)} Expected 'accuracy', "
                f"'acc' or one of {sorted(set(_BY_NAME) | set(ALL_OBJECTS))}."
            )
        metric = cls()
        metric.name = identifier
        return metric
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise InvalidArgumentError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric) -> dict:
    """Return Keras's dict ``{"module": "keras.metrics", "class_name", "config", ...}``."""
    return serialize_keras_object(metric, "keras.metrics", ALL_OBJECTS)


def deserialize(config, custom_objects=None):
    """Rebuild a metric from ``serialize`` output or a name (allow-list lookup only)."""
    if isinstance(config, str):
        return get(config)

    def unknown(name):
        return InvalidArgumentError(
            f"Unknown metric class {name!r}. Expected one of {sorted(ALL_OBJECTS)}.")

    return deserialize_keras_object(config, ALL_OBJECTS, custom_objects, unknown)
