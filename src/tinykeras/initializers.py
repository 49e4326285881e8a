"""Weight initializers with Keras 3's names, defaults, formulas and configs.

An initializer is a callable ``init(shape, dtype=None) -> ndarray``. Random ones draw from
``make_rng(seed)``, so ``set_random_seed`` makes a whole run reproducible bit for bit.

Seeding follows Keras 3's documented rule: an initializer seeded with an integer *or unseeded*
returns the same values every time it is called. An unseeded one draws its own seed from the
global generator when it is created (Keras draws it from Python's ``random``), so two layers
built from ``"glorot_uniform"`` differ, while one instance shared by two layers repeats itself.

>>> init = GlorotUniform(seed=1)
>>> w = init((400, 25))
>>> w.shape, w.dtype.name, bool(abs(w).max() <= (6 / (400 + 25)) ** 0.5)
((400, 25), 'float32', True)
>>> bool((init((400, 25)) == w).all())  # same seed, same values
True
"""

import inspect
import math
import numbers

import numpy as np

from tinykeras.backend import global_rng, make_rng, standardize_dtype
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object

# sqrt(scale / n) is the stddev *after* truncation at 2 sigma; a standard normal truncated
# to [-2, 2] has stddev 0.87962566103423978, so the pre-truncation stddev is divided by it.
_TRUNCATION_STDDEV = 0.87962566103423978


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a NumPy array of that shape.

    ``dtype`` defaults to ``floatx()`` (float32 unless changed). Subclasses store their
    constructor arguments as attributes and list them in ``get_config``.
    """

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return an array of ``shape`` and ``dtype`` (default floatx)."""
        raise NotImplementedError(
            f"Initializer subclasses must implement `__call__()`. Received: {type(self).__name__}"
        )

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-serializable dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        """Rebuild an initializer from ``get_config()`` output.

        Keys the constructor does not take are ignored, so configs written by other Keras
        versions (``input_axes`` before 3.15, TF-1's ``dtype``) still load.
        """
        if cls.__init__ is object.__init__:  # Zeros, Ones: nothing to configure
            return cls()
        params = inspect.signature(cls.__init__).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in config.items() if takes_any or k in params}
        return cls(**kwargs)

    def clone(self) -> "Initializer":
        """Return a new initializer with the same config."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _standardize_shape(shape) -> tuple:
    """Return ``shape`` as a tuple of non-negative ints (an int means a 1-D shape)."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        out = tuple(int(d) for d in shape)
    except TypeError as exc:
        raise InvalidArgumentError(
            f"Expected `shape` to be a tuple of non-negative integers. Received: shape={shape!r}"
        ) from exc
    if any(d < 0 for d in out):
        raise InvalidArgumentError(
            f"Expected `shape` to be a tuple of non-negative integers. Received: shape={shape!r}"
        )
    return out


def _float_dtype(dtype, who: str) -> np.dtype:
    """Return the dtype a random initializer fills, refusing non-float dtypes."""
    name = standardize_dtype(dtype)
    if np.dtype(name).kind != "f":
        raise InvalidArgumentError(
            f"{who} can only fill float tensors. Received: dtype={name!r}. "
            "Pass a float dtype such as 'float32' or 'float64'."
        )
    return np.dtype(name)


# -- constant initializers --------------------------------------------------------------------
class Zeros(Initializer):
    """Fill with 0.

    >>> Zeros()((2, 3)).tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return zeros of ``shape`` and ``dtype`` (default floatx)."""
        return np.zeros(_standardize_shape(shape), dtype=standardize_dtype(dtype))


class Ones(Initializer):
    """Fill with 1.

    >>> Ones()((2,)).tolist()
    [1.0, 1.0]
    """

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return ones of ``shape`` and ``dtype`` (default floatx)."""
        return np.ones(_standardize_shape(shape), dtype=standardize_dtype(dtype))


class Constant(Initializer):
    """Fill with one scalar ``value`` (default 0.0).

    >>> Constant(0.5)((1, 2)).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, value=0.0):
        if np.asarray(value).dtype.kind not in "biuf":
            raise validation.refuse("Constant", "value", "a number", value)
        if np.ndim(value) != 0:
            raise InvalidArgumentError(
                "Constant initializer only takes a scalar `value`. "
                f"Received: value with shape {np.shape(value)}"
            )
        self.value = value.item() if isinstance(value, np.generic | np.ndarray) else value

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return ``value`` broadcast to ``shape`` and cast to ``dtype`` (default floatx)."""
        return np.full(_standardize_shape(shape), self.value, dtype=standardize_dtype(dtype))

    def get_config(self) -> dict:
        """Return ``{"value": value}``."""
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; non-square gives ``eye(n, m)``).

    >>> Identity(gain=2.0)((2, 3)).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return ``gain * eye(*shape)`` as ``dtype`` (default floatx)."""
        shape = _standardize_shape(shape)
        if len(shape) != 2:
            raise InvalidArgumentError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = standardize_dtype(dtype)
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self) -> dict:
        """Return ``{"gain": gain}`` (Keras 3.15 writes ``{}``, losing the gain)."""
        return {"gain": self.gain}


