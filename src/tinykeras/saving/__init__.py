"""Saving and loading: Keras 3 ``.keras`` files, ``.weights.h5``, legacy ``.h5`` (Keras 2 /
tf.keras), JSON configs, and the allow-list of classes loading may build.

h5py is needed for files (``pip install 'tinykeras[h5]'``) and imported on first use.
"""

from tinykeras.saving.api import (
    deserialize_keras_object,
    load_model,
    load_weights,
    model_from_json,
    model_to_json,
    save_model,
    save_weights,
    serialize_keras_object,
)
from tinykeras.saving.config import FileFormatError
from tinykeras.utils.serialization import (
    CustomObjectScope,
    custom_object_scope,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)

__all__ = [
    "CustomObjectScope", "FileFormatError", "custom_object_scope", "deserialize_keras_object",
    "get_registered_name",
    "get_registered_object", "load_model", "load_weights", "model_from_json", "model_to_json",
    "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
]
