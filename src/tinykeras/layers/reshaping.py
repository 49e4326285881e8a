"""Shape layers: ``Flatten``, ``Reshape``, and the elementwise ``Rescaling``."""

import math

from tinykeras.autodiff import ops
from tinykeras.backend import xp
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.utils import validation


class Flatten(Layer):
    """Flattens every axis but the batch axis: ``(batch, a, b)`` becomes ``(batch, a * b)``.

    >>> import numpy as np
    >>> Flatten()(np.zeros((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        """Reshape to ``(batch, -1)``."""
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        """``(batch, product of the other axes)`` (None if any is unknown)."""
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        """Return the base config plus ``data_format``."""
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis is kept); one entry may be -1.

    >>> import numpy as np
    >>> Reshape((2, -1))(np.zeros((5, 6))).shape
    (5, 2, 3)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = _target_shape(target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(
            d == 0 or d < -1 for d in self.target_shape
        ):
            raise InvalidArgumentError(
                "Reshape: `target_shape` must hold positive sizes and at most one -1. "
                f"Received: target_shape={target_shape!r}"
            )

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return self.target_shape
        size = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if size % known:
                raise InvalidArgumentError(self._mismatch(input_shape))
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise InvalidArgumentError(self._mismatch(input_shape))
        return self.target_shape

    def _mismatch(self, input_shape):
        return (f"Layer '{self.name}' (Reshape): an input of shape {tuple(input_shape)} has "
                f"{math.prod(input_shape[1:])} values per sample, which cannot be reshaped to "
                f"target_shape={self.target_shape}.")

    def call(self, inputs):
        """Reshape to ``(batch,) + target_shape``."""
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        """``(batch,) + target_shape`` with -1 resolved."""
        shape = self._resolve(tuple(input_shape))
        return (input_shape[0],) + tuple(None if d == -1 else d for d in shape)

    def get_config(self):
        """Return the base config plus ``target_shape``."""
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Rescaling(Layer):
    """Computes ``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` for pixel values).

    >>> import numpy as np
    >>> Rescaling(0.5, offset=1.0)(np.array([[2.0, 4.0]])).numpy()
    array([[2., 3.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _number_or_array("scale", scale)
        self.offset = _number_or_array("offset", offset)

    def call(self, inputs):
        """Scale and shift."""
        dtype = inputs.value.dtype
        out = ops.multiply(inputs, ops.convert_to_tensor(self.scale, dtype))
        if self.offset is not None and (not isinstance(self.offset, (int, float))
                                        or self.offset != 0):
            out = ops.add(out, ops.convert_to_tensor(self.offset, dtype))
        return out

    def get_config(self):
        """Return the base config plus ``scale`` and ``offset``."""
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _target_shape(target_shape):
    """Reshape's ``target_shape``: integers, at most one of them -1 (checked below)."""
    shape = (target_shape,) if isinstance(target_shape, int) else target_shape
    if not isinstance(shape, (tuple, list)) or any(
        isinstance(d, bool) or not isinstance(d, (int, xp.integer)) for d in shape
    ):
        raise validation.refuse("Reshape", "target_shape", "a tuple of integers such as (2, 3)",
                                target_shape)
    return tuple(int(d) for d in shape)


def _number_or_array(name, value):
    if xp.asarray(value).dtype.kind not in "biuf":
        raise validation.refuse("Rescaling", name, "a number (or an array of numbers)", value)
    return value