# -- random initializers ----------------------------------------------------------------------
class RandomInitializer(Initializer):
    """Base of the random initializers: owns ``seed`` (an int, or None for a drawn one).

    ``seed`` is what the config records (None stays None); the seed actually used is
    ``self._seed``, drawn from the global generator at construction when ``seed`` is None.
    """

    def __init__(self, seed=None):
        if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
            raise InvalidArgumentError(
                f"`seed` argument should be an integer or None. Received: seed={seed!r}"
            )
        self.seed = None if seed is None else int(seed)
        self._seed = self.seed if seed is not None else int(global_rng().integers(1, 10**9))

    def _rng(self) -> np.random.Generator:
        """Return a fresh generator for this initializer's seed (same draws on every call)."""
        return make_rng(self._seed)

    def get_config(self) -> dict:
        """Return ``{"seed": seed}``."""
        return {"seed": self.seed}


def _truncated_normal(rng: np.random.Generator, shape: tuple, mean, stddev) -> np.ndarray:
    """Draw N(mean, stddev) in float64, redrawing values beyond 2 stddev until none are left."""
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return mean + stddev * z


class RandomUniform(RandomInitializer):
    """Draw from U(minval, maxval), by default U(-0.05, 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return uniform draws of ``shape`` as ``dtype`` (default floatx)."""
        dtype = _float_dtype(dtype, type(self).__name__)
        values = self._rng().uniform(self.minval, self.maxval, _standardize_shape(shape))
        return values.astype(dtype)

    def get_config(self) -> dict:
        """Return ``{"seed", "minval", "maxval"}``."""
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class RandomNormal(RandomInitializer):
    """Draw from N(mean, stddev), by default N(0, 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = validation.check_float("mean", mean, who=type(self).__name__)
        self.stddev = validation.check_float("stddev", stddev, low=0.0, who=type(self).__name__)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return normal draws of ``shape`` as ``dtype`` (default floatx)."""
        dtype = _float_dtype(dtype, type(self).__name__)
        values = self._rng().normal(self.mean, self.stddev, _standardize_shape(shape))
        return values.astype(dtype)

    def get_config(self) -> dict:
        """Return ``{"seed", "mean", "stddev"}``."""
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Draw from N(mean, stddev) truncated at 2 stddev (values beyond are redrawn)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = validation.check_float("mean", mean, who=type(self).__name__)
        self.stddev = validation.check_float("stddev", stddev, low=0.0, who=type(self).__name__)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return truncated-normal draws of ``shape`` as ``dtype`` (default floatx)."""
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _standardize_shape(shape)
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev).astype(dtype)

    def get_config(self) -> dict:
        """Return ``{"seed", "mean", "stddev"}``."""
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight shape, as Keras computes them.

    2-D ``(in, out)``: the two sizes. Rank > 2 (convolution kernels ``(..., in, out)``): both
    are multiplied by the receptive field ``prod(shape[:-2])``. Rank 1: both are the size;
    rank 0: both are 1. Explicit ``input_axes``/``output_axes`` multiply those axes' sizes.

    >>> compute_fans((3, 3, 16, 32))
    (144, 288)
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(RandomInitializer):
    """Draw with variance ``scale / n``, ``n`` being fan_in, fan_out or their average (mode).

    ``distribution="truncated_normal"``: stddev ``sqrt(scale / n) / 0.8796...`` before the
    2-sigma truncation, so the stddev after it is ``sqrt(scale / n)``. ``"untruncated_normal"``:
    stddev ``sqrt(scale / n)``. ``"uniform"``: U(-limit, limit), ``limit = sqrt(3 scale / n)``.
    ``"normal"`` is read as ``"truncated_normal"``, as Keras does.

    Args:
        scale: positive float, default 1.0.
        mode: ``"fan_in"`` (default), ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (default), ``"untruncated_normal"`` or
            ``"uniform"``.
        seed: int or None.
        input_axes, output_axes: optional axes whose sizes give fan_in and fan_out.
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        if not isinstance(scale, numbers.Real) or not scale > 0.0:
            raise InvalidArgumentError(
                f"Argument `scale` must be positive float. Received: scale={scale!r}"
            )
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise InvalidArgumentError(
                f"Invalid `mode` argument: {mode!r}. Expected one of {modes}."
            )
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in distributions:
            raise InvalidArgumentError(
                f"Invalid `distribution` argument: {distribution!r}. "
                f"Expected one of {distributions}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return draws of ``shape`` as ``dtype`` (default floatx), scaled to the fans."""
        dtype = _float_dtype(dtype, type(self).__name__)
        shape = _standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, n[self.mode])
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / _TRUNCATION_STDDEV)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def _axes_config(self) -> dict:
        # Keras 3.15 added input_axes/output_axes; earlier Keras 3 rejects them as unknown
        # kwargs, so they are written only when set, which keeps files loadable everywhere.
        config = {}
        if self.input_axes is not None:
            config["input_axes"] = self.input_axes
        if self.output_axes is not None:
            config["output_axes"] = self.output_axes
        return config

    def get_config(self) -> dict:
        """Return ``{"seed", "scale", "mode", "distribution"}`` (plus axes when set)."""
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **self._axes_config(),
        }


