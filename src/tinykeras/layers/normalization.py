"""Normalization layers: ``BatchNormalization``, ``LayerNormalization``, ``UnitNormalization``.

The statistics and the normalization are one op (``normalize``), forward and vjp together.
BatchNormalization's moving statistics are updated *inside* that op (the moving-mean and
moving-variance arrays are op inputs, written in place), so a traced step (``autodiff/plan``)
replays the update at every step.
"""

import warnings

import numpy as np

from tinykeras import constraints, initializers, regularizers
from tinykeras.autodiff import ops
from tinykeras.autodiff.core import op, unbroadcast
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.utils import validation


def _batch_moments(x, axes, epsilon):
    """The mean and (biased) variance of ``x`` over ``axes`` (kept as size-1 axes), and
    ``inv = 1 / sqrt(var + epsilon)`` and ``xhat = (x - mean) * inv``."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(np.square(centered), axis=axes, keepdims=True)
    inv = 1.0 / np.sqrt(var + x.dtype.type(epsilon))
    return mean, var, inv, centered * inv


def _batch_dx(gx, inv, xhat, axes, n):
    """d/dx of ``xhat`` (times the upstream ``gx``), with the batch's mean and variance
    depending on x: ``inv / n * (n * gx - sum(gx) - xhat * sum(gx * xhat))``."""
    return inv / n * (n * gx - gx.sum(axis=axes, keepdims=True)
                      - xhat * (gx * xhat).sum(axis=axes, keepdims=True))


def _move(moving, stat, momentum):
    """``moving = moving * momentum + stat * (1 - momentum)``, in place (Keras's update)."""
    np.multiply(moving, moving.dtype.type(momentum), out=moving)
    moving += (stat * moving.dtype.type(1.0 - momentum)).reshape(moving.shape)


@op
def normalize(x, gamma, beta, moving_mean, moving_variance, axes=(0,), epsilon=1e-3,
              momentum=None):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` with the mean and (biased) variance
    of ``x`` over ``axes``; ``gamma``/``beta`` broadcast against ``x`` (None: 1 and 0).

    With ``momentum``, the moving statistics are updated in place, as Keras does:
    ``moving = moving * momentum + batch_stat * (1 - momentum)``.
    """
    mean, var, inv, xhat = _batch_moments(x, axes, epsilon)
    out = xhat if gamma is None else xhat * gamma
    if beta is not None:
        out = out + beta
    if momentum is not None:
        # The update runs here, inside the op, so a replayed (traced) step repeats it.
        _move(moving_mean, mean, momentum)
        _move(moving_variance, var, momentum)
    n = x.size // mean.size

    def vjp(g, needs):
        gx = g if gamma is None else g * gamma
        dx = _batch_dx(gx, inv, xhat, axes, n) if needs[0] else None
        dgamma = _reduce_to((g * xhat), gamma) if needs[1] else None
        dbeta = _reduce_to(g, beta) if needs[2] else None
        return dx, dgamma, dbeta, None, None

    return out, vjp


@op
def renormalize(x, gamma, beta, moving_mean, moving_variance, moving_stddev, renorm_mean,
                renorm_stddev, axes=(0,), epsilon=1e-3, momentum=0.99, renorm_momentum=0.99,
                rmin=None, rmax=None, dmax=None):
    """Batch renormalization (Ioffe 2017) as Keras 3's ``BatchNormalization(renorm=True)``
    trains: ``(xhat * r + d) * gamma + beta`` with ``xhat`` normalized by the batch's
    statistics and the corrections ``r = std / renorm_std``, ``d = (mean - renorm_mean) /
    renorm_std`` (``renorm_std`` at least ``sqrt(epsilon)``; ``r`` clipped to ``[rmin,
    rmax]``, ``d`` to ``[-dmax, dmax]``) taken as constants in the gradient.

    Then, in place: ``renorm_mean``/``renorm_stddev`` move towards the batch's mean and
    ``std = sqrt(var + epsilon)`` by ``1 - renorm_momentum``, ``moving_mean``/``moving_stddev``
    by ``1 - momentum``, and ``moving_variance = max(moving_stddev**2 - epsilon, 0)``.
    """
    mean, var, inv, xhat = _batch_moments(x, axes, epsilon)
    eps = x.dtype.type(epsilon)
    std = np.sqrt(var + eps)
    # The corrections use the renorm statistics from before this batch's update.
    floor = np.sqrt(eps)
    renorm_std = np.maximum(renorm_stddev.reshape(mean.shape).astype(x.dtype), floor)
    r = std / renorm_std
    d = (mean - renorm_mean.reshape(mean.shape)) / renorm_std
    if rmin is not None:
        r = np.maximum(r, x.dtype.type(rmin))
    if rmax is not None:
        r = np.minimum(r, x.dtype.type(rmax))
    if dmax is not None:
        d = np.clip(d, -x.dtype.type(dmax), x.dtype.type(dmax))
    corrected = xhat * r + d
    out = corrected if gamma is None else corrected * gamma
    if beta is not None:
        out = out + beta
    # The updates run here, inside the op, so a replayed (traced) step repeats them.
    _move(renorm_mean, mean, renorm_momentum)
    _move(renorm_stddev, std, renorm_momentum)
    _move(moving_mean, mean, momentum)
    _move(moving_stddev, std, momentum)
    np.maximum(np.square(moving_stddev) - moving_stddev.dtype.type(epsilon), 0,
               out=moving_variance)
    n = x.size // mean.size

    def vjp(g, needs):
        gx = g * r if gamma is None else g * (r * gamma)
        dx = _batch_dx(gx, inv, xhat, axes, n) if needs[0] else None
        dgamma = _reduce_to(g * corrected, gamma) if needs[1] else None
        dbeta = _reduce_to(g, beta) if needs[2] else None
        return dx, dgamma, dbeta, None, None, None, None, None

    return out, vjp


@op
def rms_scale(x, gamma, axes=(-1,), epsilon=1e-3):
    """``x / sqrt(var(x) + epsilon) * gamma`` with the variance of ``x`` over ``axes``: Keras
    3's ``LayerNormalization(rms_scaling=True)``, which divides the *uncentred* ``x`` by the
    standard deviation (not by the root mean square its name suggests; Keras deprecates it
    for ``RMSNormalization``, and we keep its numbers)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = np.mean(np.square(centered), axis=axes, keepdims=True)
    inv = 1.0 / np.sqrt(var + x.dtype.type(epsilon))
    xhat = x * inv
    out = xhat if gamma is None else xhat * gamma
    n = x.size // mean.size

    def vjp(g, needs):
        dx = None
        if needs[0]:
            gx = g if gamma is None else g * gamma
            # d inv / dx_j = -inv**3 * (x_j - mean) / n; x itself also scales by inv.
            dx = gx * inv - centered * (inv ** 3 / n) * (gx * x).sum(axis=axes, keepdims=True)
        dgamma = _reduce_to(g * xhat, gamma) if needs[1] else None
        return dx, dgamma

    return out, vjp


@op
def normalize_with(x, gamma, beta, mean, variance, shape=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * gamma + beta`` with given statistics
    (BatchNormalization at inference); ``mean`` and ``variance`` are reshaped to ``shape``,
    the rest broadcast against ``x``."""
    mean, variance = mean.reshape(shape), variance.reshape(shape)
    inv = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    xhat = (x - mean) * inv
    out = xhat if gamma is None else xhat * gamma
    if beta is not None:
        out = out + beta

    def vjp(g, needs):
        scale = inv if gamma is None else inv * gamma
        dx = g * scale if needs[0] else None
        dgamma = _reduce_to(g * xhat, gamma) if needs[1] else None
        dbeta = _reduce_to(g, beta) if needs[2] else None
        return dx, dgamma, dbeta, None, None

    return out, vjp


def _reduce_to(g, like):
    """Sum ``g`` over the axes ``like`` was broadcast along."""
    return None if like is None else unbroadcast(g, like.shape)


def _check_renorm_clipping(clipping, who):
    """Keras's checks of ``renorm_clipping``: only rmin/rmax/dmax, rmin <= rmax, dmax >= 0."""
    clipping = dict(clipping or {})
    unknown = set(clipping) - {"rmax", "rmin", "dmax"}
    if unknown:
        raise InvalidArgumentError(
            f"{who}: received invalid keys for `renorm_clipping`: {sorted(unknown)}. "
            "Supported keys: 'rmax', 'rmin', 'dmax'. Received: "
            f"renorm_clipping={clipping}"
        )
    rmin, rmax, dmax = (clipping.get(k) for k in ("rmin", "rmax", "dmax"))
    if rmin is not None and rmax is not None and rmax < rmin:
        raise InvalidArgumentError(
            f"{who}: `renorm_clipping` needs rmax >= rmin. Received: rmax={rmax}, rmin={rmin}."
        )
    if dmax is not None and dmax < 0:
        raise InvalidArgumentError(
            f"{who}: `renorm_clipping` needs dmax >= 0. Received: dmax={dmax}."
        )
    return clipping


def _axes(axis, ndim, who):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise InvalidArgumentError(
                f"Layer '{who}': invalid axis {a} for an input of rank {ndim}. Expected an "
                f"axis in [-{ndim}, {ndim})."
            )
        out.append(a % ndim)
    return tuple(sorted(out))


class _Affine(Layer):
    """Shared by the normalization layers: the learned ``gamma`` (scale) and ``beta`` (offset),
    their initializers, regularizers and constraints, and their Keras config keys."""

    def _init_affine(self, center, scale, beta_initializer, gamma_initializer,
                     beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint):
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def _add_affine(self, shape):
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _affine_config(self):
        return {
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": _serialize(self.beta_regularizer, regularizers),
            "gamma_regularizer": _serialize(self.gamma_regularizer, regularizers),
            "beta_constraint": _serialize(self.beta_constraint, constraints),
            "gamma_constraint": _serialize(self.gamma_constraint, constraints),
        }

    @classmethod
    def from_config(cls, config):
        """Rebuild from a Keras config (serialized initializers, regularizers, constraints)."""
        return cls(**deserialize_fields(config))


class BatchNormalization(_Affine):
    """Normalizes each feature over the batch in training, with moving statistics at inference.

    Training (``fit``, or ``training=True``): ``(x - batch_mean) / sqrt(batch_var + epsilon)
    * gamma + beta``, and the moving statistics move towards the batch's by ``1 - momentum``.
    Inference: the same with the moving statistics. As in Keras 3, a layer with
    ``trainable = False`` runs in inference mode even in training (it neither learns nor
    updates its statistics: the way to freeze it for fine-tuning).

    Args:
        axis: the feature axis (or axes) that keep their own statistics (default -1).
        momentum: the moving-average momentum (0.99).
        epsilon: added to the variance (1e-3).
        center, scale: learn ``beta`` and ``gamma``.
        *_initializer, *_regularizer, *_constraint: for beta, gamma and the moving stats.
        renorm: batch renormalization (Ioffe 2017, as Keras 3): training normalizes with the
            batch's statistics corrected by ``r`` and ``d`` towards running "renorm"
            statistics (see ``renormalize``); inference is unchanged.
        renorm_clipping: a dict with optional ``"rmin"``, ``"rmax"``, ``"dmax"``: ``r`` is
            clipped to ``[rmin, rmax]`` and ``d`` to ``[-dmax, dmax]`` (default: no clipping).
        renorm_momentum: the momentum of the renorm statistics (0.99).

    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance, and with
    ``renorm`` also moving_stddev, renorm_mean, renorm_stddev.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, synchronized=False, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        who = type(self).__name__
        self.renorm = bool(renorm)
        self.renorm_clipping = _check_renorm_clipping(renorm_clipping, who) if renorm else (
            renorm_clipping)
        self.renorm_momentum = validation.check_float("renorm_momentum", renorm_momentum,
                                                      low=0.0, high=1.0, who=who)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.momentum = validation.check_float("momentum", momentum, low=0.0, high=1.0, who=who)
        self.epsilon = validation.check_float("epsilon", epsilon, low=0.0, low_open=True,
                                              who=who)
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = synchronized

    def build(self, input_shape):
        """Create gamma, beta, moving_mean and moving_variance for the feature axes."""
        ndim = len(input_shape)
        self._keep = _axes(self.axis, ndim, self.name)
        shape = tuple(input_shape[a] for a in self._keep)
        if any(s is None for s in shape):
            raise InvalidArgumentError(
                f"Layer '{self.name}' (BatchNormalization): the feature axis {self.axis} must "
                f"have a known size. Received input_shape={tuple(input_shape)}"
            )
        self._reduce = tuple(a for a in range(ndim) if a not in self._keep)
        self._broadcast = tuple(input_shape[a] if a in self._keep else 1 for a in range(ndim))
        self._add_affine(shape)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        if self.renorm:
            # Keras tracks standard deviations here, starting from the square root of the
            # moving variance's initial value.
            def stddev_init(shape, dtype=None):
                return np.sqrt(self.moving_variance_initializer(shape, dtype=dtype))

            self.moving_stddev = self.add_weight(shape, stddev_init, trainable=False,
                                                 name="moving_stddev")
            self.renorm_mean = self.add_weight(shape, self.moving_mean_initializer,
                                               trainable=False, name="renorm_mean")
            self.renorm_stddev = self.add_weight(shape, stddev_init, trainable=False,
                                                 name="renorm_stddev")
        if self._keep == (ndim - 1,):
            self._input_last_dim = int(input_shape[-1])
        self.built = True  # also when build() is called directly, as in Keras

    def _param(self, var):
        if var is None:
            return None
        return var if len(self._keep) == 1 and self._keep[0] == len(self._broadcast) - 1 else (
            ops.reshape(var, self._broadcast))

    def call(self, inputs, training=False):
        """Normalize with the batch's statistics (training) or the moving ones (inference)."""
        gamma, beta = self._param(self.gamma), self._param(self.beta)
        # The moving statistics go in as Variables (op inputs that need no gradient): the op
        # reads, and in training updates, their current storage.
        if training and self.trainable and self.renorm:
            clip = self.renorm_clipping
            return renormalize(inputs, gamma, beta, self.moving_mean, self.moving_variance,
                               self.moving_stddev, self.renorm_mean, self.renorm_stddev,
                               axes=self._reduce, epsilon=self.epsilon, momentum=self.momentum,
                               renorm_momentum=self.renorm_momentum, rmin=clip.get("rmin"),
                               rmax=clip.get("rmax"), dmax=clip.get("dmax"))
        if training and self.trainable:
            return normalize(inputs, gamma, beta, self.moving_mean, self.moving_variance,
                             axes=self._reduce, epsilon=self.epsilon, momentum=self.momentum)
        return normalize_with(inputs, gamma, beta, self.moving_mean, self.moving_variance,
                              shape=self._broadcast, epsilon=self.epsilon)

    def get_config(self):
        """Return Keras's BatchNormalization config."""
        return {
            **super().get_config(), "axis": self.axis, "momentum": self.momentum,
            "epsilon": self.epsilon, **self._affine_config(),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum,
        }


class LayerNormalization(_Affine):
    """Normalizes each sample over its feature axis: ``(x - mean) / sqrt(var + epsilon) *
    gamma + beta``, with the mean and variance of that sample (the same in training and
    inference).

    Args:
        axis: the axis (or axes) to normalize over (default -1).
        epsilon: added to the variance (1e-3).
        center, scale: learn ``beta`` and ``gamma``.
        rms_scaling: Keras 3's deprecated formula ``x / sqrt(var(x) + epsilon) * gamma``
            (``x`` not centred, no ``beta``; ``gamma`` even with ``scale=False``), with
            Keras's deprecation warning. For a true RMS normalization use
            ``ops.rms_normalization``.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn(
                "LayerNormalization: you passed `rms_scaling=True`, which Keras 3 deprecates: it "
                "divides the input by its standard deviation, not by its root mean square. "
                "For RMS normalization use `tinykeras.ops.rms_normalization`.",
                stacklevel=2,
            )
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.rms_scaling = bool(rms_scaling)
        self._init_affine(center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                          gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        """Create gamma and beta over the normalized axes."""
        ndim = len(input_shape)
        self._norm = _axes(self.axis, ndim, self.name)
        shape = tuple(input_shape[a] for a in self._norm)
        self._broadcast = tuple(input_shape[a] if a in self._norm else 1 for a in range(ndim))
        if self.rms_scaling:  # Keras: gamma always, beta never
            center, scale = self.center, self.scale
            self.center, self.scale = False, True
            self._add_affine(shape)
            self.center, self.scale = center, scale
        else:
            self._add_affine(shape)
        if self._norm == (ndim - 1,):
            self._input_last_dim = int(input_shape[-1])
        self.built = True  # also when build() is called directly, as in Keras

    def call(self, inputs):
        """Normalize each sample."""
        gamma = None if self.gamma is None else ops.reshape(self.gamma, self._broadcast)
        beta = None if self.beta is None else ops.reshape(self.beta, self._broadcast)
        if self.rms_scaling:
            return rms_scale(inputs, gamma, axes=self._norm, epsilon=self.epsilon)
        return normalize(inputs, gamma, beta, None, None, axes=self._norm, epsilon=self.epsilon)

    def get_config(self):
        """Return Keras's LayerNormalization config."""
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
            "rms_scaling": self.rms_scaling, **self._affine_config(),
        }


@op
def l2_normalize(x, axis=-1):
    """``x / sqrt(max(sum(x**2, axis), 1e-12))`` (Keras's ``normalize(order=2)``)."""
    sq = np.sum(np.square(x), axis=axis, keepdims=True)
    clipped = sq < 1e-12
    inv = 1.0 / np.sqrt(np.maximum(sq, x.dtype.type(1e-12)))
    out = x * inv

    def vjp(g, needs):
        # Where the norm is clipped the divisor is a constant; elsewhere d(x/|x|)/dx.
        dot = np.sum(g * out, axis=axis, keepdims=True)
        return (np.where(clipped, g * inv, (g - out * dot) * inv),)

    return out, vjp


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis``."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)

    def call(self, inputs):
        """Divide by the L2 norm."""
        axis = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        return l2_normalize(inputs, axis=axis)

    def get_config(self):
        """Return the base config plus ``axis``."""
        return {**super().get_config(), "axis": self.axis}


def _serialize(obj, module):
    return None if obj is None else module.serialize(obj)


def deserialize_fields(config):
    """A layer config with its serialized ``*_initializer``, ``*_regularizer`` and
    ``*_constraint`` dicts turned back into objects (allow-list lookups only)."""
    config = dict(config)
    for key, value in config.items():
        if isinstance(value, dict):
            if key.endswith("_initializer"):
                config[key] = initializers.deserialize(value)
            elif key.endswith("_regularizer"):
                config[key] = regularizers.deserialize(value)
            elif key.endswith("_constraint"):
                config[key] = constraints.deserialize(value)
    return config
