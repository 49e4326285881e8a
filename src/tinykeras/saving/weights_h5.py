"""The HDF5 weights tree of Keras 3 (``model.weights.h5`` in a ``.keras`` zip, and
``.weights.h5`` files): each object's own variables in ``<path>/vars/0, 1, ...``.

Paths follow Keras's walk (``keras/src/saving/saving_lib.py``): a model's layers under
``layers/<snake_case class name>[_k]`` (numbered per class, not by layer name), then its
optimizer under ``optimizer``; the model's own variables at the root ``vars``.

Reading trusts nothing in the file: every group and dataset is checked to be a plain object
of this file (no soft, external or virtual links, no external storage, no unknown filters),
of a numeric dtype, of exactly the shape the model expects, and finite, before it is read.
"""

import warnings

import numpy as np

from tinykeras.saving.config import FileFormatError
from tinykeras.utils.naming import to_snake_case

# HDF5 filters a Keras file may use: deflate, shuffle, fletcher32, szip, lzf.
_SAFE_FILTERS = {1, 2, 3, 4, 32000}


def h5py_module():
    """Import h5py on first use (the ``h5`` extra), with an install hint if it is missing."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Saving and loading Keras files needs h5py. Install it with "
            "`pip install 'tinykeras[h5]'` (or `pip install h5py`)."
        ) from None
    return h5py


# -- the walk ------------------------------------------------------------------------------------
def own_variables(obj) -> list:
    """Return the variables ``obj`` saves itself, in Keras's order."""
    from tinykeras.optimizers import Optimizer

    if isinstance(obj, Optimizer):
        return list(obj.variables)
    mine = list(getattr(obj, "_weights", []))
    # Keras saves _trainable_variables then _non_trainable_variables, by creation flag.
    return [v for v in mine if v.trainable] + [v for v in mine if not v.trainable]


def children(obj) -> list:
    """Return ``[(attribute name, child or list of children)]`` in Keras's walk order."""
    from tinykeras.layers.base import Layer
    from tinykeras.models import Model
    from tinykeras.models.functional import Functional
    from tinykeras.models.sequential import Sequential

    out = []
    # (a user's Model subclass called with (inputs, outputs) is a Functional too)
    if isinstance(obj, (Sequential, Functional)):
        out.append(("layers", list(_container_layers(obj))))
    elif isinstance(obj, Layer):
        # A subclassed model's or custom layer's sub-layers, by attribute name, public names
        # first (Keras's order); paths are the attribute names ("dense1/vars").
        names = sorted(vars(obj), key=lambda n: (n.startswith("_"), n))
        for name in names:
            value = vars(obj)[name]
            if name.startswith("__") or name in ("_tracked", "_layers", "_plain_layers"):
                continue
            if isinstance(value, Layer):
                out.append((name, value))
            elif isinstance(value, (list, tuple)) and value and all(
                    isinstance(v, Layer) for v in value):
                out.append((name, list(value)))
    if isinstance(obj, Model) and getattr(obj, "optimizer", None) is not None and getattr(
            obj, "compiled", False):
        out.append(("optimizer", obj.optimizer))
    return out


def _container_layers(model):
    layers = model.layers
    # Keras's Functional models list their InputLayers in `layers`; Sequential does not.
    if type(model).__name__ != "Sequential" and hasattr(model, "_input_layers"):
        extra = [la for la in model._input_layers if la not in layers]
        layers = extra + list(layers)
    return layers