class _VarianceScalingPreset(VarianceScaling):
    """A VarianceScaling with fixed settings, whose config holds only the seed (and axes)."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(
            self._scale,
            self._mode,
            self._distribution,
            seed=seed,
            input_axes=input_axes,
            output_axes=output_axes,
        )

    def get_config(self) -> dict:
        """Return ``{"seed": seed}`` (plus the axes when set)."""
        return {"seed": self.seed, **self._axes_config()}


class GlorotUniform(_VarianceScalingPreset):
    """Glorot (Xavier) uniform, the Dense kernel default: U(-L, L), L = sqrt(6 / (in + out))."""

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_VarianceScalingPreset):
    """Glorot (Xavier) normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_VarianceScalingPreset):
    """He uniform: U(-limit, limit), limit = sqrt(6 / fan_in)."""

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_VarianceScalingPreset):
    """He normal: truncated normal with stddev sqrt(2 / fan_in)."""

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_VarianceScalingPreset):
    """LeCun uniform: U(-limit, limit), limit = sqrt(3 / fan_in)."""

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_VarianceScalingPreset):
    """LeCun normal: truncated normal with stddev sqrt(1 / fan_in)."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    """``gain`` times a random orthogonal matrix (QR of a Gaussian matrix, signs fixed).

    Shapes of rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])``. With fewer rows
    than columns the rows are orthonormal, otherwise the columns are.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> np.ndarray:
        """Return an orthogonal matrix of ``shape`` as ``dtype`` (default floatx)."""
        dtype = _float_dtype(dtype, "Orthogonal")
        shape = _standardize_shape(shape)
        if len(shape) < 2:
            raise InvalidArgumentError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        # Multiplying by sign(diag(r)) makes the factorization unique, so q is Haar-uniform.
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self) -> dict:
        """Return ``{"seed", "gain"}``."""
        return {**super().get_config(), "gain": self.gain}


def _snake(name: str) -> str:
    """``GlorotUniform`` -> ``glorot_uniform`` (Keras's ``to_snake_case`` for these names)."""
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


_CLASSES = (
    Constant,
    Identity,
    Ones,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
# Every name ``get`` and ``deserialize`` resolve: class names, their snake-case forms and
# the aliases Keras 3 keeps for compatibility.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_snake(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(
    {
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
        "normal": RandomNormal,
        "uniform": RandomUniform,
        "one": Ones,
        "zero": Zeros,
    }
)

# The lowercase names Keras 3 exports are the classes themselves (``glorot_uniform()`` builds
# a GlorotUniform), not functions.
constant = Constant
identity = IdentityInitializer = Identity
ones = Ones
zeros = Zeros
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = OrthogonalInitializer = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling


def _unknown(identifier) -> InvalidArgumentError:
    names = ", ".join(sorted(ALL_OBJECTS_DICT))
    return InvalidArgumentError(
        f"Could not interpret initializer identifier: {identifier!r}."
        f"{validation.did_you_mean(identifier, ALL_OBJECTS_DICT)} "
        f"Expected an Initializer, a callable, a config dict or one of: {names}."
    )


def serialize(initializer) -> dict:
    """Return the Keras 3 dict ``{"module", "class_name", "config", "registered_name"}``.

    >>> serialize(Zeros())
    {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}
    """
    return serialize_keras_object(initializer, "keras.initializers", ALL_OBJECTS_DICT)


def deserialize(config, custom_objects: dict | None = None) -> Initializer:
    """Rebuild an initializer from ``serialize`` output, a Keras-2 dict or a name.

    Classes come only from this module's table or ``custom_objects``: nothing named in the
    config is imported.
    """
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, _unknown)


def get(identifier):
    """Return an initializer for ``identifier``.

    Accepts None (returns None), an ``Initializer`` (returned as is), an Initializer class
    (instantiated), a name such as ``"glorot_uniform"`` or ``"GlorotUniform"`` (names are
    case-sensitive, as in Keras), a config dict, a NumPy array (a fixed value whose shape
    must match) or any callable ``f(shape, dtype=None)``.

    >>> get("he_normal")
    HeNormal(seed=None)
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, str):
        cls = ALL_OBJECTS_DICT.get(identifier)
        if cls is None:
            raise _unknown(identifier)
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, np.ndarray | np.generic):
        value = np.asarray(identifier)

        def initialize_fn(shape, dtype=None):
            """Return the fixed array, cast to ``dtype``, after checking ``shape``."""
            if _standardize_shape(shape) != value.shape:
                raise InvalidArgumentError(
                    f"Expected `shape` to be {value.shape} for direct tensor as initializer. "
                    f"Received: shape={shape}"
                )
            return value.astype(standardize_dtype(dtype))

        return initialize_fn
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise _unknown(identifier)
