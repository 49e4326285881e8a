"""Warnings for set-ups that train badly without any error (Keras gives none).

``fit`` calls ``warn_silent_mistakes(model)``; each warning says what to change and is shown
once per model. Label values that a loss cannot use (binary crossentropy with labels outside
[0, 1], sparse labels not below the number of outputs) are errors instead: the losses refuse
them (``losses.check_targets``).
"""

import warnings

import numpy as np

from tinykeras import activations, losses
from tinykeras import optimizers as optimizers_module

_CROSSENTROPIES = {
    losses.binary_crossentropy: "binary_crossentropy",
    losses.categorical_crossentropy: "categorical_crossentropy",
    losses.sparse_categorical_crossentropy: "sparse_categorical_crossentropy",
}
_ADAPTIVE = tuple(getattr(optimizers_module, name) for name in (
    "Adam", "AdamW", "Adamax", "Nadam", "RMSprop") if hasattr(optimizers_module, name))


def _output_layer(model):
    layers = list(model._flat_layers()) if hasattr(model, "_flat_layers") else []
    return layers[-1] if layers else None


def _activation_name(layer):
    if type(layer).__name__ == "Softmax":
        return "softmax"
    activation = getattr(layer, "activation", None)
    if activation is None and not hasattr(layer, "units"):
        return None  # a layer without an activation of its own: unknown
    try:
        return activations.serialize(activation)
    except ValueError:
        return None


def _units(model, layer):
    # A model with several outputs keeps only the first one's shape: ask the layer then.
    several = len(getattr(model, "_outputs", ())) > 1
    shape = (None if several else getattr(model, "_output_shape", None)) or getattr(
        layer, "_output_shape", None)
    return shape[-1] if shape else getattr(layer, "units", None)


def _warn_once(model, key, message):
    shown = model.__dict__.setdefault("_setup_warnings_shown", set())
    if key not in shown:
        shown.add(key)
        warnings.warn(message, UserWarning, stacklevel=4)


def warn_silent_mistakes(model):
    """Warn (once per model) about the output activation, the loss and the learning rate."""
    layer = _output_layer(model)
    activation = None if layer is None else _activation_name(layer)
    units = None if layer is None else _units(model, layer)
    name = getattr(layer, "name", "?")
    if activation == "softmax" and units == 1:
        _warn_once(model, "softmax_one_unit", (
            f"The output layer '{name}' applies softmax to a single unit: its output is always "
            "1.0 whatever the input, so the model cannot learn. For a yes/no output use "
            "activation='sigmoid' with binary_crossentropy; for k classes give the layer k "
            "units."
        ))
    loss = getattr(model, "_loss_fn", None)
    fn = getattr(loss, "fn", None)
    if fn in _CROSSENTROPIES and activation is not None:
        from_logits = bool(getattr(loss, "_fn_kwargs", {}).get("from_logits", False))
        if from_logits and activation in ("sigmoid", "softmax"):
            _warn_once(model, "logits_after_activation", (
                f"The loss {_CROSSENTROPIES[fn]} has from_logits=True, but the output layer "
                f"'{name}' already applies {activation}: the loss applies it a second time, "
                "which squeezes the outputs and slows or stalls training. Use "
                f"from_logits=False, or make the output layer linear (activation=None) and "
                f"apply {activation} to the predictions yourself."
            ))
        elif not from_logits and activation == "linear":
            _warn_once(model, "probabilities_from_linear", (
                f"The loss {_CROSSENTROPIES[fn]} expects probabilities (from_logits=False), but "
                f"the output layer '{name}' is linear: its outputs are not probabilities (they "
                "get clipped to [1e-7, 1 - 1e-7]). Pass from_logits=True to the loss, or give "
                "the output layer a sigmoid (one unit) or softmax (several) activation."
            ))
    optimizer = getattr(model, "optimizer", None)
    if isinstance(optimizer, _ADAPTIVE):
        try:
            lr = float(np.asarray(optimizer.learning_rate.numpy()))
        except (AttributeError, TypeError, ValueError):
            return
        if lr > 1:
            _warn_once(model, "large_learning_rate", (
                f"{type(optimizer).__name__} has learning_rate={lr:g}. Adaptive optimizers "
                "scale each step to about the learning rate, so a rate above 1 moves every "
                "weight by more than 1 per step and training diverges. Typical values are "
                "1e-4 to 1e-2 (the default is 1e-3)."
            ))
