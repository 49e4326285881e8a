"""Noise layers, active only in training: ``Dropout``, ``GaussianNoise``, ``GaussianDropout``,
``AlphaDropout``.

Each draws its random numbers inside its op's forward (``dropout``, ``gaussian_noise``...),
from the layer's own generator when it was given a ``seed`` and from
``tinykeras.backend.global_rng()`` otherwise, so ``set_random_seed`` makes runs bit-identical
and a traced training step (``autodiff/plan.py``) draws fresh numbers at every replay.
"""

import numpy as np

from tinykeras.autodiff.core import op
from tinykeras.backend import global_rng
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer

# SELU's constants, which AlphaDropout keeps the mean and variance of.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _generator(rng):
    return rng if rng is not None else global_rng()


@op
def dropout(x, rate=0.5, noise_shape=None, rng=None):
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 - rate)``
    (inverted dropout, so inference needs no rescaling); ``noise_shape`` shares the mask."""
    keep = 1.0 - rate
    shape = x.shape if noise_shape is None else noise_shape
    if keep <= 0.0:
        mask = np.zeros(shape, dtype=x.dtype)
    else:
        mask = (_generator(rng).random(shape) < keep).astype(x.dtype) / x.dtype.type(keep)
    out = x * mask

    def vjp(g, needs):
        return (g * mask,)

    return out, vjp


@op
def gaussian_noise(x, stddev=0.1, rng=None):
    """Add zero-mean normal noise of ``stddev``; the gradient passes through unchanged."""
    noise = _generator(rng).normal(0.0, stddev, x.shape).astype(x.dtype)
    return x + noise, lambda g, needs: (g,)


@op
def gaussian_dropout(x, rate=0.5, rng=None):
    """Multiply by normal noise of mean 1 and variance ``rate / (1 - rate)``."""
    stddev = np.sqrt(rate / (1.0 - rate))
    noise = _generator(rng).normal(1.0, stddev, x.shape).astype(x.dtype)
    return x * noise, lambda g, needs: (g * noise,)


@op
def alpha_dropout(x, rate=0.5, noise_shape=None, rng=None):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value, then
    an affine map restores the mean and variance (Klambauer et al., 2017)."""
    alpha_p = -_SELU_ALPHA * _SELU_SCALE
    shape = x.shape if noise_shape is None else noise_shape
    kept = (_generator(rng).random(shape) >= rate).astype(x.dtype)
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    out = (a * (x * kept + alpha_p * (1 - kept)) + b).astype(x.dtype)
    scale = (a * kept).astype(x.dtype)

    def vjp(g, needs):
        return (g * scale if scale.shape == g.shape else g * np.broadcast_to(scale, g.shape),)

    return out, vjp


def _check_rate(rate, who):
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise InvalidArgumentError(
            f"Invalid value received for argument `rate` of {who}. Expected a float value "
            f"between 0 and 1. Received: rate={rate!r}"
        )
    return float(rate)


class _Noise(Layer):
    """Shared by the noise layers: a seeded generator and the ``noise_shape`` logic."""

    def __init__(self, seed=None, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(int(seed))
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.supports_masking = True

    def _noise_shape(self, x):
        # None entries take the input's size (Keras's rule), e.g. (None, 1) shares the mask
        # across features.
        if self.noise_shape is None:
            return None
        return tuple(s if n is None else n for s, n in zip(x.shape, self.noise_shape))

    def get_config(self):
        """Return the base config plus ``seed``."""
        return {**super().get_config(), "seed": self.seed}


class Dropout(_Noise):
    """Sets inputs to 0 with frequency ``rate`` in training, scaling the rest by
    ``1 / (1 - rate)``; does nothing at inference.

    Args:
        rate: the fraction of inputs to drop, in [0, 1].
        noise_shape: the shape of the binary mask (broadcast over the input); None entries
            take the input's size.
        seed: a seed for this layer's own generator (default: the global one).

    >>> import numpy as np
    >>> Dropout(0.5)(np.ones((1, 4)), training=False).numpy()
    array([[1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = _check_rate(rate, "Dropout")

    def call(self, inputs, training=False):
        """Drop in training (when ``rate > 0``); the identity otherwise."""
        if training and self.rate > 0:
            return dropout(inputs, rate=self.rate, noise_shape=self._noise_shape(inputs.value),
                           rng=self._rng)
        return inputs

    def get_config(self):
        """Return the base config plus ``rate`` and ``noise_shape`` (Keras's keys)."""
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of ``stddev`` in training (a regularizer).

    >>> import numpy as np
    >>> GaussianNoise(0.1)(np.zeros((1, 2))).numpy()
    array([[0., 0.]], dtype=float32)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if not 0 <= stddev:
            raise InvalidArgumentError(
                f"Invalid value received for argument `stddev` of GaussianNoise. Expected a "
                f"float value >= 0. Received: stddev={stddev!r}"
            )
        self.stddev = float(stddev)

    def call(self, inputs, training=False):
        """Add noise in training; the identity otherwise."""
        if training and self.stddev > 0:
            return gaussian_noise(inputs, stddev=self.stddev, rng=self._rng)
        return inputs

    def get_config(self):
        """Return the base config plus ``stddev``."""
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and variance ``rate / (1 - rate)`` in training."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate, "GaussianDropout")

    def call(self, inputs, training=False):
        """Apply the noise in training (``0 < rate < 1``); the identity otherwise."""
        if training and 0 < self.rate < 1:
            return gaussian_dropout(inputs, rate=self.rate, rng=self._rng)
        return inputs

    def get_config(self):
        """Return the base config plus ``rate``."""
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(_Noise):
    """Dropout that keeps SELU activations' mean and variance (for self-normalizing nets)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, noise_shape=noise_shape, **kwargs)
        self.rate = _check_rate(rate, "AlphaDropout")

    def call(self, inputs, training=False):
        """Drop in training (when ``rate > 0``); the identity otherwise."""
        if training and self.rate > 0:
            return alpha_dropout(inputs, rate=self.rate,
                                 noise_shape=self._noise_shape(inputs.value), rng=self._rng)
        return inputs

    def get_config(self):
        """Return the base config plus ``rate`` and ``noise_shape``."""
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}
