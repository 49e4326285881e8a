"""tinykeras: the Keras workflow for dense neural networks on NumPy.

``import tinykeras as keras`` gives the Keras 3 names used for dense networks:
``keras.Sequential``, ``keras.layers.Dense``, ``keras.optimizers.Adam``...
``import tinykeras as tf`` gives the TensorFlow names course code calls (``tf.keras``,
``tf.nn.softmax``, ``tf.reduce_sum``...; see ``tinykeras.facade``).
"""

import importlib as _importlib
import sys as _sys

__version__ = "0.1.0"

from tinykeras import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    data,
    datasets,
    debugging,
    distribute,
    errors,
    export,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    regularizers,
    saving,
    utils,
)
from tinykeras.autodiff import GradientTape, Tensor, Variable
from tinykeras.autodiff import plan as _plan
from tinykeras.facade import *  # noqa: E402, F403 - the ``tf.*`` names (tinykeras.facade)
from tinykeras.layers import Input, Layer
from tinykeras.models import Model, Sequential

# keras.random, which also serves tf.random (it replaces the facade's namespace of that name).
random = _importlib.import_module("tinykeras.random")

# Trace and replay (autodiff/plan.py): ``tinykeras.function`` (the facade's, which is also
# ``tf.function``) delegates to it.
_trace_function = _plan.function

keras = _sys.modules[__name__]  # ``tf.keras`` and ``from tinykeras import keras``: tinykeras

# ``from tinykeras.keras.models import Sequential``: course code with ``tensorflow`` replaced by
# ``tinykeras`` imports through ``tinykeras.keras.<module>``; each is the tinykeras module itself.
_sys.modules[__name__ + ".keras"] = keras
for _name, _module in list(_sys.modules.items()):
    if _name.startswith(__name__ + ".") and _name.count(".") == 1 and _name != __name__ + ".keras":
        _sys.modules[__name__ + ".keras." + _name.split(".", 1)[1]] = _module
del _name, _module


def __getattr__(name):
    # ``keras.wrappers.SKLearnClassifier``: imported on first use, since it needs scikit-learn.
    if name == "wrappers":
        return _importlib.import_module("tinykeras.wrappers")
    raise AttributeError(f"module 'tinykeras' has no attribute {name!r}")

__all__ = [
    "GradientTape", "Input", "Layer", "Model", "Sequential", "Tensor", "Variable",
    "activations", "backend", "callbacks", "config", "constraints", "data", "datasets",
    "debugging", "distribute", "errors", "export", "initializers", "layers", "losses",
    "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "utils",
]
