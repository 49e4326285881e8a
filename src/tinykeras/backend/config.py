"""Global numeric settings: the default float type and the fuzz factor epsilon."""

import numpy as np

from tinykeras.errors import InvalidArgumentError

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")


def floatx() -> str:
    """Return the default float type name, ``"float32"`` unless changed by ``set_floatx``."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type for new weights, inputs and outputs."""
    global _FLOATX
    try:
        # A string must be the full name, as in Keras: NumPy would read 'f' or 'd' as a float.
        name = value if isinstance(value, str) else standardize_dtype(value)
    except InvalidArgumentError:
        name = None
    if name not in _ALLOWED_FLOATX:
        raise InvalidArgumentError(
            f"Unknown `floatx` value: {value!r}. Expected one of {list(_ALLOWED_FLOATX)}."
        )
    _FLOATX = name


def epsilon() -> float:
    """Return the fuzz factor used to keep logs and divisions finite (Keras: 1e-7)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Set the fuzz factor returned by ``epsilon()``."""
    global _EPSILON
    from tinykeras.utils.validation import check_float

    _EPSILON = check_float("epsilon", value, low=0.0, low_open=True, high=1.0, high_open=True,
                           who="set_epsilon")


_DTYPE_NAMES: dict = {}  # dtype, type or string -> canonical name (asking NumPy costs ~20 us)


def standardize_dtype(dtype) -> str:
    """Return the canonical name (``"float32"``, ``"int64"``...) of a dtype-like value."""
    if dtype is None:
        return floatx()
    if isinstance(dtype, (np.dtype, str, type)):
        name = _DTYPE_NAMES.get(dtype)
        if name is None:
            name = _DTYPE_NAMES[dtype] = _dtype_name(dtype)
        return name
    return _dtype_name(dtype)


def _dtype_name(dtype) -> str:
    if hasattr(dtype, "name") and isinstance(dtype.name, str) and not isinstance(
        dtype, np.dtype
    ):
        # A DTypePolicy-like object (``policy.name``) or a tinykeras dtype wrapper.
        dtype = dtype.name
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise InvalidArgumentError(
            f"Invalid dtype: {dtype!r}. Expected a NumPy dtype name such as 'float32', "
            "'float64' or 'int32'."
        ) from None
