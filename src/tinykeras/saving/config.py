"""Configs: layers, models and compile settings to Keras's JSON dicts and back.

Classes come from an allow-list: every Layer class that ``tinykeras.layers`` exports, the
model classes of ``tinykeras.models``, and the user's registered or passed classes
(``register_keras_serializable``, ``custom_objects``). A name not on the list is an error;
nothing named in a config is imported or called.
"""

import inspect
import json

from tinykeras.backend.limits import WeightBudgetExceeded
from tinykeras.utils.serialization import (
    CustomObjectScope,
    custom_objects_in_scope,
    drop_unknown_keys,
    get_registered_name,
    lookup_class,
)

MAX_DEPTH = 100  # nesting of dicts and lists; Keras's own configs stay below 15
_CODE_LAYERS = ("Lambda", "TFOpLambda", "SlicingOpLambda")


class FileFormatError(ValueError):
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

    cls = type(layer)
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
            f"Received: {_short(config)}"
        )
    name = config["class_name"]
    if name in _CODE_LAYERS:
        raise FileFormatError(
            f"This file contains a {name} layer, which stores Python bytecode. tinykeras never "
            "runs code from a file. Rewrite the layer as a subclass of tinykeras.layers.Layer, "
            "register it with @tinykeras.saving.register_keras_serializable(), and load again."
        )
    cls = lookup_class(config, layer_table(), custom_objects, _unknown_layer)
    inner = config.get("config", {})
    if isinstance(inner, list) and name == "Sequential":  # Keras 2.0-2.2: a bare layer list
        inner = {"layers": inner}
    if not isinstance(inner, dict):
        raise FileFormatError(f"The config of layer class {name!r} must be a dict. "
                              f"Received: {_short(inner)}")
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
                              f"Received: {_short(shape)}")
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
                                  f"Received: {_short(config)}")
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


# -- compile settings ----------------------------------------------------------------------------
def serialize_compile_config(model) -> dict | None:
    """Return Keras's ``compile_config`` for a compiled model (None if not compiled)."""
    from tinykeras import losses, metrics, optimizers

    if not getattr(model, "compiled", False):
        return None
    args = model._compile_config

    def one_metric(m):
        return m if isinstance(m, str) else (
            metrics.serialize(m) if isinstance(m, metrics.Metric) else _function_name(m))

    def many(ms):
        return None if ms is None else [one_metric(m) for m in ms]

    loss = args.get("loss")
    loss = loss if loss is None or isinstance(loss, str) else (
        losses.serialize(loss) if isinstance(loss, losses.Loss) else _function_name(loss))
    jit = args.get("jit_compile", "auto")
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": loss,
        "loss_weights": args.get("loss_weights"),
        "metrics": many(args.get("metrics")),
        "weighted_metrics": many(args.get("weighted_metrics")),
        "run_eagerly": bool(getattr(model, "run_eagerly", False)),
        "steps_per_execution": 1,
        "jit_compile": jit if isinstance(jit, bool) else "auto",
        "auto_scale_loss": True,
    }


def _function_name(fn) -> str:
    return get_registered_name(fn)


