"""``Lambda``: a layer that applies a function made of tinykeras ops (or facade functions)."""

import numpy as np

from tinykeras.autodiff import Tensor, wrap
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer


class Lambda(Layer):
    """Wraps ``function(inputs)`` as a layer, so it can sit in a functional model.

    The function must be built from tinykeras ops (``tinykeras.ops``, ``import tinykeras as
    tf`` functions) so that gradients flow through it. Without ``output_shape`` the output
    shape is found by running the function once on zeros.

    >>> Lambda(lambda x: x * 2)(np.ones((1, 2))).numpy()
    array([[2., 2.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise InvalidArgumentError(
                f"Lambda layer '{self.name}': `function` must be callable. "
                f"Received: function={function!r}"
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self._fixed_output_shape = None if output_shape is None else tuple(output_shape)

    def call(self, inputs):
        """Return ``function(inputs, **arguments)``."""
        out = self.function(inputs, **self.arguments)
        return out if isinstance(out, Tensor) else wrap(np.asarray(out))

    def compute_output_shape(self, input_shape):
        """The given ``output_shape``, else the shape of the function's output on zeros."""
        if self._fixed_output_shape is not None:
            return (input_shape[0],) + self._fixed_output_shape
        probe = np.zeros([1 if d is None else d for d in input_shape], dtype=self.dtype)
        out = self.function(wrap(probe), **self.arguments)
        return (input_shape[0],) + tuple(np.shape(out))[1:]

    def get_config(self):
        """Lambda layers hold Python code, which is never serialized: refuse with the fix."""
        raise NotImplementedError(
            f"Lambda layer '{self.name}' wraps a Python function, which tinykeras does not "
            "serialize (loading it would run code from a file). Write a Layer subclass instead."
        )
