"""Legacy HDF5 files of Keras 2 / tf.keras (and of Keras 3's ``model.save("m.h5")``).

A full-model file has root attributes ``model_config`` (JSON), ``training_config`` (JSON,
optional), ``keras_version`` and ``backend``, a group ``model_weights`` (attribute
``layer_names``; one group per layer with attribute ``weight_names``, datasets at those
paths, e.g. ``model_weights/layer1/layer1/kernel:0``) and, when compiled, a group
``optimizer_weights``. A ``save_weights`` file is the ``model_weights`` group at the root.
Weights are matched to layers by order (layers that have weights), or by layer name.
"""

import io
import json
import os
import warnings

import numpy as np

from tinykeras.saving import weights_h5
from tinykeras.saving.atomic import atomic_write_bytes
from tinykeras.saving.compile_config import compile_args, several_outputs
from tinykeras.saving.config import (
    FileFormatError,
    model_to_config,
    parse_json,
)
from tinykeras.saving.rng_state import restore_rng_states, rng_states

_MAX_NAMES = 100_000


# -- writing -------------------------------------------------------------------------------------
def save_legacy_h5(model, filepath, include_optimizer=True) -> None:
    """Write ``model`` as a legacy full-model ``.h5`` file (the layout Keras 3 writes)."""
    h5py = weights_h5.h5py_module()
    from tinykeras.saving.keras_file import KERAS_FORMAT_VERSION

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        layer_config = model_to_config(model)  # checks that everything is JSON first
        f.attrs["keras_version"] = KERAS_FORMAT_VERSION
        f.attrs["backend"] = "numpy"
        f.attrs["model_config"] = json.dumps(
            {"class_name": layer_config["class_name"], "config": layer_config["config"]})
        compile_config = layer_config.get("compile_config") if include_optimizer else None
        if compile_config is not None:
            training = {k: v for k, v in compile_config.items() if k != "optimizer"}
            training["optimizer_config"] = {"class_name": compile_config["optimizer"]["class_name"],
                                            "config": compile_config["optimizer"]["config"]}
            f.attrs["training_config"] = json.dumps(training)
            # Keras ignores this attribute; tinykeras resumes fit() from it (rng_state.py).
            f.attrs["tinykeras_rng_state"] = json.dumps(rng_states(model))
        write_model_weights(f.create_group("model_weights"), model)
        if compile_config is not None and model.optimizer.built:
            variables = model.optimizer.variables
            group = f.create_group("optimizer_weights")
            names = [v.path for v in variables]
            _write_names(group, "weight_names", names)
            for name, v in zip(names, variables):
                group.create_dataset(name, data=np.asarray(v.value))
    atomic_write_bytes(filepath, buffer.getvalue())


def save_legacy_weights(model, filepath) -> None:
    """Write a Keras 2 ``save_weights`` file (``layer_names`` at the root)."""
    h5py = weights_h5.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        write_model_weights(f, model)
    atomic_write_bytes(filepath, buffer.getvalue())


