"""Weight regularizers with Keras's names, formulas and configs.

A regularizer maps a weight tensor to a scalar penalty that is added to the loss. Penalties
are built from the autodiff ops, so they are differentiable on a ``GradientTape``:

>>> from tinykeras.autodiff import GradientTape, Variable
>>> w = Variable([[1.0, -2.0]])
>>> with GradientTape() as tape:
...     penalty = L2(0.5)(w)
>>> float(penalty), tape.gradient(penalty, w).numpy().tolist()
(2.5, [[1.0, -2.0]])

The lowercase Keras-2 names are the classes themselves: ``l2 is L2``, so
``type(layer.kernel_regularizer) == l2`` holds for ``kernel_regularizer=l2(0.1)``.
"""

import inspect
import math
import numbers

import numpy as np

from tinykeras.autodiff import ops
from tinykeras.autodiff.core import op
from tinykeras.backend import epsilon
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils import validation
from tinykeras.utils.serialization import deserialize_keras_object, serialize_keras_object


@op(arity=1)
def _l1_penalty(x, factor):
    """``factor * sum(|x|)`` as one op: the arithmetic of ``multiply(factor, sum(abs(x)))``
    and of its three vjps (``g * factor * sign(x)``), one call each way per weight and step
    instead of three (the penalties run on every training step)."""
    def vjp(g, needs):
        return ((g * factor) * np.sign(x),)

    return np.multiply(factor, np.add.reduce(np.abs(x), axis=None)), vjp


@op(arity=1)
def _l2_penalty(x, factor):
    """``factor * sum(x**2)`` as one op: the arithmetic of ``multiply(factor,
    sum(square(x)))`` and of its three vjps (``2 * (g * factor) * x``), in one call each way."""
    def vjp(g, needs):
        return ((2 * (g * factor)) * x,)

    return np.multiply(factor, np.add.reduce(np.square(x), axis=None)), vjp


