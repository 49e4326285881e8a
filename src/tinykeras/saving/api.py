"""``save_model``, ``load_model``, ``save_weights``, ``load_weights`` and the JSON helpers:
pick the format from the file name (saving) or the file's first bytes (loading)."""

import json
import os

from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.saving import keras_file, legacy_h5, weights_h5
from tinykeras.saving.atomic import atomic_write_bytes
from tinykeras.saving.compile_config import compile_args, several_outputs
from tinykeras.saving.config import (
    FileFormatError,
    model_from_config,
    model_to_config,
    parse_json,
)
from tinykeras.utils import validation as check

_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def save_model(model, filepath, overwrite=True, zipped=None, include_optimizer=True, **kwargs):
    """Save ``model`` to ``filepath``: ``.keras`` (Keras 3 zip) or ``.h5``/``.hdf5`` (legacy).

    The file is written to a temporary file in the same folder, flushed, fsynced and renamed
    over ``filepath`` only once complete: an interrupted save leaves the previous file intact.
    """
    if kwargs:
        raise InvalidArgumentError(f"The following argument(s) are not supported: {list(kwargs)}")
    filepath = check.check_path("filepath", filepath, who="save")
    check.check_bool("overwrite", overwrite, who="save")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False. Pass overwrite=True "
                              "to replace it.")
    if zipped is False:
        raise InvalidArgumentError(
            "tinykeras writes .keras files zipped only (zipped=False would write "
            "a folder). Use zipped=None or True."
        )
    lower = filepath.lower()
    if lower.endswith(".keras"):
        keras_file.save_keras(model, filepath)
    elif lower.endswith((".h5", ".hdf5")):
        legacy_h5.save_legacy_h5(model, filepath, include_optimizer=include_optimizer)
    else:
        raise InvalidArgumentError(
            "Invalid filepath extension for saving. Please add either a `.keras` extension for "
            "the native Keras format (recommended) or a `.h5` extension. Use "
            f"`model.export(filepath, format='onnx')` for ONNX. Received: filepath={filepath}"
        )


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by tinykeras or Keras: ``.keras`` (Keras 3), or legacy ``.h5``
    (Keras 2 / tf.keras, and Keras 3's ``.h5``).

    Loading is safe by construction: only tinykeras's own classes and the classes you allow
    (``custom_objects``, ``register_keras_serializable``) are built, no module named in the
    file is imported, no code stored in it runs (a ``Lambda`` layer's function is found by
    name among those allowed; Keras's stored bytecode is refused whatever ``safe_mode``
    says), and corrupted or hostile files raise ``FileFormatError`` (a
    ValueError) before anything unbounded is allocated.

    Args:
        filepath: the file.
        custom_objects: ``{"name": class_or_function}`` for your own layers, losses...
        compile: compile the model with the saved settings and restore the optimizer state
            and the random generator's position (so ``fit`` resumes exactly).
        safe_mode: accepted for Keras compatibility; tinykeras is always safe.
    """
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise InvalidTypeError(f"`custom_objects` must be a dict. Received: "
                        f"{type(custom_objects).__name__}")
    filepath = check.check_path("filepath", filepath, who="load_model")
    check.check_bool("compile", compile, who="load_model")
    kind = _sniff(filepath)
    if kind == "zip":
        return keras_file.load_keras(filepath, custom_objects, compile)
    return legacy_h5.load_legacy_h5(filepath, custom_objects, compile)


def _sniff(filepath) -> str:
    if not os.path.exists(filepath):
        from tinykeras.errors import ModelFileNotFoundError

        raise ModelFileNotFoundError(
            f"File not found: filepath={filepath!r}. Check the path (a relative path starts "
            "from the current folder) and the extension (.keras, .weights.h5 or .h5)."
        )
    if os.path.isdir(filepath):
        raise FileFormatError(
            f"'{filepath}' is a folder (a TensorFlow SavedModel or an unzipped .keras); "
            "tinykeras loads .keras and .h5 files. In TensorFlow, re-save with "
            "model.save('model.keras')."
        )
    with open(filepath, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head == _HDF5_MAGIC:
        return "h5"
    lower = filepath.lower()
    if lower.endswith(".keras"):
        raise FileFormatError(f"File '{filepath}' is not a valid .keras file (it does not "
                              "start like a zip archive; it is empty, truncated or corrupted).")
    if lower.endswith((".h5", ".hdf5")):
        raise FileFormatError(f"File '{filepath}' is not a valid HDF5 file (wrong signature).")
    raise FileFormatError(f"File format not supported: filepath={filepath}. tinykeras loads "
                          ".keras (Keras 3) and .h5 (legacy) model files.")


def save_weights(model, filepath, overwrite=True) -> None:
    """Save the weights (and optimizer state) to ``*.weights.h5`` in Keras 3's layout, or
    to a legacy Keras 2 ``*.h5`` weights file."""
    filepath = check.check_path("filepath", filepath, who="save_weights")
    check.check_bool("overwrite", overwrite, who="save_weights")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False.")
    if not model.built:
        raise InvalidArgumentError(
            f"Model '{model.name}' is not built yet: call it on data or build() "
            "it before save_weights()."
        )
    lower = filepath.lower()
    if lower.endswith(".weights.h5"):
        import io

        buffer = io.BytesIO()
        with weights_h5.h5py_module().File(buffer, "w") as f:
            weights_h5.write_weights(model, f)
        atomic_write_bytes(filepath, buffer.getvalue())
    elif lower.endswith((".h5", ".hdf5")):
        legacy_h5.save_legacy_weights(model, filepath)
    else:
        raise InvalidArgumentError(
            "The filename must end in `.weights.h5` (or `.h5` for the Keras 2 layout). "
            f"Received: filepath={filepath}"
        )


def load_weights(model, filepath, skip_mismatch=False, by_name=False) -> None:
    """Load weights from a ``.keras``, ``.weights.h5`` or legacy ``.h5`` file into ``model``
    (built first if it is not). Every value is checked before any is assigned."""
    filepath = check.check_path("filepath", filepath, who="load_weights")
    if not model.built:
        raise InvalidArgumentError(
            f"Model '{model.name}' is not built yet: build it (or call it on "
            "data) before load_weights(), so its weights exist."
        )
    kind = _sniff(filepath)
    if kind == "zip":
        keras_file.load_weights_keras(model, filepath, skip_mismatch)
        return
    source = f"File '{filepath}'"
    with legacy_h5.open_h5(filepath, source) as f:
        if legacy_h5.is_legacy(f):
            group = weights_h5.safe_group(f, "model_weights", source) if "model_weights" in f \
                else f
            legacy_h5.load_weights_from_group(model, group, source, by_name, skip_mismatch)
        else:
            weights_h5.read_weights(model, f, source, skip_mismatch=skip_mismatch)


def model_to_json(model, **kwargs) -> str:
    """Return the model's config (and compile config) as a JSON string."""
    return json.dumps(model_to_config(model), **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Build a model from ``to_json()`` output (compiled if the JSON has a compile config)."""
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise InvalidTypeError(
            "Argument `json_string` of model_from_json must be the string model.to_json() "
            f"returns. Received: {check.show(json_string)} of type {type(json_string).__name__}"
        )
    config = parse_json(json_string, "model JSON")
    if not isinstance(config, dict):
        raise FileFormatError("model JSON must hold a JSON object.")
    model = model_from_config(config, custom_objects)
    if isinstance(config.get("compile_config"), dict):
        model.compile(**compile_args(config["compile_config"], custom_objects,
                                     several_outputs(model)))
    return model


def serialize_keras_object(obj):
    """Return Keras's dict for any tinykeras object: layer, model, optimizer, loss, metric,
    initializer, regularizer, constraint or schedule (a function: its registered name)."""
    from tinykeras import (
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from tinykeras.layers.base import Layer
    from tinykeras.optimizers import schedules
    from tinykeras.saving.config import serialize_layer
    from tinykeras.utils.serialization import get_registered_name

    for base, serialize in ((Layer, serialize_layer), (optimizers.Optimizer, optimizers.serialize),
                            (losses.Loss, losses.serialize), (metrics.Metric, metrics.serialize),
                            (initializers.Initializer, initializers.serialize),
                            (regularizers.Regularizer, regularizers.serialize),
                            (constraints.Constraint, constraints.serialize),
                            (schedules.LearningRateSchedule, schedules.serialize)):
        if isinstance(obj, base):
            return serialize(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if callable(obj):
        return get_registered_name(obj)
    raise InvalidTypeError(f"Cannot serialize {obj!r}: not a tinykeras object.")


def deserialize_keras_object(config, custom_objects=None):
    """Rebuild an object from ``serialize_keras_object`` output; its ``module`` key says
    which allow-list to look in (``keras.layers``, ``keras.optimizers``...)."""
    from tinykeras import (
        constraints,
        initializers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from tinykeras.optimizers import schedules
    from tinykeras.saving.config import deserialize_layer
    from tinykeras.utils.serialization import CustomObjectScope

    if not isinstance(config, dict):
        raise FileFormatError(f"Expected a serialized object (a dict). Received: {config!r:.80}")
    module = str(config.get("module") or "")
    kinds = {"keras.optimizers.schedules": schedules.deserialize,
             "keras.optimizers": optimizers.deserialize, "keras.losses": losses.deserialize,
             "keras.metrics": metrics.deserialize,
             "keras.initializers": initializers.deserialize,
             "keras.regularizers": regularizers.deserialize,
             "keras.constraints": constraints.deserialize}
    with CustomObjectScope(custom_objects):
        for prefix, deserialize in kinds.items():
            if module == prefix:
                return deserialize(config)
        return deserialize_layer(config, custom_objects)
