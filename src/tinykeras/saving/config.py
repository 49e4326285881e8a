"""Configs: layers, models and compile settings to Keras's JSON dicts and back.

Classes come from an allow-list: every Layer class that ``tinykeras.layers`` exports, the
model classes of ``tinykeras.models``, and the user's registered or passed classes
(``register_keras_serializable``, ``custom_objects``). A name not on the list is an error;
nothing named in a config is imported or called.
"""

import inspect
import json

from tinykeras.backend.limits import WeightBudgetExceeded
from tinykeras.errors import InvalidArgumentError
from tinykeras.utils.serialization import (
    CustomObjectScope,
    custom_objects_in_scope,
    drop_unknown_keys,
    get_registered_name,
    lookup_class,
)

MAX_DEPTH = 100  # nesting of dicts and lists; Keras's own configs stay below 15
# Keras 2's wrapped TensorFlow ops. (A Lambda layer loads its function by name, and refuses
# bytecode, in Lambda.from_config.)
_CODE_LAYERS = ("TFOpLambda", "SlicingOpLambda")


class FileFormatError(InvalidArgumentError):
    """A model file or config that tinykeras refuses to load (corrupted, hostile or unknown)."""


# -- the allow-list ------------------------------------------------------------------------------
def layer_table() -> dict:
    """Return every built-in layer and model class by class name (read at call time, so
    layers added to ``tinykeras.layers`` later are loadable without registering them)."""
    from tinykeras import layers, models
    from tinykeras.layers.base import Layer

    table = {}
    for module in (layers, models):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Layer) and not name.startswith("_"):
                table[name] = obj
    table.update(getattr(layers, "ALL_OBJECTS", {}))
    try:
        from tinykeras.models.functional import Functional
    except ImportError:  # pragma: no cover - before the functional API existed
        return table
    # Keras names graph models "Functional" (a `keras.Model(inputs, outputs)` too).
    table["Functional"] = table["Model"] = Functional
    return table


def _is_builtin(cls) -> bool:
    return layer_table().get(cls.__name__) is cls


# -- layers --------------------------------------------------------------------------------------
def serialize_layer(layer) -> dict:
    """Return Keras's dict for a layer or model: module, class_name, config, registered_name
    and, once built, build_config."""
    from tinykeras.models import Model

    # A user's Model subclass built from (inputs, outputs) is saved under the user's class.
    cls = getattr(type(layer), "_graph_subclass_of", type(layer))
    builtin = _is_builtin(cls)
    registered = None if builtin else get_registered_name(cls)
    if builtin:
        module = "keras" if isinstance(layer, Model) else "keras.layers"
        if cls.__name__ == "Functional":  # not exported by keras: Keras names it this way
            module, registered = "keras.src.models.functional", "Functional"
    else:
        module = cls.__module__
    out = {"module": module, "class_name": cls.__name__, "config": layer.get_config(),
           "registered_name": registered}
    shape = getattr(layer, "_build_shape", None)
    if layer.built and shape is not None and type(layer).__name__ != "InputLayer":
        out["build_config"] = {"input_shape": list(shape)}
    return out


