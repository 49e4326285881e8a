"""Compile settings in files: Keras 3's ``compile_config`` (in ``config.json``) and the
legacy ``training_config`` (in ``.h5``), to and from ``model.compile`` arguments.

Losses, metrics and optimizers come from the same allow-list as layers (``config.py``); the
older spellings of Keras 2 files (``lr``, ``Custom>Adam``, ``MeanMetricWrapper`` with ``fn``,
per-output lists) are translated.
"""

from tinykeras.saving.config import FileFormatError, deserialize_object, short_repr
from tinykeras.utils.serialization import custom_objects_in_scope, get_registered_name


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
        # Several outputs: a dict by output name or a list with one entry per output (a
        # metric, a list of them or None), written as given, as Keras 3 writes them.
        if ms is None:
            return None
        if isinstance(ms, dict):
            return {k: many(v) if isinstance(v, (list, tuple)) else
                    (None if v is None else one_metric(v)) for k, v in ms.items()}
        return [many(m) if isinstance(m, (list, tuple)) else
                (None if m is None else one_metric(m)) for m in ms]

    def one_loss(loss):
        if isinstance(loss, dict):  # one loss per output, by name or in order
            return {k: one_loss(v) for k, v in loss.items()}
        if isinstance(loss, (list, tuple)):
            return [one_loss(v) for v in loss]
        if loss is None or isinstance(loss, str):
            return loss  # a name stays a name, and loads as one
        if isinstance(loss, losses.Loss):
            return losses.serialize(loss)
        # A function as Keras 3 writes one, so that it loads as the function, not its name.
        return {"module": "builtins", "class_name": "function",
                "config": _function_name(loss), "registered_name": "function"}

    loss = one_loss(args.get("loss"))
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


def several_outputs(model) -> bool:
    """True for a functional model with several outputs (its losses and metrics per output
    keep their dict or list in a compile config)."""
    return not getattr(model, "_single_output", True)


def _function_name(fn) -> str:
    return get_registered_name(fn)


def compile_args(config: dict, custom_objects: dict | None = None,
                 several_outputs: bool = False, legacy: bool = False) -> dict:
    """Return ``model.compile`` keyword arguments from a ``compile_config`` (Keras 3) or a
    ``training_config`` (``legacy`` ``.h5``, optimizer under ``optimizer_config``). For a
    model with ``several_outputs``, losses and metrics per output keep their dict or list.
    A built-in loss by name stays that name (``model.loss == "mse"`` after loading, as in
    Keras 3); from a legacy file it becomes the function, as Keras's legacy loader gives."""
    from tinykeras import losses, metrics, optimizers

    if not isinstance(config, dict):
        raise FileFormatError(f"The compile config must be a dict. Received: {short_repr(config)}")
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
        if several_outputs and isinstance(ms, (dict, list)):
            return per_output(ms, lambda m: None if m is None else (
                [metric(x) for x in m] if isinstance(m, list) else metric(m)))
        if isinstance(ms, dict):  # Keras 2 multi-output form {output_name: [...]}
            ms = list(ms.values())
        if not isinstance(ms, list):
            raise FileFormatError(f"Compile metrics must be a list. Received: {short_repr(ms)}")
        # tf.keras 2.4+ nests one list per output: [[m1, m2]].
        flat = [m for item in ms for m in (item if isinstance(item, list) else [item])]
        return [metric(m) for m in flat]

    def per_output(value, read):
        if isinstance(value, dict):
            return {k: read(v) for k, v in value.items()}
        return [read(v) for v in value]

    def one_loss(loss_cfg):
        if isinstance(loss_cfg, str):
            try:
                loss = losses.get(loss_cfg)  # also checks that the name is known
                return loss if legacy else loss_cfg
            except ValueError:
                return deserialize_object(loss_cfg, losses.ALL_OBJECTS, "loss",
                                          custom_objects=custom_objects)
        return None if loss_cfg is None else deserialize_object(
            loss_cfg, losses.ALL_OBJECTS, "loss", {**losses.FUNCTIONS, **losses.ALIASES},
            custom_objects)

    loss_cfg = config.get("loss")
    if isinstance(loss_cfg, list) or (several_outputs and (
            isinstance(loss_cfg, dict) and "class_name" not in loss_cfg)):
        # one per output, by name or in order (a one-output model's ['mse'] stays a list)
        loss = per_output(loss_cfg, one_loss)
    else:
        if isinstance(loss_cfg, dict) and "class_name" not in loss_cfg and len(loss_cfg) == 1:
            loss_cfg = next(iter(loss_cfg.values()))  # Keras 2 {output_name: loss}
        loss = one_loss(loss_cfg)
    loss_weights = config.get("loss_weights")
    if loss_weights is not None and not isinstance(loss_weights, (int, float, list, dict)):
        raise FileFormatError("loss_weights must be a number. "
                              f"Received: {short_repr(loss_weights)}")
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
