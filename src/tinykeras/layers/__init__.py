"""Layers: ``Input``, ``InputLayer``, ``Dense``, ``Activation`` and the ``Layer`` base."""

from tinykeras.layers.base import Layer
from tinykeras.layers.core import Activation, Dense
from tinykeras.layers.input_layer import Input, InputLayer
from tinykeras.layers.keras_tensor import KerasTensor

ALL_OBJECTS = {cls.__name__: cls for cls in (InputLayer, Dense, Activation)}


def get(name):
    """Return the built-in layer class called ``name`` (the registry used when loading)."""
    if name not in ALL_OBJECTS:
        raise ValueError(f"Unknown layer class {name!r}. Expected one of {sorted(ALL_OBJECTS)}.")
    return ALL_OBJECTS[name]


__all__ = ["Activation", "Dense", "Input", "InputLayer", "KerasTensor", "Layer", "get"]
