"""``Tensor`` (an array that can sit on a gradient tape), ``Variable`` and ``TensorShape``."""

import numpy as np

from tinykeras.backend import xp
from tinykeras.backend.config import floatx, standardize_dtype
from tinykeras.errors import InvalidArgumentError, NonNumericInputError


class TensorShape(tuple):
    """A shape tuple that also answers the TF-2 style ``as_list()`` and ``rank``."""

    def as_list(self) -> list:
        """Return the shape as a list, with ``None`` for unknown sizes."""
        return list(self)

    @property
    def rank(self) -> int:
        """Return the number of axes."""
        return len(self)


class Tensor:
    """An immutable array value; ops on tensors are recorded when a ``GradientTape`` is active.

    ``value`` is the underlying NumPy array. NumPy functions accept a Tensor directly
    (``np.max(t)``, ``np.dot(t, w)``) through ``__array__``; ``numpy()`` returns the array.
    """

    __slots__ = ("value", "_rg", "_keras_logits", "__weakref__")
    # Higher than ndarray's, so ``ndarray * tensor`` defers to ``Tensor.__rmul__`` and records.
    __array_priority__ = 100

    def __init__(self, value, dtype=None):
        if isinstance(value, Tensor):
            value = value.value
        elif value is None:  # np.asarray(None, "float32") is a NaN, without dtype an object
            check_numeric_input(value, "value", "Tensor")
        if dtype is not None:  # asanyarray: a traced batch stays marked (autodiff/plan.py)
            value = xp.asanyarray(value, dtype=standardize_dtype(dtype))
        elif not isinstance(value, np.ndarray):
            # NumPy scalars keep their dtype (``np.float64(0.3)`` stays float64, as in TF).
            keep = isinstance(value, np.generic)
            value = xp.asarray(value)
            if not keep and value.dtype == np.float64 and floatx() != "float64":
                # Python floats become floatx, as in Keras's convert_to_tensor.
                value = value.astype(floatx())
            elif not keep and value.dtype == np.int64:
                value = _python_ints(value)
            elif value.dtype.kind not in _NUMERIC_KINDS:  # object(), [None, 1], text
                check_numeric_input(value, "value", "Tensor")
        self.value = value
        self._rg = False
        self._keras_logits = None

    # -- array protocol and conversions -------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """Return the value as a NumPy array."""
        _leaving_ops(self, "`.numpy()`")
        return self.value

    def __array__(self, dtype=None, copy=None):
        _leaving_ops(self, "a NumPy function applied to a tensor outside ops")
        if dtype is not None and dtype != self.value.dtype:
            return self.value.astype(dtype)
        return self.value.copy() if copy else self.value

    @property
    def shape(self) -> TensorShape:
        """The shape as a ``TensorShape`` (a tuple with ``as_list()``)."""
        return TensorShape(self.value.shape)

    @property
    def dtype(self) -> str:
        """The dtype name, for example ``"float32"``."""
        return self.value.dtype.name

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.value.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.value.size

    def __len__(self):
        return len(self.value)

    def __float__(self):
        # A one-element tensor of any rank converts, as TF's did under older NumPy (course
        # helpers store ``sigmoid(x @ w + b)`` of shape (1,) into a grid cell).
        _leaving_ops(self, "`float()`")
        return float(self.value.item() if self.value.size == 1 else self.value)

    def __int__(self):
        _leaving_ops(self, "`int()`")
        return int(self.value.item() if self.value.size == 1 else self.value)

    def __index__(self):
        _leaving_ops(self, "a tensor used as a Python index")
        return int(self.value)

    def __bool__(self):
        _leaving_ops(self, "a Python `if`/`bool` on a tensor")
        return bool(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]

    def __format__(self, spec):
        if self.value.ndim == 0:
            return format(self.value.item(), spec)
        return format(str(self), spec)

    def __repr__(self):
        body = str(self.value)  # NumPy's print form, as TensorFlow shows it
        # TensorFlow's layout: a value that spans several lines starts on a line of its own.
        opening = "tf.Tensor(\n" if "\n" in body else "tf.Tensor("
        return f"{opening}{body}, shape={tuple(self.value.shape)}, dtype={self.dtype})"

    def __str__(self):
        return self.__repr__()

    # -- operators ------------------------------------------------------------------------------
    # The arithmetic operators (+ - * / @ ** unary -, abs, [..]) and ``.T`` go through ops, so
    # they are recorded and differentiable; ``math_ops`` installs them on this class when it
    # is imported (``math_ops.install_operators``), so this module imports no op module.
    def __pos__(self):
        return self

    # Comparisons give boolean tensors with no gradient, as in TF.
    def __lt__(self, other):
        return Tensor(self.value < _raw(other))

    def __le__(self, other):
        return Tensor(self.value <= _raw(other))

    def __gt__(self, other):
        return Tensor(self.value > _raw(other))

    def __ge__(self, other):
        return Tensor(self.value >= _raw(other))

    def __eq__(self, other):
        return Tensor(self.value == _raw(other))

    def __ne__(self, other):
        return Tensor(self.value != _raw(other))

    __hash__ = object.__hash__