def walk(obj, path="", seen=None):
    """Yield ``(path, object)`` for ``obj`` and everything it saves, each object once."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield path, obj
    for attr, child in children(obj):
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, list):
            counts: dict = {}
            for item in child:
                base = to_snake_case(type(item).__name__)
                k = counts.get(base, 0)
                counts[base] = k + 1
                yield from walk(item, f"{child_path}/{base if k == 0 else f'{base}_{k}'}", seen)
        else:
            yield from walk(child, child_path, seen)


# -- writing -------------------------------------------------------------------------------------
def write_weights(model, h5file) -> None:
    """Write every variable of ``model`` (and its optimizer) into an open h5py File."""
    for path, obj in walk(model):
        group = h5file.require_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = str(getattr(obj, "name", ""))
        for i, v in enumerate(own_variables(obj)):
            group.create_dataset(str(i), data=np.asarray(v.value))


# -- reading -------------------------------------------------------------------------------------
def read_weights(model, h5file, source: str, skip_mismatch: bool = False,
                 load_optimizer: bool = True) -> None:
    """Assign every variable of ``model`` from an open h5py File, checking it all first."""
    from tinykeras.optimizers import Optimizer

    plan = []
    optimizer_groups = []
    for path, obj in walk(model):
        if isinstance(obj, Optimizer):
            optimizer_groups.append((path, obj))
            continue
        variables = own_variables(obj)
        group = _find_vars_group(h5file, path, source, required=bool(variables))
        keys = _vars_keys(group, f"{path or '/'}vars", source) if group is not None else []
        if len(keys) != len(variables):
            who = f"'{getattr(obj, 'name', path)}'"
            msg = (f"{source}: layer {who} expected {len(variables)} variables, but received "
                   f"{len(keys)} variables during loading (group '{path}/vars').")
            if skip_mismatch:
                warnings.warn(msg + " Skipped.", stacklevel=3)
                continue
            raise FileFormatError(msg)
        for key, var in zip(keys, variables):
            value = read_dataset(group, key, var.value.shape, var.value.dtype,
                                 f"{path}/vars/{key}", source, skip_mismatch)
            if value is not None:
                plan.append((var, value))
    for var, value in plan:  # everything checked: now assign
        var.assign(value)
    if load_optimizer:
        for path, optimizer in optimizer_groups:
            group = _find_vars_group(h5file, path, source, required=False)
            if group is not None:
                load_optimizer_state(optimizer, group, model, f"{path}/vars", source)


def load_optimizer_state(optimizer, group, model, where: str, source: str) -> None:
    """Restore an optimizer's iterations, learning rate and slots from a ``vars`` group.

    A file saved before any training holds only iterations and learning rate: those are
    restored and the slots are built fresh at the first step. A different count is skipped
    with Keras's warning.
    """
    keys = _vars_keys(group, where, source)
    if not optimizer.built and len(keys) != len(optimizer.variables):
        optimizer.build(model.trainable_variables)
    mine = optimizer.variables
    if len(keys) != len(mine):
        warnings.warn(
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(mine)} variables whereas the saved optimizer has {len(keys)} variables.",
            stacklevel=3,
        )
        return
    values = [read_dataset(group, k, v.value.shape, v.value.dtype, f"{where}/{k}", source)
              for k, v in zip(keys, mine)]
    for var, value in zip(mine, values):
        var.assign(value)


def _find_vars_group(h5file, path, source, required):
    candidates = [f"{path}/vars" if path else "vars"]
    if path.startswith("layers") or "/layers" in path:
        # tf.keras 2.13-2.15 wrote `.keras` files with this name for the layer list.
        candidates.append(candidates[0].replace("layers", "_layer_checkpoint_dependencies"))
    for name in candidates:
        group = safe_group(h5file, name, source)
        if group is not None:
            return group
    if required:
        raise FileFormatError(f"{source}: no weights for '{path}' (expected the HDF5 group "
                              f"'{candidates[0]}'). The file was saved from a different model.")
    return None


def _vars_keys(group, where, source) -> list:
    keys = list(group.keys())
    expected = [str(i) for i in range(len(keys))]
    if sorted(keys, key=lambda k: (len(k), k)) != expected:
        raise FileFormatError(f"{source}: the group '{where}' must hold datasets named 0..n-1. "
                              f"Found: {keys[:10]}")
    return expected


def safe_group(parent, name: str, source: str):
    """Return the sub-group ``name`` of ``parent`` (None if absent), refusing links."""
    h5py = h5py_module()
    node = parent
    for part in [p for p in name.split("/") if p]:
        if part in (".", ".."):
            raise FileFormatError(f"{source}: invalid HDF5 path {name!r}.")
        try:
            link = node.get(part, getlink=True)
        except (KeyError, OSError, RuntimeError, ValueError):
            return None
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise FileFormatError(f"{source}: '{name}' is a {type(link).__name__}; tinykeras "
                                  "reads only objects stored in the file itself.")
        try:
            node = node[part]
        except (KeyError, OSError, RuntimeError, ValueError) as exc:
            raise FileFormatError(f"{source}: cannot read HDF5 group '{name}': {exc}") from None
        if not isinstance(node, h5py.Group):
            raise FileFormatError(f"{source}: '{name}' should be an HDF5 group.")
    return node


def read_dataset(group, key, shape, dtype, where, source, skip_mismatch=False):
    """Return the array at ``group[key]`` after checking it is a plain, numeric, finite
    dataset of ``shape``; with ``skip_mismatch``, warn and return None on a shape mismatch."""
    h5py = h5py_module()
    link = group.get(key, getlink=True)
    if not isinstance(link, h5py.HardLink):
        raise FileFormatError(f"{source}: '{where}' is a {type(link).__name__}; tinykeras reads "
                              "only datasets stored in the file itself.")
    try:
        ds = group[key]
    except (KeyError, OSError, RuntimeError, ValueError) as exc:
        raise FileFormatError(f"{source}: cannot read '{where}': {exc}") from None
    if not isinstance(ds, h5py.Dataset):
        raise FileFormatError(f"{source}: '{where}' should be a dataset.")
    check_dataset(ds, where, source)
    if tuple(ds.shape) != tuple(shape):
        msg = (f"{source}: '{where}' has shape {tuple(ds.shape)}, but the model's variable has "
               f"shape {tuple(shape)}.")
        if skip_mismatch:
            warnings.warn(msg + " Skipped.", stacklevel=4)
            return None
        raise FileFormatError(msg)
    try:
        value = ds[()]
    except (OSError, RuntimeError, ValueError) as exc:
        raise FileFormatError(f"{source}: cannot read '{where}' (corrupted data): {exc}") from None
    value = np.asarray(value)
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise FileFormatError(f"{source}: '{where}' contains NaN or infinite values; refusing "
                              "to load weights that cannot predict anything.")
    if np.dtype(dtype).kind in "iu" and value.dtype.kind == "f":
        raise FileFormatError(f"{source}: '{where}' holds floats where an integer was expected.")
    return value


def check_dataset(ds, where: str, source: str) -> None:
    """Refuse datasets that read from elsewhere or need code to decode (see module doc)."""
    if ds.dtype.kind not in "fiub" or ds.dtype.fields is not None or ds.dtype.subdtype:
        raise FileFormatError(f"{source}: '{where}' has dtype {ds.dtype}; expected numbers.")
    if ds.is_virtual:
        raise FileFormatError(f"{source}: '{where}' is a virtual dataset (data in other files).")
    if ds.external:
        raise FileFormatError(f"{source}: '{where}' stores its data in an external file.")
    plist = ds.id.get_create_plist()
    for i in range(plist.get_nfilters()):
        code = plist.get_filter(i)[0]
        if code not in _SAFE_FILTERS:
            raise FileFormatError(f"{source}: '{where}' uses HDF5 filter {code}, which would "
                                  "load a plugin; only deflate, shuffle, lzf, szip and "
                                  "fletcher32 are read.")
