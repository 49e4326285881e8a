"""Preprocessing layers the courses use: ``Normalization`` (with ``adapt``) and ``LeakyReLU``."""

import numpy as np

from tinykeras.autodiff import Tensor, ops
from tinykeras.backend import epsilon
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.utils import validation


class Normalization(Layer):
    """Standardizes features: ``(x - mean) / max(sqrt(variance), epsilon)``.

    ``adapt(data)`` computes the per-feature mean and population variance (over every axis
    but ``axis``) as Keras does; or pass ``mean`` and ``variance`` directly.

    Args:
        axis: the axis (or axes) that keep their own statistics; -1 is per feature, None one
            mean and variance for everything.
        mean, variance: fixed statistics instead of ``adapt``.
        invert: undo the normalization instead (``x * sqrt(variance) + mean``).

    >>> norm = Normalization(axis=-1)
    >>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
    >>> norm(np.array([[1.0, 20.0]])).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        if (mean is None) != (variance is None):
            raise InvalidArgumentError(
                "When setting values directly, both `mean` and `variance` must be set. "
                f"Received: mean={mean} and variance={variance}"
            )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None

    def build(self, input_shape):
        """Create the non-trainable ``mean``, ``variance`` and ``count`` weights."""
        ndim = len(input_shape)
        keep = tuple(sorted(a % ndim for a in self.axis))
        for a in keep:
            if input_shape[a] is None:
                raise InvalidArgumentError(
                    f"Layer '{self.name}' (Normalization): axis {a} must have a known size to "
                    f"keep its own statistics. Received input_shape={tuple(input_shape)}"
                )
        self._keep = keep
        self._reduce = tuple(a for a in range(ndim) if a not in keep)
        stats_shape = tuple(input_shape[a] for a in keep)
        self._broadcast = tuple(input_shape[a] if a in keep else 1 for a in range(ndim))
        self.adapt_mean = self.add_weight(stats_shape, "zeros", trainable=False, name="mean")
        self.adapt_variance = self.add_weight(stats_shape, "ones", trainable=False,
                                              name="variance")
        self.count = self.add_weight((), "zeros", dtype="int64", trainable=False, name="count")
        if self.input_mean is not None:
            self.adapt_mean.assign(np.broadcast_to(self.input_mean, stats_shape))
            self.adapt_variance.assign(np.broadcast_to(self.input_variance, stats_shape))

    def adapt(self, data):
        """Compute the mean and population variance of ``data`` (an array, or an iterable of
        batches such as a ``tinykeras.data.Dataset``) along the reduced axes."""
        if isinstance(data, (np.ndarray, Tensor, list)) and not _is_batches(data):
            arr = _adapt_array(data)
            self._build_for(arr.shape)
            mean = np.mean(arr, axis=self._reduce)
            var = np.var(arr, axis=self._reduce)
            count = int(np.prod([arr.shape[a] for a in self._reduce]))
        else:
            mean = var = None
            count = 0
            for batch in data:
                batch = _adapt_array(batch[0] if isinstance(batch, tuple) else batch)
                self._build_for(batch.shape)
                n = int(np.prod([batch.shape[a] for a in self._reduce]))
                b_mean, b_var = np.mean(batch, axis=self._reduce), np.var(batch, axis=self._reduce)
                if mean is None:
                    mean, var, count = b_mean, b_var, n
                    continue
                # Chan et al.'s pairwise update: the variance of the union of two groups.
                total = count + n
                delta = b_mean - mean
                mean = mean + delta * n / total
                var = (var * count + b_var * n + delta ** 2 * count * n / total) / total
                count = total
            if mean is None:
                raise InvalidArgumentError(f"Layer '{self.name}': `adapt` received no data.")
        self.adapt_mean.assign(mean)
        self.adapt_variance.assign(var)
        self.count.assign(count)

    def _build_for(self, shape):
        if not self.built:
            self._build_once((None,) + tuple(shape[1:]))
        elif any(shape[a] != self._broadcast[a] for a in self._keep):
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Normalization) was built for input shape "
                f"{self._build_shape}, but `adapt` received data of shape {tuple(shape)}."
            )

    def call(self, inputs):
        """Normalize (or, with ``invert``, de-normalize) ``inputs``."""
        mean = ops.reshape(self.adapt_mean, self._broadcast)
        std = ops.maximum(ops.sqrt(ops.reshape(self.adapt_variance, self._broadcast)),
                          epsilon())
        if self.invert:
            return ops.add(ops.multiply(inputs, std), mean)
        return ops.divide(ops.subtract(inputs, mean), std)

    def get_config(self):
        """Return name, trainable, dtype, ``axis``, ``invert``, ``mean`` and ``variance``."""
        def plain(v):
            return np.asarray(v).tolist() if v is not None else None

        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance)}


def _is_batches(data):
    return isinstance(data, list) and bool(data) and isinstance(data[0], np.ndarray) and (
        len({np.shape(d)[1:] for d in data}) == 1 and np.ndim(data[0]) > 1)


class LeakyReLU(Layer):
    """``x`` for positive inputs, ``negative_slope * x`` otherwise (default slope 0.3).

    >>> LeakyReLU(negative_slope=0.5)(np.array([[-2.0, 3.0]])).numpy()
    array([[-1.,  3.]], dtype=float32)
    """

    _legacy_config_keys = ("alpha",)  # read from configs (see utils.serialization)

    def __init__(self, negative_slope=0.3, **kwargs):
        alpha = kwargs.pop("alpha", None)  # the Keras 2 spelling
        super().__init__(**kwargs)
        slope = negative_slope if alpha is None else alpha
        if slope is None or float(slope) < 0:
            raise InvalidArgumentError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative. "
                f"Received: negative_slope={slope!r}"
            )
        self.negative_slope = float(slope)

    def call(self, inputs):
        """Return ``leaky_relu(inputs)``."""
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        """Return name, trainable, dtype and ``negative_slope``."""
        return {**super().get_config(), "negative_slope": self.negative_slope}


def _adapt_array(data):
    """``data`` for ``Normalization.adapt`` as float64: numeric, non-empty and finite (a NaN
    would make every later output NaN)."""
    from tinykeras.models.data import to_array

    arr = to_array(data.value if isinstance(data, Tensor) else data, "data", dtype=np.float64)
    validation.check_not_empty("data", arr, who="Normalization.adapt")
    validation.check_finite("data", arr, who="Normalization.adapt")
    return arr
