"""The Keras 3 ``.keras`` file: a zip of ``metadata.json``, ``config.json`` and
``model.weights.h5`` (stored uncompressed, in that order, as Keras writes it).

Reading opens the zip in memory-bounded steps: member names, sizes and compression ratios
are checked before anything is decompressed, members are never extracted to disk, and the
weights file is read through ``weights_h5``'s checks.
"""

import datetime
import io
import json
import os
import zipfile

from tinykeras.backend import global_rng
from tinykeras.backend.limits import WeightBudgetExceeded, weight_budget
from tinykeras.saving import weights_h5
from tinykeras.saving.atomic import atomic_write_bytes
from tinykeras.saving.compile_config import compile_args, several_outputs
from tinykeras.saving.config import (
    FileFormatError,
    model_from_config,
    model_to_config,
    parse_json,
)
from tinykeras.saving.rng_state import restore_rng_states, rng_states

# The Keras format version we write (the config keys of Keras 3.5-3.13, which every Keras
# from 3.5 on reads); tinykeras's own version goes in "producer".
KERAS_FORMAT_VERSION = "3.5.0"
MAX_MEMBERS = 10_000
MAX_JSON_BYTES = 64 * 2**20
MAX_WEIGHTS_BYTES = 2**33  # 8 GiB
MAX_RATIO = 200  # a compressed member may expand at most this much (zip bombs expand 1000x+)
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


def save_keras(model, filepath) -> None:
    """Write ``model`` to ``filepath`` as a ``.keras`` zip, atomically."""
    from tinykeras import __version__

    config = model_to_config(model)
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "producer": f"tinykeras {__version__}",
        # Keras never reads metadata.json; tinykeras keeps the random generator's position
        # here, so that fit() after load_model() draws the same batches as without the break.
        "tinykeras": {"rng_state": rng_states(model)},
    }
    weights = io.BytesIO()
    h5py = weights_h5.h5py_module()
    with h5py.File(weights, "w") as f:
        weights_h5.write_weights(model, f)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(_METADATA, json.dumps(metadata))
        zf.writestr(_CONFIG, json.dumps(config))
        zf.writestr(_WEIGHTS, weights.getvalue())
    atomic_write_bytes(filepath, out.getvalue())


