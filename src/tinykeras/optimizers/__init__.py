"""Optimizers with Keras 3 names, defaults and update formulas, and learning-rate schedules.

``get("adam")``, ``get(config_dict)`` or ``get(instance)`` returns an optimizer;
``serialize``/``deserialize`` convert to and from Keras-style config dicts.
"""

from tinykeras.errors import InvalidArgumentError
from tinykeras.optimizers import schedules
from tinykeras.optimizers.adadelta import Adadelta
from tinykeras.optimizers.adagrad import Adagrad
from tinykeras.optimizers.adam import Adam, AdamW
from tinykeras.optimizers.adamax import Adamax
from tinykeras.optimizers.base import Optimizer
from tinykeras.optimizers.nadam import Nadam
from tinykeras.optimizers.rmsprop import RMSprop
from tinykeras.optimizers.sgd import SGD
from tinykeras.utils import validation
from tinykeras.utils.serialization import serialize_keras_object

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]

ALL_OBJECTS_DICT = {
    cls.__name__.lower(): cls
    for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam)
}
_BY_CLASS_NAME = {cls.__name__: cls for cls in ALL_OBJECTS_DICT.values()}


def serialize(optimizer: Optimizer) -> dict:
    """Return ``{"module": "keras.optimizers", "class_name", "config", "registered_name"}``."""
    return serialize_keras_object(optimizer, "keras.optimizers", _BY_CLASS_NAME)


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """Create an optimizer from a ``{"class_name", "config"}`` dict (class name in any case)."""
    name = config.get("class_name")
    custom = custom_objects or {}
    cls = custom.get(name) or ALL_OBJECTS_DICT.get(str(name).lower())
    if cls is None:
        raise InvalidArgumentError(
            f"Could not interpret optimizer identifier: {name}."
            f"{validation.did_you_mean(name, ALL_OBJECTS_DICT)} Expected one of "
            f"{sorted(ALL_OBJECTS_DICT)}, an Optimizer instance or a config dict."
        )
    return cls.from_config(config.get("config", {}), custom_objects=custom_objects)


def get(identifier) -> Optimizer | None:
    """Return an optimizer for a name ("adam"), a config dict or an instance (unchanged)."""
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    validation.check_instance_not_class("optimizer", identifier, Optimizer)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    raise InvalidArgumentError(
        f"Could not interpret optimizer identifier: {identifier}. Expected one of "
        f"{sorted(ALL_OBJECTS_DICT)}, an Optimizer instance or a config dict."
    )