def _validate_factor(value, name: str) -> float:
    """Return ``value`` as a float, refusing non-numbers, NaN, infinity and negatives."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgumentError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _dtype_of(x) -> np.dtype:
    """Return the dtype of a Tensor, Variable or array-like (floats default to float64)."""
    dtype = getattr(x, "dtype", None)
    return np.dtype(dtype) if dtype is not None else np.asarray(x).dtype


class Regularizer:
    """Base class: ``__call__(x)`` returns a scalar penalty for the weight tensor ``x``.

    Subclasses store their factors as float attributes and list them in ``get_config``.
    """

    def __call__(self, x):
        """Return the penalty for ``x`` (the base class adds nothing)."""
        return 0.0

    def get_config(self) -> dict:
        """Return the constructor arguments as a JSON-serializable dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict) -> "Regularizer":
        """Rebuild a regularizer from ``get_config()`` output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """L1 penalty ``l1 * sum(|x|)``; default ``l1=0.01``.

    >>> float(L1(0.5)([[1.0, -2.0]]))
    1.5
    """

    def __init__(self, l1=0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x):
        """Return ``l1 * sum(|x|)`` as a scalar Tensor of ``x``'s dtype."""
        return _l1_penalty(x, np.asarray(self.l1, dtype=_dtype_of(x)))

    def get_config(self) -> dict:
        """Return ``{"l1": l1}``."""
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty ``l2 * sum(x**2)`` (no 1/2 factor); default ``l2=0.01``.

    The gradient is ``2 * l2 * x``: ``L2(l2)`` equals weight decay of ``2 * l2`` under SGD.

    >>> float(L2(0.1)([[1.0, -2.0]]))
    0.5
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x):
        """Return ``l2 * sum(x**2)`` as a scalar Tensor of ``x``'s dtype."""
        return _l2_penalty(x, np.asarray(self.l2, dtype=_dtype_of(x)))

    def get_config(self) -> dict:
        """Return ``{"l2": l2}``."""
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Both penalties, ``l1 * sum(|x|) + l2 * sum(x**2)``; defaults ``l1=0.0, l2=0.0``.

    The string ``"l1_l2"`` gives ``L1L2(l1=0.01, l2=0.01)`` instead, as in Keras 2 (and as
    Keras 3's docstring promises).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x):
        """Return the sum of the nonzero penalties as a scalar Tensor of ``x``'s dtype."""
        dtype = _dtype_of(x)
        penalty = ops.convert_to_tensor(np.zeros((), dtype=dtype))
        # Zero factors are skipped, so L1L2(l2=0.1) costs exactly what L2(0.1) costs.
        if self.l1:
            penalty = ops.add(penalty, _l1_penalty(x, np.asarray(self.l1, dtype=dtype)))
        if self.l2:
            penalty = ops.add(penalty, _l2_penalty(x, np.asarray(self.l2, dtype=dtype)))
        return penalty

    def get_config(self) -> dict:
        """Return ``{"l1": l1, "l2": l2}``."""
        return {"l1": self.l1, "l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Push the rows (or columns) of a 2-D weight towards orthogonality.

    With ``u_i`` the L2-normalized rows (``mode="rows"``) or columns (``mode="columns"``)
    and ``n`` their count, the penalty is ``factor * 0.5 * sum_{i != j} |u_i . u_j|`` divided
    by the number of pairs ``n (n - 1) / 2``, i.e. ``factor`` times the mean ``|cos|`` over
    pairs. Default ``factor=0.01``.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise InvalidArgumentError(
                "Invalid value for argument `mode`. Expected one of "
                f"{{'rows', 'columns'}}. Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x):
        """Return the orthogonality penalty of the rank-2 ``x`` as a scalar Tensor."""
        if len(np.shape(x)) != 2:
            raise InvalidArgumentError(
                "Inputs to OrthogonalRegularizer must have rank 2. "
                f"Received: inputs.shape={tuple(np.shape(x))}"
            )
        dtype = _dtype_of(x)
        axis = 1 if self.mode == "rows" else 0
        # u = x / max(||x||, eps), as keras.ops.normalize; eps keeps zero rows finite.
        sq_norm = ops.sum(ops.square(x), axis=axis, keepdims=True)
        floor = np.asarray(epsilon() ** 2, dtype=dtype)
        u = ops.divide(x, ops.sqrt(ops.maximum(sq_norm, floor)))
        if self.mode == "rows":
            gram = ops.matmul(u, ops.transpose(u))
        else:
            gram = ops.matmul(ops.transpose(u), u)
        n = gram.shape[0]
        off_diagonal = ops.multiply(gram, (1.0 - np.eye(n)).astype(dtype))
        num_pairs = n * (n - 1) / 2.0
        scale = np.asarray(self.factor * 0.5 / num_pairs, dtype=dtype)
        return ops.multiply(scale, ops.sum(ops.abs(off_diagonal)))

    def get_config(self) -> dict:
        """Return ``{"factor": factor, "mode": mode}``."""
        return {"factor": self.factor, "mode": self.mode}


# The Keras-2 names are the same class objects, so ``type(r) == l2`` and ``isinstance`` work.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

# Every name ``get`` and ``deserialize`` resolve: class names and their snake-case forms.
ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer,
    "L1": L1,
    "L2": L2,
    "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer,
    "l1": L1,
    "l2": L2,
    "l1l2": L1L2,
    "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def _unknown(identifier) -> InvalidArgumentError:
    names = ", ".join(sorted(ALL_OBJECTS_DICT))
    return InvalidArgumentError(
        f"Could not interpret regularizer identifier: {identifier!r}."
        f"{validation.did_you_mean(identifier, ALL_OBJECTS_DICT)} "
        f"Expected a Regularizer, a callable, a config dict or one of: {names}."
    )


def serialize(regularizer) -> dict:
    """Return the Keras 3 dict ``{"module", "class_name", "config", "registered_name"}``.

    >>> serialize(L2(0.1))["config"]
    {'l2': 0.1}
    """
    return serialize_keras_object(regularizer, "keras.regularizers", ALL_OBJECTS_DICT)


def deserialize(config, custom_objects: dict | None = None) -> Regularizer:
    """Rebuild a regularizer from ``serialize`` output, a Keras-2 dict or a name.

    Classes come only from this module's table or ``custom_objects``: nothing named in the
    config is imported.
    """
    if config == "l1_l2":
        # Keras 2's special case: the string's defaults differ from the class's.
        return L1L2(l1=0.01, l2=0.01)
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, custom_objects, _unknown)


def get(identifier):
    """Return a regularizer for ``identifier``.

    Accepts None (returns None), a ``Regularizer`` (returned as is), a Regularizer class
    (instantiated), a name (``"l1"``, ``"l2"``, ``"l1_l2"``, ``"L2"``...), a config dict, or
    any callable ``f(weights) -> scalar``.

    >>> get("l2")
    L2(l2=0.01)
    """
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        if identifier not in ALL_OBJECTS_DICT:
            raise _unknown(identifier)
        return deserialize(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise _unknown(identifier)
