"""A snapshot of everything a refused call must leave alone, to prove "nothing changed".

``snapshot(*objects)`` records, for each model: the weights' bytes, dtypes and shapes, built
and compiled state (the layer list, each layer's built flag, the compiled loss, metrics and
optimizer), the optimizer's identity, iterations and every slot's bytes; for each callback:
its attributes; and always the global random generator's state. Two snapshots compare equal
exactly when none of that changed.
"""

import copy

import numpy as np

import tinykeras as tk
from tinykeras.callbacks import Callback
from tinykeras.optimizers import Optimizer


def _array_state(arrays):
    return [(a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes()) for a in arrays]


def _optimizer_state(opt):
    if opt is None:
        return None
    return {
        "id": id(opt),
        "built": opt.built,
        "iterations": int(np.asarray(opt.iterations.value)),
        "variables": _array_state(v.value for v in opt.variables),
    }


def _model_state(model):
    layers = getattr(model, "_layers", model.layers)
    return {
        "built": model.built,
        "layers": [(type(la).__name__, la.name, la.built, getattr(la, "_input_last_dim", None))
                   for la in layers],
        "weights": _array_state(model.get_weights()),
        "compiled": getattr(model, "compiled", None),
        "loss": id(getattr(model, "_loss_fn", None)),
        "metric_ids": repr(getattr(model, "_metric_ids", None)),
        "metrics": id(getattr(model, "_metrics", None)),
        "compile_config": repr(getattr(model, "_compile_config", None)),
        "optimizer": _optimizer_state(getattr(model, "optimizer", None)),
        "stop_training": getattr(model, "stop_training", None),
    }


def _callback_state(cb):
    return {k: copy.deepcopy(v) for k, v in vars(cb).items() if k != "model"}


def snapshot(*objects) -> dict:
    """Return the comparable state of models, optimizers and callbacks, plus the RNG's."""
    state = {"rng": repr(tk.backend.global_rng().bit_generator.state),
             "config": (tk.config.floatx(), tk.config.epsilon())}
    for i, obj in enumerate(objects):
        if isinstance(obj, tk.Model):
            state[f"model {i}"] = _model_state(obj)
        elif isinstance(obj, Optimizer):
            state[f"optimizer {i}"] = _optimizer_state(obj)
        elif isinstance(obj, Callback):
            state[f"callback {i}"] = repr(_callback_state(obj))
        elif isinstance(obj, tk.Variable):
            state[f"variable {i}"] = _array_state([obj.value])
        else:
            raise TypeError(f"snapshot: no rule for {type(obj).__name__}")
    return state


def changed(before: dict, after: dict) -> list:
    """Return the keys (model, part) whose state differs between two snapshots."""
    diffs = []
    for key in before:
        if isinstance(before[key], dict):
            diffs += [f"{key}: {part}" for part in before[key]
                      if before[key][part] != after[key][part]]
        elif before[key] != after[key]:
            diffs.append(key)
    return diffs
