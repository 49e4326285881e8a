"""Layers: ``Input``, ``InputLayer``, ``Dense``, ``Activation`` and the ``Layer`` base."""

from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.activation_layers import ELU, PReLU, ReLU, Softmax
from tinykeras.layers.base import Layer
from tinykeras.layers.core import Activation, Dense
from tinykeras.layers.embedding import CategoryEncoding, Embedding
from tinykeras.layers.input_layer import Input, InputLayer
from tinykeras.layers.keras_tensor import KerasTensor
from tinykeras.layers.lambda_layer import Lambda
from tinykeras.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from tinykeras.layers.normalization import (
    BatchNormalization,
    LayerNormalization,
    UnitNormalization,
)
from tinykeras.layers.preprocessing import LeakyReLU, Normalization
from tinykeras.layers.regularization import AlphaDropout, Dropout, GaussianDropout, GaussianNoise
from tinykeras.layers.reshaping import Flatten, Rescaling, Reshape

ALL_OBJECTS = {cls.__name__: cls for cls in (
    InputLayer, Dense, Activation,
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract,
    LeakyReLU, Normalization,
    AlphaDropout, BatchNormalization, CategoryEncoding, Dropout, ELU, Embedding, Flatten,
    GaussianDropout, GaussianNoise, LayerNormalization, PReLU, ReLU, Rescaling, Reshape,
    Softmax, UnitNormalization,
)}


def get(name):
    """Return the built-in layer class called ``name`` (the registry used when loading)."""
    if name not in ALL_OBJECTS:
        raise InvalidArgumentError(
            f"Unknown layer class {name!r}. Expected one of {sorted(ALL_OBJECTS)}."
        )
    return ALL_OBJECTS[name]


def serialize(layer) -> dict:
    """Return Keras's dict for a layer (module, class_name, config, registered_name)."""
    from tinykeras.saving.config import serialize_layer

    return serialize_layer(layer)


def deserialize(config, custom_objects=None):
    """Build a layer from ``serialize`` output (allow-listed classes only)."""
    from tinykeras.saving.config import deserialize_layer

    return deserialize_layer(config, custom_objects)


__all__ = [
    "AlphaDropout", "BatchNormalization", "CategoryEncoding", "Dropout", "ELU", "Embedding",
    "Flatten", "GaussianDropout", "GaussianNoise", "LayerNormalization", "PReLU", "ReLU",
    "Rescaling", "Reshape", "Softmax", "UnitNormalization",
    "Activation", "Add", "Average", "Concatenate", "Dense", "Dot", "Input", "InputLayer",
    "KerasTensor", "Lambda", "Layer", "LeakyReLU", "Maximum", "Minimum", "Multiply",
    "Normalization", "Subtract", "deserialize", "get", "serialize",
]