class KerasZip:
    """A ``.keras`` file opened for reading, its members checked (see the module doc)."""

    def __init__(self, filepath):
        self.source = f"File '{os.fspath(filepath)}'"
        try:
            self.zf = zipfile.ZipFile(filepath, "r")
        except zipfile.BadZipFile as exc:
            raise FileFormatError(
                f"{self.source} is not a valid .keras file (a .keras file is a zip archive; this "
                f"one is truncated or corrupted: {exc})."
            ) from None
        except (OSError, EOFError, ValueError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise FileFormatError(f"{self.source} cannot be read as a zip archive: {exc}") from None
        try:
            self._check_members()
        except BaseException:
            self.zf.close()
            raise

    def _check_members(self):
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FileFormatError(f"{self.source} has {len(infos)} zip members; a .keras file "
                                  f"has a handful (limit {MAX_MEMBERS}).")
        names = set()
        for info in infos:
            name = info.filename
            parts = name.replace("\\", "/").split("/")
            if (name.startswith(("/", "\\")) or ".." in parts or "\x00" in name
                    or (len(name) > 1 and name[1] == ":") or len(name) > 1024):
                raise FileFormatError(f"{self.source} has a zip member with an unsafe name "
                                      f"{name!r} (absolute, '..' or a drive); refusing it.")
            if name in names:
                raise FileFormatError(f"{self.source} has two zip members named {name!r}.")
            names.add(name)
            if info.flag_bits & 0x1:
                raise FileFormatError(f"{self.source}: member {name!r} is encrypted.")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise FileFormatError(f"{self.source}: member {name!r} uses compression method "
                                      f"{info.compress_type}; only stored and deflate are read.")
            if info.compress_type != zipfile.ZIP_STORED and info.file_size > MAX_RATIO * max(
                    info.compress_size, 1024):
                raise FileFormatError(f"{self.source}: member {name!r} would expand from "
                                      f"{info.compress_size} to {info.file_size} bytes; this "
                                      "looks like a zip bomb.")
        self.names = names

    def read(self, name: str, limit: int) -> bytes:
        """Return a member's bytes, refusing members declared or found larger than ``limit``."""
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            return None
        if info.file_size > limit:
            raise FileFormatError(f"{self.source}: member {name!r} is {info.file_size} bytes "
                                  f"(limit {limit}).")
        try:
            with self.zf.open(info) as f:
                data = f.read(limit + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise FileFormatError(f"{self.source}: member {name!r} is corrupted: {exc}") from None
        if len(data) > limit:
            raise FileFormatError(f"{self.source}: member {name!r} is larger than {limit} bytes.")
        return data

    def config(self) -> dict:
        """Return the parsed ``config.json``."""
        data = self.read(_CONFIG, MAX_JSON_BYTES)
        if data is None:
            raise FileFormatError(f"{self.source} has no config.json; it is not a .keras "
                                  "model file.")
        config = parse_json(data, f"{self.source}: config.json")
        if not isinstance(config, dict):
            raise FileFormatError(f"{self.source}: config.json must hold a JSON object.")
        return config

    def metadata(self) -> dict:
        """Return the parsed ``metadata.json`` ({} when absent: Keras does not need it)."""
        data = self.read(_METADATA, MAX_JSON_BYTES)
        if data is None:
            return {}
        value = parse_json(data, f"{self.source}: metadata.json")
        return value if isinstance(value, dict) else {}

    def weights(self):
        """Return the weights file opened with h5py, and its size in bytes."""
        data = self.read(_WEIGHTS, MAX_WEIGHTS_BYTES)
        if data is None:
            if "model.weights.npz" in self.names:
                raise FileFormatError(f"{self.source} stores its weights as npz, which Keras "
                                      "itself cannot read back; re-save it with h5 weights.")
            raise FileFormatError(f"{self.source} has no model.weights.h5.")
        return open_h5_bytes(data, f"{self.source}: model.weights.h5"), len(data)

    def close(self):
        """Close the zip."""
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_h5_bytes(data: bytes, source: str):
    """Open HDF5 bytes with h5py, with a clear error when they are not HDF5."""
    h5py = weights_h5.h5py_module()
    if not data.startswith(b"\x89HDF\r\n\x1a\n") and b"\x89HDF\r\n\x1a\n" not in data[:65536]:
        raise FileFormatError(f"{source} is not an HDF5 file.")
    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError, RuntimeError) as exc:
        raise FileFormatError(f"{source} is a truncated or corrupted HDF5 file: {exc}") from None


def weight_budget_for(nbytes: int) -> int:
    """How many weight scalars a file of ``nbytes`` can really hold (1-byte values, plus
    slack for tiny files): the bound on what building its config may allocate."""
    return int(nbytes) + 1_000_000


def load_keras(filepath, custom_objects=None, compile=True):
    """Build the model a ``.keras`` file describes and load its weights (and optimizer)."""
    with KerasZip(filepath) as kz:
        config = kz.config()
        metadata = kz.metadata()
        h5, nbytes = kz.weights()
        with h5:
            model = build_model(config, custom_objects, kz.source, nbytes)
            weights_h5.read_weights(model, h5, kz.source, load_optimizer=False)
            if compile and isinstance(config.get("compile_config"), dict):
                model.compile(**compile_args(config["compile_config"], custom_objects,
                                             several_outputs(model)))
                for path, obj in weights_h5.walk(model):
                    if obj is model.optimizer:
                        group = weights_h5.safe_group(h5, f"{path}/vars", kz.source)
                        if group is not None:
                            weights_h5.load_optimizer_state(obj, group, model, f"{path}/vars",
                                                            kz.source)
                state = (metadata.get("tinykeras") or {}).get("rng_state")
                if state is not None:
                    restore_rng_states(model, state, kz.source)
    return model


def build_model(config, custom_objects, source, nbytes):
    """Build a model from its config without drawing from the global random generator, and
    within the weight budget of a file of ``nbytes``."""
    rng = global_rng()
    state = rng.bit_generator.state
    try:
        with weight_budget(weight_budget_for(nbytes), source):
            return model_from_config(config, custom_objects)
    except (FileFormatError, WeightBudgetExceeded) as exc:
        if source in str(exc):
            raise FileFormatError(str(exc)) from None
        raise FileFormatError(f"{source}: {exc}") from None
    finally:
        rng.bit_generator.state = state  # the initializers' draws are overwritten by load


def load_weights_keras(model, filepath, skip_mismatch=False):
    """Load the weights of a ``.keras`` file into an existing, built model."""
    with KerasZip(filepath) as kz:
        h5, _ = kz.weights()
        with h5:
            weights_h5.read_weights(model, h5, kz.source, skip_mismatch=skip_mismatch)
