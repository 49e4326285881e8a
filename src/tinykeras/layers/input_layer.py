"""``InputLayer`` and ``Input``: declare the shape a model takes."""

from tinykeras.autodiff.dtypes import dense_only
from tinykeras.backend import standardize_dtype
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.layers.keras_tensor import KerasTensor, Node
from tinykeras.utils import validation


class InputLayer(Layer):
    """The entry point of a model: holds the input shape, computes nothing.

    Args:
        shape: the shape of one sample, without the batch axis (``(400,)``; a bare int is
            accepted, as in Keras 2).
        batch_size: an optional fixed batch size.
        dtype: the input dtype (default floatx).
        batch_shape: the full shape with the batch axis, instead of ``shape``.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        # Keras-2 files and code use these spellings.
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        shape = kwargs.pop("input_shape", shape)
        kwargs.pop("ragged", None)
        super().__init__(name=name, dtype=dtype, **{k: v for k, v in kwargs.items()
                                                    if k in ("trainable",)})
        dense_only("InputLayer", sparse=sparse)
        if shape is not None and batch_shape is not None:
            raise InvalidArgumentError(
                "You cannot pass both `shape` and `batch_shape` at the same time. "
                f"Received: shape={shape}, batch_shape={batch_shape}"
            )
        who = f"InputLayer '{self.name}'"
        if batch_shape is None:
            if shape is None:
                raise InvalidArgumentError(
                    "You must pass a `shape` argument to InputLayer or Input, such as "
                    "Input(shape=(4,)) for samples of 4 features."
                )
            shape = validation.check_shape("shape", shape, who=who)
            batch_size = validation.check_int("batch_size", batch_size, low=1, allow_none=True,
                                              who=who)
            batch_shape = (batch_size,) + shape
        self.batch_shape = validation.check_shape("batch_shape", batch_shape, who=who,
                                                  batch=True)
        self.built = True
        self._build_shape = self.batch_shape
        self._output_shape = self.batch_shape
        self._symbolic_output = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name,
                                            layer=self)
        Node(self, [], [self._symbolic_output])

    def get_config(self):
        """Return the config Keras writes for an InputLayer."""
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "sparse": False,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        """Create an InputLayer from a config (Keras 3 or Keras 2 keys)."""
        config = dict(config)
        dtype = config.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = dtype.get("config", {}).get("name")
        config.pop("optional", None)
        return cls(dtype=standardize_dtype(dtype) if dtype else None, **config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """Return a symbolic tensor standing for a model input of the given ``shape``.

    >>> Input(shape=(400,)).shape.as_list()
    [None, 400]
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output
