"""tinykeras: the Keras workflow for dense neural networks on NumPy.

``import tinykeras as keras`` gives the Keras 3 names used for dense networks:
``keras.Sequential``, ``keras.layers.Dense``, ``keras.optimizers.Adam``...
"""

from tinykeras import (
    activations,
    backend,
    callbacks,
    config,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    utils,
)
from tinykeras.autodiff import GradientTape, Tensor, Variable
from tinykeras.layers import Input, Layer
from tinykeras.models import Model, Sequential

__version__ = "0.1.0"

__all__ = [
    "GradientTape", "Input", "Layer", "Model", "Sequential", "Tensor", "Variable",
    "activations", "backend", "callbacks", "config", "datasets", "initializers", "layers",
    "losses", "metrics", "models", "ops", "optimizers", "regularizers", "utils",
]