def compile_args(config: dict, custom_objects: dict | None = None) -> dict:
    """Return ``model.compile`` keyword arguments from a ``compile_config`` (Keras 3) or a
    ``training_config`` (legacy ``.h5``, optimizer under ``optimizer_config``)."""
    from tinykeras import losses, metrics, optimizers

    if not isinstance(config, dict):
        raise FileFormatError(f"The compile config must be a dict. Received: {_short(config)}")
    opt_cfg = config.get("optimizer", config.get("optimizer_config"))
    if isinstance(opt_cfg, str):
        opt_cfg = {"class_name": opt_cfg, "config": {}}
    optimizer = None
    if opt_cfg is not None:
        table = {**optimizers._BY_CLASS_NAME, **{k: v for k, v in
                                                 optimizers.ALL_OBJECTS_DICT.items()}}
        if isinstance(opt_cfg, dict) and isinstance(opt_cfg.get("config"), dict):
            opt_cfg = {**opt_cfg, "config": _legacy_optimizer_keys(opt_cfg["config"])}
            name = opt_cfg.get("class_name")
            if isinstance(name, str) and name.startswith("Custom>") and name[7:] in table:
                # tf.keras 2.11-2.15 wrote its new built-in optimizers as "Custom>Adam".
                opt_cfg["class_name"] = name[7:]
        optimizer = deserialize_object(opt_cfg, table, "optimizer",
                                       custom_objects=custom_objects)

    def metric(m):
        if isinstance(m, str):
            if m in ("accuracy", "acc", "crossentropy", "ce"):
                return m  # resolved from the data's shapes at the first batch, as Keras does
            user = custom_objects_in_scope(custom_objects).get(m)
            if user is not None:
                return user
            if not _known_metric(m):
                raise FileFormatError(f"Unknown metric {m!r}; register it or pass it in "
                                      "custom_objects.")
            return m
        if isinstance(m, dict) and m.get("class_name") in ("function", "__function__"):
            return metric(m.get("config"))
        if isinstance(m, dict) and m.get("class_name") == "MeanMetricWrapper":
            # tf.keras 2 wrote compiled string metrics this way: {"name": "accuracy",
            # "fn": "binary_accuracy"}; the user's name is what compile() was given.
            inner = m.get("config") or {}
            name = inner.get("name") if isinstance(inner, dict) else None
            fn = inner.get("fn") if isinstance(inner, dict) else None
            if name in ("accuracy", "acc"):
                return name
            return metric(fn if isinstance(fn, str) else name)
        return deserialize_object(m, metrics.ALL_OBJECTS, "metric",
                                  custom_objects=custom_objects)

    def metric_list(ms):
        if ms is None:
            return None
        if isinstance(ms, dict):  # Keras 2 multi-output form {output_name: [...]}
            ms = list(ms.values())
        if not isinstance(ms, list):
            raise FileFormatError(f"Compile metrics must be a list. Received: {_short(ms)}")
        # tf.keras 2.4+ nests one list per output: [[m1, m2]].
        flat = [m for item in ms for m in (item if isinstance(item, list) else [item])]
        return [metric(m) for m in flat]

    loss_cfg = config.get("loss")
    if isinstance(loss_cfg, dict) and "class_name" not in loss_cfg and len(loss_cfg) == 1:
        loss_cfg = next(iter(loss_cfg.values()))  # Keras 2 {output_name: loss}
    loss = None
    if isinstance(loss_cfg, str):
        try:
            loss = losses.get(loss_cfg)
        except ValueError:
            loss = deserialize_object(loss_cfg, losses.ALL_OBJECTS, "loss",
                                      custom_objects=custom_objects)
    elif loss_cfg is not None:
        loss = deserialize_object(loss_cfg, losses.ALL_OBJECTS, "loss",
                                  {**losses.FUNCTIONS, **losses.ALIASES}, custom_objects)
    loss_weights = config.get("loss_weights")
    if loss_weights is not None and not isinstance(loss_weights, (int, float, list, dict)):
        raise FileFormatError(f"loss_weights must be a number. Received: {_short(loss_weights)}")
    args = {"optimizer": optimizer if optimizer is not None else "rmsprop", "loss": loss,
            "loss_weights": loss_weights, "metrics": metric_list(config.get("metrics")),
            "weighted_metrics": metric_list(config.get("weighted_metrics"))}
    if isinstance(config.get("jit_compile"), bool):
        args["jit_compile"] = config["jit_compile"]
    if isinstance(config.get("run_eagerly"), bool):
        args["run_eagerly"] = config["run_eagerly"]
    return args


def _known_metric(name: str) -> bool:
    from tinykeras import metrics

    try:
        metrics.get(name)
    except ValueError:
        return False
    return True


def _legacy_optimizer_keys(config: dict) -> dict:
    """Translate Keras 2 optimizer configs: ``lr``, a zero ``decay``, TF-only flags."""
    config = dict(config)
    if "lr" in config and "learning_rate" not in config:
        config["learning_rate"] = config.pop("lr")
    if not config.get("decay"):
        config.pop("decay", None)
    for key in ("is_legacy_optimizer", "jit_compile"):
        config.pop(key, None)
    if isinstance(config.get("name"), str) and config["name"] in (
            "Adam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "AdamW"):
        config.pop("name")  # Keras 2 named optimizers by class; Keras 3 auto-names them
    return config


# -- whole models --------------------------------------------------------------------------------
def model_to_config(model) -> dict:
    """Return the ``config.json`` dict of a model: its layer dict plus ``compile_config``.

    Raises ValueError (before anything is written) if a value is not JSON, such as a
    learning rate given as a plain Python function.
    """
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
        raise ValueError(f"Model '{model.name}' cannot be saved: {exc}.{hint}") from None
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


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
