"""Merging layers for the functional API: ``Add``, ``Subtract``, ``Multiply``, ``Average``,
``Maximum``, ``Minimum``, ``Concatenate`` and ``Dot``. Each takes a list of tensors."""

import functools

from tinykeras.autodiff import Tensor, ops, wrap
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer, _to_array


class Merge(Layer):
    """Base class of layers that combine a list of tensors of compatible shapes."""

    _min_inputs = 2

    def __call__(self, inputs, training=None, **kwargs):
        """Call on a list of tensors (symbolic or arrays); returns one tensor."""
        if not isinstance(inputs, (list, tuple)) or len(inputs) < self._min_inputs:
            raise InvalidArgumentError(
                f"Layer '{self.name}' ({type(self).__name__}) expects a list of at least "
                f"{self._min_inputs} inputs. Received: {_describe(inputs)}"
            )
        if any(not isinstance(t, Tensor) and hasattr(t, "node") for t in inputs):
            return self._symbolic_call(list(inputs))
        tensors = [t if isinstance(t, Tensor) else wrap(_to_array(t, self._np_dtype, self.name))
                   for t in inputs]
        if not self.built:
            self._build_once([(None,) + tuple(t.shape[1:]) for t in tensors])
        return self.call(tensors)

    def build(self, input_shape):
        """Check that the input shapes agree (except where the merge allows)."""
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def _check_shapes(self, shapes):
        rest = {s[1:] for s in shapes}
        if len(rest) > 1:
            raise InvalidArgumentError(
                f"Layer '{self.name}' ({type(self).__name__}) requires inputs with matching "
                f"shapes except for the batch axis. Received: input_shape={shapes}"
            )

    def compute_output_shape(self, input_shape):
        """The common shape of the inputs."""
        return tuple(input_shape[0])


def _describe(inputs):
    if isinstance(inputs, (list, tuple)):
        return f"a list of {len(inputs)}"
    return f"a single {type(inputs).__name__}"


def _elementwise_merge(name, combine, doc):
    class _Layer(Merge):
        def call(self, inputs):
            return functools.reduce(combine, inputs)

    _Layer.__name__ = _Layer.__qualname__ = name
    _Layer.__doc__ = doc
    _Layer.call.__doc__ = f"Return the {name.lower()} of the inputs."
    return _Layer


Add = _elementwise_merge("Add", ops.add, "Adds a list of tensors elementwise.")
Multiply = _elementwise_merge("Multiply", ops.multiply, "Multiplies tensors elementwise.")
Maximum = _elementwise_merge("Maximum", ops.maximum, "Elementwise maximum of tensors.")
Minimum = _elementwise_merge("Minimum", ops.minimum, "Elementwise minimum of tensors.")


class Subtract(Merge):
    """Subtracts the second of two tensors from the first."""

    def call(self, inputs):
        """Return ``inputs[0] - inputs[1]``."""
        if len(inputs) != 2:
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Subtract) takes exactly 2 inputs. Received {len(inputs)}."
            )
        return ops.subtract(inputs[0], inputs[1])


class Average(Merge):
    """The elementwise mean of a list of tensors."""

    def call(self, inputs):
        """Return ``sum(inputs) / len(inputs)``."""
        return ops.multiply(functools.reduce(ops.add, inputs), 1.0 / len(inputs))


class Concatenate(Merge):
    """Joins a list of tensors along ``axis`` (the last by default).

    >>> Concatenate()([np.ones((1, 2)), np.zeros((1, 1))]).numpy()
    array([[1., 1., 0.]], dtype=float32)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes):
        ndim = len(shapes[0])
        axis = self.axis % ndim
        rest = {tuple(d for i, d in enumerate(s) if i not in (0, axis)) for s in shapes}
        if len({len(s) for s in shapes}) > 1 or len(rest) > 1:
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Concatenate) requires inputs with matching shapes "
                f"except for the concatenation axis {self.axis}. Received: input_shape={shapes}"
            )

    def call(self, inputs):
        """Return the inputs joined along ``axis``."""
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        """The common shape with the sizes along ``axis`` added up."""
        shape = list(input_shape[0])
        axis = self.axis % len(shape)
        sizes = [s[axis] for s in input_shape]
        shape[axis] = None if None in sizes else sum(sizes)
        return tuple(shape)

    def get_config(self):
        """Return name, trainable, dtype and ``axis``."""
        return {**super().get_config(), "axis": self.axis}


class Dot(Merge):
    """The dot product of two batches of vectors along ``axes``; output ``(batch, 1)``.

    Args:
        axes: the axis to multiply and sum over (1 or -1 for ``(batch, d)`` inputs, or a pair).
        normalize: L2-normalize both inputs along ``axes`` first (cosine similarity).

    >>> Dot(axes=1)([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).numpy()
    array([[11.]], dtype=float32)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        pair = tuple(axes) if isinstance(axes, (list, tuple)) else (axes, axes)
        if len(pair) != 2 or any(not isinstance(a, int) for a in pair):
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Dot): `axes` must be an int or a pair of ints. "
                f"Received: axes={axes!r}"
            )
        self.axes = axes
        self._pair = pair
        self.normalize = bool(normalize)

    def _check_shapes(self, shapes):
        if len(shapes) != 2 or any(len(s) != 2 for s in shapes):
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Dot) takes two inputs of shape (batch, features) in "
                f"tinykeras. Received: input_shape={shapes}"
            )
        if any(a % 2 != 1 for a in self._pair):
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Dot): only the feature axis (1 or -1) can be summed over "
                f"for (batch, features) inputs. Received: axes={self.axes!r}"
            )
        a, b = shapes[0][1], shapes[1][1]
        if a is not None and b is not None and a != b:
            raise InvalidArgumentError(
                f"Layer '{self.name}' (Dot): the inputs have different sizes along the summed "
                f"axis: {a} and {b}. Received: input_shape={shapes}"
            )

    def call(self, inputs):
        """Return ``sum(x1 * x2, axis=1, keepdims=True)`` (of the normalized inputs)."""
        x1, x2 = inputs
        if self.normalize:
            x1, x2 = l2_normalize(x1, axis=1), l2_normalize(x2, axis=1)
        return ops.sum(ops.multiply(x1, x2), axis=1, keepdims=True)

    def compute_output_shape(self, input_shape):
        """``(batch, 1)``."""
        return (input_shape[0][0], 1)

    def get_config(self):
        """Return name, trainable, dtype, ``axes`` and ``normalize``."""
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def l2_normalize(x, axis=None, epsilon=1e-12):
    """``x / sqrt(max(sum(x**2, axis), epsilon))`` (TensorFlow's formula), from plain ops."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(square_sum, epsilon)))
