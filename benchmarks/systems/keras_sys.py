"""Keras 3 on the JAX backend (KERAS_BACKEND=jax), the course's code unchanged.

The TensorFlow backend is not benchmarked here (a 500 MB install); see docs/benchmarks.md and
shared/reference/anchors.md for Keras-on-TF numbers. NOTE: on JAX, BinaryCrossentropy of a
sigmoid output clips the probabilities to [1e-7, 1 - 1e-7] instead of using the logits (as the
TF backend and tinykeras do), so its loss can differ slightly when outputs saturate.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"

import keras  # noqa: E402

from systems import keras_api  # noqa: E402

NAME = "keras-jax"
IMPORT = "import os; os.environ['KERAS_BACKEND'] = 'jax'; import keras"


def build(network: str, weights: list, loss: str):
    """Build and compile the Keras model from the shared initial weights."""
    return keras_api.build(keras, network, weights, loss)


fit = keras_api.fit
predict = keras_api.predict
ROW_CALLS = {"predict": keras_api.predict_row, "call": keras_api.call_row}