class Variable(Tensor):
    """Mutable, named state (weights, optimizer slots); trainable ones are watched by tapes.

    Args:
        initial_value: an array-like, or a callable ``f(shape, dtype)`` with ``shape`` given.
        shape: the shape, needed only when ``initial_value`` is a callable.
        dtype: the dtype; by default an array's or tensor's own dtype (as Keras 3 and TF),
            floatx for Python floats and lists.
        trainable: whether tapes watch it and optimizers update it.
        name: the short name, e.g. ``"kernel"``.
    """

    __slots__ = ("name", "path", "trainable", "regularizer", "constraint")

    def __init__(self, initial_value=None, shape=None, dtype=None, trainable=True, name=None):
        if callable(initial_value):
            dtype = standardize_dtype(dtype)
            initial_value = initial_value(shape, dtype)
        raw = _raw(initial_value)
        if raw is None:
            raise InvalidArgumentError(
                "Argument `initial_value` of Variable is required: an array-like, or an "
                "initializer together with `shape`."
            )
        try:
            value = np.array(raw, copy=True)
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(
                f"Argument `initial_value` of Variable could not become an array ({exc}). Pass "
                "a rectangular array of numbers."
            ) from None
        _check_numeric(value, "initial_value", "Variable")
        if dtype is not None:
            value = value.astype(standardize_dtype(dtype), copy=False)
        elif value.dtype.kind == "f" and not isinstance(raw, (np.ndarray, np.generic)):
            value = value.astype(floatx(), copy=False)
        elif value.dtype == np.int64 and not isinstance(raw, (np.ndarray, np.generic)):
            value = _python_ints(value)  # Variable(0) is int32, as in Keras and TF
        super().__init__(np.array(value, copy=True, order="C"))
        self.trainable = bool(trainable)
        self._rg = self.trainable
        self.name = name or "variable"
        self.path = self.name
        self.regularizer = None
        self.constraint = None

    def numpy(self) -> np.ndarray:
        """Return a copy of the current value (later updates do not change it)."""
        _leaving_ops(self, "`.numpy()`")
        return self.value.copy()

    def assign(self, value):
        """Write ``value`` into the variable in place (same shape), casting to its dtype."""
        _assigning(self)
        value = _raw(value)
        _check_numeric(value, "value", f"Variable '{self.path}'.assign")
        if np.shape(value) != self.value.shape:
            raise InvalidArgumentError(
                f"Cannot assign a value of shape {np.shape(value)} to variable "
                f"'{self.path}' of shape {self.value.shape}."
            )
        # In place, because optimizers may hold this array as a view of one flat buffer.
        self.value[...] = value
        return self

    def assign_add(self, value):
        """Add ``value`` to the variable in place."""
        _assigning(self)
        self.value += _raw(value)
        return self

    def assign_sub(self, value):
        """Subtract ``value`` from the variable in place."""
        _assigning(self)
        self.value -= _raw(value)
        return self

    def _bind(self, array: np.ndarray) -> None:
        """Rebind storage to ``array`` (same shape and dtype), e.g. a view of a flat buffer."""
        array[...] = self.value
        self.value = array

    def __repr__(self):
        # TensorFlow's layout, which the course notebooks print: <tf.Variable 'dense/kernel:0'
        # shape=(2, 1) dtype=float32, numpy=array(...)>.
        return (
            f"<tf.Variable '{self.path}:0' shape={tuple(self.value.shape)} "
            f"dtype={self.dtype}, numpy=\n{self.value!r}>"
        )