def deserialize_layer(config, custom_objects: dict | None = None):
    """Build a layer or model from ``serialize_layer`` output (Keras 3 or Keras 2 style)."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise FileFormatError(
            "A layer config must be a dict with a string 'class_name'. "
            f"Received: {short_repr(config)}"
        )
    name = config["class_name"]
    if name in _CODE_LAYERS:
        raise FileFormatError(
            f"This file contains a {name} layer (a TensorFlow op Keras 2 wrapped), which "
            "tinykeras cannot rebuild without running code named in the file. Rewrite the "
            "layer as a subclass of tinykeras.layers.Layer, register it with "
            "@tinykeras.saving.register_keras_serializable(), and load again."
        )
    cls = lookup_class(config, layer_table(), custom_objects, _unknown_layer)
    inner = config.get("config", {})
    if isinstance(inner, list) and name == "Sequential":  # Keras 2.0-2.2: a bare layer list
        inner = {"layers": inner}
    if not isinstance(inner, dict):
        raise FileFormatError(f"The config of layer class {name!r} must be a dict. "
                              f"Received: {short_repr(inner)}")
    _check_dtype(inner.get("dtype"), inner.get("name", name))
    with CustomObjectScope(custom_objects):
        try:
            layer = cls.from_config(dict(inner))
        except (FileFormatError, WeightBudgetExceeded):
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise FileFormatError(
                f"Could not rebuild layer {inner.get('name', '?')!r} of class {name} from its "
                f"config: {exc}"
            ) from exc
    build = config.get("build_config")
    shape = build.get("input_shape") if isinstance(build, dict) else None
    who = f"build_config of layer '{layer.name}'"
    if isinstance(shape, list) and shape and all(isinstance(s, list) for s in shape):
        for s in shape:  # a merge layer's list of shapes: the graph's calls build it
            check_shape(s, who)
    elif not layer.built and shape is not None:
        shape = check_shape(shape, who)
        if hasattr(layer, "layers"):  # a model (a subclassed one builds through its call)
            layer.build_from_config({"input_shape": list(shape)})
        else:
            layer._build_once(shape)
    return layer


def _check_dtype(dtype, who) -> None:
    """Refuse dtypes a layer cannot compute in (object, strings, complex...)."""
    import numpy as np

    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name") if isinstance(
            dtype.get("config"), dict) else None
    if dtype is None:
        return
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        raise FileFormatError(f"Layer {who!r} uses the mixed-precision policy {dtype!r}, which "
                              "tinykeras does not support; re-save the model in float32.")
    try:
        kind = np.dtype(dtype).kind if isinstance(dtype, str) else None
    except TypeError:
        kind = None
    if kind not in ("f", "i", "u", "b"):
        raise FileFormatError(f"Layer {who!r}: dtype {dtype!r} is not a numeric dtype "
                              "tinykeras computes in (float16/32/64 or integers).")


def check_shape(shape, who: str) -> tuple:
    """Return ``shape`` as a tuple of None/positive ints, or raise naming ``who``."""
    ok = isinstance(shape, (list, tuple)) and len(shape) <= 32 and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and 0 < d < 2**40)
        for d in shape)
    if not ok:
        raise FileFormatError(f"{who}: expected a list of positive integers or null. "
                              f"Received: {short_repr(shape)}")
    return tuple(shape)


def _unknown_layer(name):
    return FileFormatError(
        f"Unknown layer class {name!r}. tinykeras builds only its own layers and the classes "
        "you allow: decorate yours with @tinykeras.saving.register_keras_serializable() or "
        f"pass custom_objects={{{name!r}: {name}}}."
    )


# -- generic objects (losses, metrics, optimizers) ------------------------------------------------
def deserialize_object(config, table: dict, kind: str, functions: dict | None = None,
                       custom_objects: dict | None = None):
    """Rebuild a loss, metric or optimizer from a Keras dict, or a function by name.

    Keras writes functions as ``{"class_name": "function", "config": "name"}``; those are
    resolved from ``functions`` or the user's objects only.
    """
    if isinstance(config, dict) and config.get("class_name") in ("function", "__function__"):
        config = config.get("config")
        if not isinstance(config, str):
            raise FileFormatError(f"A serialized {kind} function must name the function. "
                                  f"Received: {short_repr(config)}")
    if isinstance(config, str):
        fn = custom_objects_in_scope(custom_objects).get(config) or (functions or {}).get(config)
        if fn is None:
            raise FileFormatError(f"Unknown {kind} function {config!r}; register it or pass it "
                                  "in custom_objects.")
        return fn

    def unknown(name):
        return FileFormatError(f"Unknown {kind} class {name!r}; register it with "
                               "register_keras_serializable or pass it in custom_objects.")

    cls = lookup_class(config, table, custom_objects, unknown)
    inner = config.get("config") or {}
    if not isinstance(inner, dict):
        raise FileFormatError(f"The config of {kind} {config['class_name']!r} must be a dict.")
    if table.get(cls.__name__) is cls:
        inner = drop_unknown_keys(cls, inner, f"{kind} {cls.__name__}")
    with CustomObjectScope(custom_objects):
        try:
            return cls.from_config(inner)
        except (TypeError, ValueError, KeyError) as exc:
            raise FileFormatError(
                f"Could not rebuild {kind} {config['class_name']!r} from its config: {exc}"
            ) from exc


# -- whole models --------------------------------------------------------------------------------
def model_to_config(model) -> dict:
    """Return the ``config.json`` dict of a model: its layer dict plus ``compile_config``.

    Raises ValueError (before anything is written) if a value is not JSON, such as a
    learning rate given as a plain Python function.
    """
    from tinykeras.saving.compile_config import serialize_compile_config

    config = serialize_layer(model)
    compile_config = serialize_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    try:
        json.dumps(config)
    except (TypeError, ValueError) as exc:
        lr = (compile_config or {}).get("optimizer", {}).get("config", {}).get("learning_rate")
        hint = (" The optimizer's learning_rate is a Python function: use a "
                "LearningRateSchedule (register your own with register_keras_serializable)."
                if callable(lr) else " Every config value must be a number, string, list or "
                "dict; custom objects need get_config().")
        raise InvalidArgumentError(f"Model '{model.name}' cannot be saved: {exc}.{hint}") from None
    return config


def model_from_config(config, custom_objects: dict | None = None):
    """Build an (uncompiled) model from a ``model_to_config`` dict or a Keras 2 config."""
    check_depth(config, "model config")
    from tinykeras.models import Model

    model = deserialize_layer(config, custom_objects)
    if not isinstance(model, Model):
        raise FileFormatError(f"The config describes a {type(model).__name__} layer, not a "
                              "model. Use tinykeras.layers.deserialize for single layers.")
    return model


def check_depth(obj, who: str, limit: int = MAX_DEPTH) -> None:
    """Raise if ``obj`` nests dicts/lists deeper than ``limit`` (checked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise FileFormatError(f"{who}: nested deeper than {limit} levels; a Keras config "
                                  "never is. The file is corrupted or hostile.")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_json(text, who: str):
    """Parse JSON text from a file, with clear errors for bad text and deep nesting."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{who} is not UTF-8 text: {exc}") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise FileFormatError(f"{who}: JSON nested too deeply; the file is corrupted or "
                              "hostile.") from None
    except ValueError as exc:
        raise FileFormatError(f"{who} is not valid JSON: {exc}") from None
    check_depth(value, who)
    return value


def short_repr(value) -> str:
    """Return repr(value), cut to 120 characters for error messages."""
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
