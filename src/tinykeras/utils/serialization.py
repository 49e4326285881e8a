"""Keras-style serialized objects: ``{"module", "class_name", "config", "registered_name"}``.

Deserializing looks classes up in an allow-list: the built-in table of each module, the
classes a user registered with ``register_keras_serializable``, the ``custom_objects`` in
scope and those passed to the call. Nothing named in a config is ever imported or executed:
a name that is not on the list is an error.
"""

import inspect
import threading
import warnings

from tinykeras.errors import InvalidArgumentError, InvalidTypeError

# Registered name ("package>Name") -> class or function, and back.
_REGISTERED: dict = {}
_REGISTERED_NAMES: dict = {}
_SCOPE = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator that adds a class or function to the allow-list loading may build.

    The registered name is ``"package>name"`` (``name`` defaults to the class name), as in
    Keras; saved configs carry it as ``registered_name``. Classes need ``get_config``.

    >>> @register_keras_serializable(package="doc")
    ... class Twice:
    ...     def get_config(self):
    ...         return {}
    >>> get_registered_name(Twice)
    'doc>Twice'
    """
    def decorator(obj):
        serialized = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise InvalidArgumentError(
                f"Cannot register {obj.__name__} as {serialized!r}: a class needs a "
                "get_config() method to be saved and loaded."
            )
        existing = _REGISTERED.get(serialized)
        if existing is not None and existing is not obj and not _same_definition(existing, obj):
            raise InvalidArgumentError(
                f"{serialized!r} has already been registered to {existing!r}. Pass another "
                "`package` or `name` to register_keras_serializable."
            )
        _REGISTERED[serialized] = obj
        _REGISTERED_NAMES[obj] = serialized
        return obj

    return decorator


def _same_definition(a, b) -> bool:
    # Re-running a notebook cell redefines the class: same module and qualified name.
    return (getattr(a, "__module__", None), getattr(a, "__qualname__", None)) == (
        getattr(b, "__module__", None), getattr(b, "__qualname__", None))


def get_registered_name(obj) -> str:
    """Return the name ``obj`` was registered under, else its ``__name__``."""
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", str(obj)))


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """Return the object registered (or passed in scope) as ``name``, or None."""
    for table in (custom_objects, *reversed(_scopes()), _REGISTERED, module_objects):
        if table and name in table:
            return table[name]
    return None


def _scopes() -> list:
    if not hasattr(_SCOPE, "stack"):
        _SCOPE.stack = []
    return _SCOPE.stack


class CustomObjectScope:
    """``with CustomObjectScope({"MyLayer": MyLayer}):`` makes the names loadable inside."""

    def __init__(self, custom_objects: dict | None = None):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise InvalidTypeError(
                "`custom_objects` must be a dict mapping names to classes or functions. "
                f"Received: {type(custom_objects).__name__}"
            )
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes().pop()


custom_object_scope = CustomObjectScope


def custom_objects_in_scope(custom_objects: dict | None = None) -> dict:
    """Return every user object loadable now: registered, in scope, then passed (last wins)."""
    merged = dict(_REGISTERED)
    for scope in _scopes():
        merged.update(scope)
    merged.update(custom_objects or {})
    return merged


def serialize_keras_object(obj, module: str, table: dict) -> dict:
    """Return Keras's dict for ``obj``; built-ins (in ``table``) get ``module`` and no
    registered name, other classes their own module and registered name."""
    cls = type(obj)
    builtin = table.get(cls.__name__) is cls
    return {
        "module": module if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": obj.get_config(),
        "registered_name": None if builtin else get_registered_name(cls),
    }


def deserialize_keras_object(config, table: dict, custom_objects: dict | None, unknown):
    """Rebuild an object from a serialized dict or a bare class name, via ``lookup_class``."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    cls = lookup_class(config, table, custom_objects, unknown)
    inner = config.get("config") or {}
    if not isinstance(inner, dict):
        raise InvalidArgumentError(
            f"The config of {config['class_name']!r} must be a dict. Received: {inner!r:.80}"
        )
    return cls.from_config(inner)


def lookup_class(config: dict, table: dict, custom_objects: dict | None, unknown):
    """Return the class a serialized dict names, from the user's objects or ``table``.

    User objects (registered, in a ``CustomObjectScope`` or in ``custom_objects``) are
    matched by registered name, then class name; built-ins by class name.
    ``unknown(name)`` builds the error raised when none has it.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise unknown(config)
    user = custom_objects_in_scope(custom_objects)
    registered = config.get("registered_name")
    class_name = config["class_name"]
    if isinstance(registered, str) and registered in user:
        return user[registered]
    cls = user.get(class_name) or table.get(class_name)
    if cls is None:
        raise unknown(class_name)
    return cls


def accepted_kwargs(cls) -> set | None:
    """Return the keyword names ``cls(...)`` accepts, or None if it takes any.

    Walks the ``__init__`` signatures up the class tree while they pass ``**kwargs`` on, and
    stops at a base that lists what its ``**kwargs`` take (``_extra_config_keys``, as Layer
    does). Classes that pop older spellings from ``**kwargs`` list them in
    ``_legacy_config_keys`` (LeakyReLU's ``alpha``).
    """
    names: set = set()
    for klass in cls.__mro__:
        names.update(klass.__dict__.get("_legacy_config_keys", ()))
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind in (p.KEYWORD_ONLY,
                                                          p.POSITIONAL_OR_KEYWORD))
        extra = klass.__dict__.get("_extra_config_keys")
        if extra is not None:
            return (names | set(extra)) - {"self"}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            return names - {"self"}
    return None


def drop_unknown_keys(cls, config: dict, who: str) -> dict:
    """Return ``config`` without the keys ``cls`` does not take (keys newer Keras versions
    add). A dropped key warns only when its value would matter: not None, False, 0 or empty."""
    accepted = accepted_kwargs(cls)
    if accepted is None:
        return dict(config)
    kept = {}
    for key, value in config.items():
        if key in accepted:
            kept[key] = value
        elif value not in (None, False, 0, "", [], {}):
            warnings.warn(
                f"{who}: ignoring config key {key!r} (value {value!r:.60}), which tinykeras "
                "does not support; the loaded object behaves as if it were unset.",
                stacklevel=3,
            )
    return kept
