"""tinykeras through its public Keras-style API (the same code as the Keras 3 system)."""

from __future__ import annotations

from types import SimpleNamespace

from systems import keras_api
from tinykeras import Input, Sequential, layers, losses, optimizers

NAME = "tinykeras"
IMPORT = "import tinykeras"

_API = SimpleNamespace(
    Sequential=Sequential, Input=Input, layers=layers, losses=losses, optimizers=optimizers
)


def build(network: str, weights: list, loss: str):
    """Build and compile the tinykeras model from the shared initial weights."""
    return keras_api.build(_API, network, weights, loss)


fit = keras_api.fit
predict = keras_api.predict
ROW_CALLS = {"predict": keras_api.predict_row, "call": keras_api.call_row}
