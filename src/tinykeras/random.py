"""``tinykeras.random``: Keras 3's ``keras.random`` (normal, uniform, dropout, SeedGenerator...).

Every draw happens inside an op's forward, from the seeded generators of ``tinykeras.backend``,
so that a traced step that replays the op draws afresh (never a frozen sample). ``seed`` is
None (the global generator, reseeded by ``set_random_seed``), an int (the same draw on every
call, as in Keras) or a ``SeedGenerator`` (a stream of its own).
"""

import numpy as np

from tinykeras.autodiff.core import op
from tinykeras.autodiff.dtypes import as_dtype, raw
from tinykeras.backend import global_rng
from tinykeras.backend import set_random_seed as set_seed  # noqa: F401 - tf.random.set_seed
from tinykeras.errors import InvalidArgumentError


class SeedGenerator:
    """A random stream of its own, advanced by each draw (``keras.random.SeedGenerator``)."""

    def __init__(self, seed=None, name=None, **kwargs):
        self.seed = seed
        self.name = name or "seed_generator"
        self._rng = np.random.default_rng(seed) if seed is not None else np.random.default_rng(
            global_rng().integers(2**63))

    def next(self):
        """The generator to draw the next sample from."""
        return self._rng

    def get_config(self):
        """Return the constructor arguments."""
        return {"seed": self.seed, "name": self.name}


def _rng(seed):
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_rng()
    return np.random.default_rng(int(raw(seed)))


def _shape(shape):
    return tuple(int(raw(d)) for d in shape)


@op(arity=0)
def _draw(kind=None, shape=None, dtype=None, seed=None, args=()):
    rng = _rng(seed)
    if kind == "normal":
        out = rng.normal(args[0], args[1], size=shape)
    elif kind == "uniform":
        out = rng.uniform(args[0], args[1], size=shape)
    elif kind == "truncated_normal":  # redraw anything beyond two standard deviations
        out = rng.normal(size=shape)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = rng.normal(size=int(bad.sum()))
            bad = np.abs(out) > 2
        out = args[0] + args[1] * out
    elif kind == "randint":
        out = rng.integers(args[0], args[1], size=shape)
    elif kind == "gamma":
        out = rng.gamma(args[0], size=shape)
    elif kind == "beta":
        out = rng.beta(args[0], args[1], size=shape)
    else:  # binomial
        out = rng.binomial(args[0], args[1], size=shape)
    return np.asarray(out).astype(dtype), lambda g, needs: ()


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None):
    """Samples from a normal distribution."""
    return _draw(kind="normal", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(float(raw(mean)), float(raw(stddev))))


def uniform(shape, minval=0.0, maxval=None, dtype=None, seed=None, name=None):
    """Samples from a uniform distribution on ``[minval, maxval)`` (``maxval`` 1 by default;
    integer dtypes draw integers and need ``maxval``, as ``tf.random.uniform``)."""
    dtype = as_dtype(dtype)
    if np.dtype(dtype).kind in "iu":
        if maxval is None:
            raise InvalidArgumentError(
                "`maxval` must be given for integer dtypes, as in TensorFlow.")
        return randint(shape, minval, maxval, dtype=dtype, seed=seed)
    maxval = 1.0 if maxval is None else maxval
    return _draw(kind="uniform", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(float(raw(minval)), float(raw(maxval))))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until within two standard deviations of the mean."""
    return _draw(kind="truncated_normal", shape=_shape(shape), dtype=as_dtype(dtype),
                 seed=seed, args=(float(raw(mean)), float(raw(stddev))))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return _draw(kind="randint", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(int(raw(minval)), int(raw(maxval))))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a gamma distribution with concentration ``alpha`` (scale 1)."""
    return _draw(kind="gamma", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(float(raw(alpha)),))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a beta distribution."""
    return _draw(kind="beta", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(float(raw(alpha)), float(raw(beta))))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from a binomial distribution (as floats by default, as Keras)."""
    return _draw(kind="binomial", shape=_shape(shape), dtype=as_dtype(dtype), seed=seed,
                 args=(int(raw(counts)), float(raw(probabilities))))


@op(arity=1)
def _dropout(x, rate=0.5, noise_shape=None, seed=None):
    keep = _rng(seed).uniform(size=noise_shape or np.shape(x)) >= rate
    scale = np.asarray(1.0 / (1.0 - rate), dtype=x.dtype)
    mask = keep * scale  # inverted dropout: the expected value stays x
    return (x * mask).astype(x.dtype, copy=False), lambda g, needs: (
        (g * mask).astype(g.dtype, copy=False),)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    if not 0 <= rate < 1:
        raise InvalidArgumentError(f"Argument `rate` must be in [0, 1). Received: rate={rate}")
    return _dropout(inputs, rate=float(rate), noise_shape=None if noise_shape is None else
                    _shape(noise_shape), seed=seed)


@op(arity=0)
def _categorical(logits=None, num_samples=None, dtype=None, seed=None):
    rng = _rng(seed)
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    out = np.stack([rng.choice(p.shape[-1], size=num_samples, p=row) for row in p])
    return out.astype(dtype), lambda g, needs: ()


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from the softmax of each row of ``logits``."""
    return _categorical(logits=np.asarray(raw(logits), dtype=np.float64),
                        num_samples=int(num_samples), dtype=as_dtype(dtype), seed=seed)


def shuffle(x, axis=0, seed=None, name=None):
    """``x`` with its entries permuted along ``axis`` (the gradient follows them)."""
    from tinykeras.autodiff.shape_ops import take

    order = _rng(seed).permutation(np.shape(raw(x))[axis])
    return take(x, order, axis=axis)