_NUMERIC_KINDS = "biufc"  # bool, integers, floats, complex: what a tensor may hold
_NUMERIC = object()  # "nothing wrong found" (None is itself a wrong part)


def _python_ints(value: np.ndarray) -> np.ndarray:
    """An int64 array NumPy made of Python ints, as int32 (Keras's and TF's dtype for them)
    unless a value does not fit, where int64 stays (Keras would overflow)."""
    if value.size and (value.min() < -2**31 or value.max() >= 2**31):
        return value
    return value.astype(np.int32)


def check_numeric_input(value, name, who) -> None:
    """Refuse ``value`` as the tensor argument ``name`` of ``who`` unless it is numeric: a
    Tensor, a numeric array, a number, or lists, tuples or dicts of them. As Keras 3
    refuses them: None, objects and text, which NumPy would turn into an object-dtype
    array (``np.sum(None)``) or, asked for floats, into NaN (``[None, 1.0]``)."""
    bad = _first_non_numeric(value)
    if bad is _NUMERIC:
        return
    if bad is None:
        what, fix = "None", "pass a tensor, an array or a number (None is not a value)"
    else:
        if isinstance(bad, np.ndarray):
            what = f"an array of dtype {bad.dtype}"
        elif isinstance(bad, (str, bytes, np.generic)):
            what = f"{_short(bad)} of type {type(bad).__name__}"
        else:  # its repr may hold a memory address: the type says enough
            what = f"an object of type {type(bad).__name__}"
        fix = "convert it to numbers first, e.g. np.asarray(x, dtype='float32')"
    where = "" if bad is value else f" inside {_short(value)}"
    raise NonNumericInputError(
        f"{who}: argument `{name}` must be numeric: a tensor, a NumPy array, a number, or a "
        f"(nested) list of numbers. Received {what}{where}; {fix}.")


def _first_non_numeric(value):
    """The first part of ``value`` that is not numeric data, or ``_NUMERIC``."""
    if isinstance(value, (Tensor, bool, int, float, complex, np.bool_, np.number)):
        return _NUMERIC
    if isinstance(value, np.ndarray):
        return _NUMERIC if value.dtype.kind in _NUMERIC_KINDS else value
    if isinstance(value, (list, tuple, dict)):
        for item in value.values() if isinstance(value, dict) else value:
            bad = _first_non_numeric(item)
            if bad is not _NUMERIC:
                return bad
        return _NUMERIC
    if hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, np.generic):
        return _NUMERIC  # another library's array (or a symbolic tensor): the op converts it
    return value  # None, object(), text, a NumPy object or text scalar


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_numeric(value, name, who):
    kind = value.dtype.kind if isinstance(value, np.ndarray) else np.asarray(value).dtype.kind
    if kind not in "biuf":
        raise InvalidArgumentError(
            f"{who}: argument `{name}` must be numeric (int, float or bool). Received: "
            f"{value!r:.60}"
        )


def _leaving_ops(t, what):
    """While tracing, a tensor's value turned into Python or NumPy outside an op: the plan
    could not replay what follows, so the trace gives up (see autodiff/plan.py)."""
    from tinykeras.autodiff import plan

    if plan.ACTIVE:
        who = f"variable '{t.path}'" if isinstance(t, Variable) else "a traced tensor"
        plan.refuse(f"{what} on {who}")


def _assigning(v):
    from tinykeras.autodiff import plan

    if plan.ACTIVE:
        plan.refuse(f"`assign` to variable '{v.path}' outside an op")


def raw(x):
    """Return the array inside a Tensor, or ``x`` itself (the one home of this helper)."""
    return x.value if isinstance(x, Tensor) else x


_raw = raw


def wrap(value) -> Tensor:
    """Wrap an array in a Tensor without the checks of ``Tensor.__init__`` (hot path)."""
    t = Tensor.__new__(Tensor)
    t.value = value if isinstance(value, np.ndarray) else np.asarray(value)
    t._rg = False
    t._keras_logits = None
    return t
