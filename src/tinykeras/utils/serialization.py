"""Keras-style serialized objects: ``{"module", "class_name", "config", "registered_name"}``.

Deserializing looks classes up in an allow-list table (plus the caller's ``custom_objects``);
nothing named in a config is ever imported or executed.
"""


def serialize_keras_object(obj, module: str, table: dict) -> dict:
    """Return Keras's dict for ``obj``; built-ins (in ``table``) get ``module`` and no
    registered name, other classes are named by their own module and class."""
    cls = type(obj)
    builtin = table.get(cls.__name__) is cls
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else cls.__name__,
    }


def deserialize_keras_object(config, table: dict, custom_objects: dict | None, unknown):
    """Rebuild an object from a serialized dict or a bare class name, via ``lookup_class``."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    cls = lookup_class(config, table, custom_objects, unknown)
    return cls.from_config(config.get("config") or {})


def lookup_class(config: dict, table: dict, custom_objects: dict | None, unknown):
    """Return the class a serialized dict names, from ``custom_objects`` or ``table``.

    ``unknown(name)`` builds the error raised when neither has it.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise unknown(config)
    lookup = {**table, **(custom_objects or {})}
    name = config.get("registered_name") or config["class_name"]
    cls = lookup.get(name) or lookup.get(config["class_name"])
    if cls is None:
        raise unknown(config["class_name"])
    return cls