def write_model_weights(group, model) -> None:
    """Fill ``group`` with ``layer_names`` and one group per layer (``weight_names``)."""
    from tinykeras.saving.keras_file import KERAS_FORMAT_VERSION

    layers = list(model.layers)
    _write_names(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "numpy"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    for layer in sorted(layers, key=lambda la: la.name):
        sub = group.create_group(layer.name)
        variables = layer_variables(layer)
        # tf.keras 2 names: "<layer>/<weight>:0" (both Keras 2 and Keras 3 read these).
        names = [f"{layer.name}/{getattr(v, 'name', 'variable')}:0" for v in variables]
        _write_names(sub, "weight_names", names)
        for name, v in zip(names, variables):
            sub.create_dataset(name, data=np.asarray(v.value))


def layer_variables(layer) -> list:
    """A layer's variables in the legacy order (its ``weights``: trainable first, nested
    layers included)."""
    out = []
    for _, obj in weights_h5.walk(layer):
        out.extend(weights_h5.own_variables(obj))
    trainable = [v for v in out if v.trainable]
    return trainable + [v for v in out if not v.trainable]


def _write_names(group, key, names) -> None:
    encoded = [n.encode("utf8") for n in names]
    # HDF5 object headers hold 64 KB; Keras splits longer name lists into key0, key1...
    limit = 64512
    data = np.array(encoded, dtype=object) if encoded else np.array([], dtype="S1")
    total = sum(len(n) for n in encoded)
    if total <= limit // 2:
        group.attrs.create(key, data, dtype=weights_h5.h5py_module().string_dtype()
                           if encoded else None)
        return
    chunks = int(np.ceil(2 * total / limit))
    for i, chunk in enumerate(np.array_split(np.array(encoded, dtype=object), chunks)):
        group.attrs.create(f"{key}{i}", chunk, dtype=weights_h5.h5py_module().string_dtype())


# -- reading -------------------------------------------------------------------------------------
def is_legacy(h5file) -> bool:
    """Whether an open HDF5 file is in the legacy layout (not Keras 3's ``vars`` tree)."""
    return "model_config" in h5file.attrs or "layer_names" in h5file.attrs or (
        "model_weights" in h5file and "layer_names" in h5file["model_weights"].attrs)


def read_names(group, key, source) -> list:
    """Return the string list in attribute ``key`` (or ``key0``, ``key1``...)."""
    attrs = group.attrs
    if key in attrs:
        raw = [attrs[key]]
    else:
        raw = []
        while f"{key}{len(raw)}" in attrs and len(raw) < 1000:
            raw.append(attrs[f"{key}{len(raw)}"])
    names = []
    for chunk in raw:
        values = np.atleast_1d(np.asarray(chunk))
        if values.dtype.kind not in "OSU" and values.size:
            raise FileFormatError(f"{source}: attribute '{key}' must hold strings.")
        for v in values.tolist():
            names.append(v.decode("utf8", "replace") if isinstance(v, bytes) else str(v))
        if len(names) > _MAX_NAMES:
            raise FileFormatError(f"{source}: attribute '{key}' lists too many names.")
    return names


def _attr_text(value, source, key):
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf8", "replace")
    if not isinstance(value, str):
        raise FileFormatError(f"{source}: attribute '{key}' must be a JSON string.")
    if len(value) > 64 * 2**20:
        raise FileFormatError(f"{source}: attribute '{key}' is too large.")
    return value


def load_legacy_h5(filepath, custom_objects=None, compile=True):
    """Build the model of a legacy full-model ``.h5`` file, with weights (and optimizer)."""
    from tinykeras.saving.keras_file import build_model

    source = f"File '{filepath}'"
    with open_h5(filepath, source) as f:
        text = _attr_text(f.attrs.get("model_config"), source, "model_config")
        if text is None:
            raise FileFormatError(
                f"{source} has no model_config: it holds weights only (a save_weights file). "
                "Build the model in code, then call model.load_weights(...)."
            )
        config = parse_json(text, f"{source}: model_config")
        if not isinstance(config, dict):
            raise FileFormatError(f"{source}: model_config must be a JSON object.")


        model = build_model(config, custom_objects, source, os.path.getsize(filepath))
        group = weights_h5.safe_group(f, "model_weights", source)
        if group is None:
            raise FileFormatError(f"{source} has no model_weights group.")
        load_weights_from_group(model, group, source)
        training = _attr_text(f.attrs.get("training_config"), source, "training_config")
        if compile and training is None:
            warnings.warn("No training configuration found in the save file, so the model "
                          "was *not* compiled. Compile it manually.", stacklevel=3)
        if compile and training is not None:
            training = parse_json(training, f"{source}: training_config")
            model.compile(**compile_args(training, custom_objects, several_outputs(model),
                                         legacy=True))
            if "optimizer_weights" in f:
                _load_legacy_optimizer(model, f, source)
            state = _attr_text(f.attrs.get("tinykeras_rng_state"), source, "tinykeras_rng_state")
            if state is not None:
                restore_rng_states(model, parse_json(state, f"{source}: rng state"), source)
    return model


def _load_legacy_optimizer(model, f, source):
    version = _attr_text(f.attrs.get("keras_version"), source, "keras_version") or "1"
    if not version.startswith("3"):
        warnings.warn(
            f"{source} was written by Keras {version}, whose optimizer state has another "
            "layout; the optimizer starts fresh (weights and compile settings are loaded).",
            stacklevel=4,
        )
        return
    group = weights_h5.safe_group(f, "optimizer_weights", source)
    names = read_names(group, "weight_names", source)
    optimizer = model.optimizer
    if not optimizer.built and len(names) != len(optimizer.variables):
        optimizer.build(model.trainable_variables)
    mine = optimizer.variables
    if len(names) != len(mine):
        warnings.warn(f"Skipping variable loading for optimizer '{optimizer.name}', because it "
                      f"has {len(mine)} variables whereas the saved optimizer has {len(names)} "
                      "variables.", stacklevel=4)
        return
    values = [_read_named(group, n, v, source) for n, v in zip(names, mine)]
    for var, value in zip(mine, values):
        var.assign(value)


def _read_named(group, name, var, source, skip_mismatch=False):
    if name.startswith("/") or ".." in name.split("/"):
        raise FileFormatError(f"{source}: unsafe weight name {name!r}.")
    parent, _, key = name.rpartition("/")
    sub = weights_h5.safe_group(group, parent, source) if parent else group
    if sub is None or key not in sub:
        raise FileFormatError(f"{source}: weight '{name}' is listed but missing.")
    return weights_h5.read_dataset(sub, key, var.value.shape, var.value.dtype,
                                   f"{group.name}/{name}", source, skip_mismatch)


def open_h5(filepath, source):
    """Open an HDF5 file read-only, with a clear error when it is not one."""
    h5py = weights_h5.h5py_module()
    try:
        return h5py.File(filepath, "r")
    except FileNotFoundError:
        raise
    except (OSError, ValueError, RuntimeError) as exc:
        raise FileFormatError(f"{source} is not a readable HDF5 file (truncated or "
                              f"corrupted): {exc}") from None


def load_weights_from_group(model, group, source, by_name=False, skip_mismatch=False) -> None:
    """Assign the model's layer weights from a legacy ``model_weights``-style group.

    By order: the file's layers that have weights line up with the model's layers that
    have weights. By name: each file layer goes to the model layer of the same name.
    """
    file_layers = []
    for name in read_names(group, "layer_names", source):
        sub = weights_h5.safe_group(group, name, source)
        if sub is None:
            raise FileFormatError(f"{source}: layer '{name}' is listed but has no group.")
        weight_names = read_names(sub, "weight_names", source)
        if weight_names:
            file_layers.append((name, sub, weight_names))
    model_layers = [la for la in model.layers if layer_variables(la)]
    if by_name:
        index = {la.name: la for la in model_layers}
        pairs = [(index[n], n, sub, w) for n, sub, w in file_layers if n in index]
    else:
        if len(file_layers) != len(model_layers):
            raise FileFormatError(
                f"{source}: layer count mismatch when loading weights. The model has "
                f"{len(model_layers)} layers with weights, the file {len(file_layers)} "
                f"({[n for n, _, _ in file_layers][:20]})."
            )
        pairs = [(la, n, sub, w) for la, (n, sub, w) in zip(model_layers, file_layers)]
    plan = []
    for layer, name, sub, weight_names in pairs:
        variables = layer_variables(layer)
        if len(variables) != len(weight_names):
            msg = (f"{source}: weight count mismatch for layer '{layer.name}' (file layer "
                   f"'{name}'): the layer has {len(variables)} weights, the file "
                   f"{len(weight_names)}.")
            if skip_mismatch:
                warnings.warn(msg + " Skipped.", stacklevel=3)
                continue
            raise FileFormatError(msg)
        for wname, var in zip(weight_names, variables):
            value = _read_named(sub, wname, var, source, skip_mismatch)
            if value is not None:
                plan.append((var, value))
    for var, value in plan:
        var.assign(value)


def load_legacy_weights(model, filepath, by_name=False, skip_mismatch=False) -> None:
    """Load a legacy ``.h5`` (full model or ``save_weights``) into ``model`` by layer order."""
    source = f"File '{filepath}'"
    with open_h5(filepath, source) as f:
        group = weights_h5.safe_group(f, "model_weights", source) if "model_weights" in f else f
        load_weights_from_group(model, group, source, by_name, skip_mismatch)


