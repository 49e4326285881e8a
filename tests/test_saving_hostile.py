"""A corpus of malformed and hostile model files, generated here: each must fail with a clear,
specific error, allocate little memory, run no code named or stored in it (a sentinel
module and a pickle payload prove it) and write nothing anywhere."""

import io
import json
import os
import pickle
import struct
import sys
import tracemalloc
import warnings
import zipfile

import h5py  # noqa: E402 - in the `test` extra: missing must fail, not skip
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError

SENTINEL_MODULE = "tinykeras_hostile_sentinel"


class _Touch:
    """Unpickling this creates the sentinel file: proof that a pickle was loaded."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


# -- building blocks -------------------------------------------------------------------------
def _good_config(units=2, features=3, **dense):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "s", "trainable": True, "layers": [
                {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
                 "config": {"batch_shape": [None, features], "dtype": "float32",
                            "name": "in"}},
                {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                 "config": {"name": "d", "units": units, "activation": "relu", **dense}}]}}


def _weights_h5(edit=None, kernel=None):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.ones((3, 2), "float32") if kernel is None else kernel)
        g.create_dataset("1", data=np.zeros((2,), "float32"))
        f.create_group("vars")
        if edit:
            edit(f)
    return buf.getvalue()


def _zip(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate-name case is on purpose
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _keras(config=None, weights=None, extra=(), metadata=None):
    members = [("metadata.json", json.dumps(metadata or {"keras_version": "3.5.0"}))]
    members.append(("config.json", config if isinstance(config, (str, bytes))
                    else json.dumps(config or _good_config())))
    members.append(("model.weights.h5", weights if weights is not None else _weights_h5()))
    return _zip(members + list(extra))


def _patch_central_size(data, name, size):
    """Rewrite the uncompressed size a zip's central directory declares for ``name``."""
    i = data.index(b"PK\x01\x02")
    while i != -1:
        name_len = struct.unpack("<H", data[i + 28:i + 30])[0]
        if data[i + 46:i + 46 + name_len] == name.encode():
            return data[:i + 24] + struct.pack("<I", size) + data[i + 28:]
        i = data.find(b"PK\x01\x02", i + 4)
    raise AssertionError(name)


def _bomb():
    """config.json: 64 MB of spaces deflated to ~64 KB (a 1000x expansion)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("config.json", "w") as f:
            chunk = b" " * 2**20
            for _ in range(64):
                f.write(chunk)
    return buf.getvalue()


def _flag_encrypted(data):
    out = bytearray(data)
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        i = out.find(sig)
        while i != -1:
            off = 6 if sig == b"PK\x03\x04" else 8
            out[i + off] |= 1
            i = out.find(sig, i + 4)
    return bytes(out)


def _corrupt_stored(data, needle):
    i = data.index(needle)
    return data[:i] + b"X" + data[i + 1:]


def _legacy_h5(attrs=None, build=None):
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for k, v in (attrs or {}).items():
            f.attrs[k] = v
        if build:
            build(f)
    return buf.getvalue()


def _legacy_model(layer_names=None, weight_names=None, data=None):
    cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 2,
                                           "batch_input_shape": [None, 3]}}]}}

    def build(f):
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = layer_names if layer_names is not None else [b"d"]
        sub = g.create_group("d")
        names = weight_names if weight_names is not None else [b"d/kernel:0", b"d/bias:0"]
        sub.attrs["weight_names"] = names
        if data is not None:
            data(sub)
        else:
            sub.create_dataset("d/kernel:0", data=np.ones((3, 2), "float32"))
            sub.create_dataset("d/bias:0", data=np.zeros(2, "float32"))

    return _legacy_h5({"keras_version": "2.12.0", "model_config": json.dumps(cfg)}, build)


def _external_link(f):
    del f["layers/dense/vars"]
    f["layers/dense/vars"] = h5py.ExternalLink("/etc/hostname", "/")


def _soft_link(f):
    f.create_group("elsewhere").create_dataset("k", data=np.ones((3, 2), "float32"))
    del f["layers/dense/vars/0"]
    f["layers/dense/vars/0"] = h5py.SoftLink("/elsewhere/k")


def _external_storage(f):
    del f["layers/dense/vars/0"]
    f["layers/dense/vars"].create_dataset("0", shape=(3, 2), dtype="float32",
                                          external=[("/etc/hostname", 0, 24)])


def _virtual(f):
    del f["layers/dense/vars/0"]
    layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
    layout[:] = h5py.VirtualSource("/etc/other.h5", "data", shape=(3, 2))
    f["layers/dense/vars"].create_virtual_dataset("0", layout)


def _replace(name, **kwargs):
    def edit(f):
        del f[f"layers/dense/vars/{name}"]
        f["layers/dense/vars"].create_dataset(name, **kwargs)
    return edit


def _sequential(*layer_dicts, **config):
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": "s", "layers": list(layer_dicts), **config}}


def _compiled(**compile_config):
    cfg = _good_config()
    cfg["compile_config"] = {"optimizer": "adam", "loss": "mse", **compile_config}
    return cfg


def _deep(levels):
    value = {"class_name": "Dense", "config": {"units": 1}}
    for _ in range(levels):
        value = {"config": value}
    return value


# name -> (suffix, bytes (or a callable of the case folder), expected message regex)
CASES = {
    "empty .keras": (".keras", b"", "not a valid .keras file"),
    "random bytes .keras": (".keras", os.urandom(4096), "not a valid .keras file"),
    "truncated zip": (".keras", _keras()[:700], "truncated or corrupted"),
    "zip without config.json": (".keras", _zip([("model.weights.h5", _weights_h5())]),
                                "no config.json"),
    "config.json not JSON": (".keras", _keras("{not json"), "not valid JSON"),
    "config.json not UTF-8": (".keras", _keras(b"\xff\xfe\x00garbage"), "not UTF-8"),
    "config.json an array": (".keras", _keras("[1, 2, 3]"), "must hold a JSON object"),
    "config.json nested 100000 deep": (".keras", _keras("[" * 100_000 + "]" * 100_000),
                                       "nested (too )?deep"),
    "config nested 500 dicts": (".keras", _keras(_deep(500)), "nested deeper than"),
    "zip bomb config.json": (".keras", _bomb(), "zip bomb"),
    "member declares 2 GB": (".keras", _patch_central_size(_keras(), "config.json", 2**31),
                             "bytes \\(limit"),
    "member ../evil": (".keras", _keras(extra=[("../evil.txt", "x")]), "unsafe name"),
    "member /tmp/evil": (".keras", _keras(extra=[("/tmp/evil.txt", "x")]), "unsafe name"),
    "member ..\\evil": (".keras", _keras(extra=[("..\\evil.txt", "x")]), "unsafe name"),
    "member C:/evil": (".keras", _keras(extra=[("C:/evil.txt", "x")]), "unsafe name"),
    "duplicate config.json": (".keras", _keras(extra=[("config.json", "{}")]),
                              "two zip members named"),
    "encrypted members": (".keras", _flag_encrypted(_keras()), "encrypted"),
    "bzip2 member": (".keras", _zip([("config.json", json.dumps(_good_config())),
                                     ("model.weights.h5", _weights_h5())],
                                    zipfile.ZIP_BZIP2), "compression method 12"),
    "CRC mismatch": (".keras", _corrupt_stored(_keras(), b'"units": 2'), "corrupted"),
    "10001 members": (".keras", _zip([(f"a{i}", "") for i in range(10_001)]),
                      "10001 zip members"),
    "no weights member": (".keras", _zip([("config.json", json.dumps(_good_config()))]),
                          "no model.weights.h5"),
    "pickled npz weights": (".keras", None, "npz"),  # built per case (needs the sentinel)
    "weights not HDF5": (".keras", _keras(weights=b"not hdf5 at all" * 10), "not an HDF5"),
    "weights HDF5 truncated": (".keras", _keras(weights=_weights_h5()[:1500]),
                               "truncated or corrupted HDF5"),
    "unknown layer class": (".keras", _keras(_sequential({"class_name": "Evil",
                                                          "config": {}})),
                            "Unknown layer class 'Evil'"),
    "module os class system": (".keras", _keras(_sequential(
        {"module": "os", "class_name": "system", "config": {"command": "touch x"}})),
        "Unknown layer class 'system'"),
    "builtins eval": (".keras", _keras(_sequential(
        {"module": "builtins", "class_name": "eval", "config": "1+1"})),
        "Unknown layer class 'eval'"),
    "sentinel module by registered name": (".keras", _keras(_sequential(
        {"module": SENTINEL_MODULE, "class_name": "Evil",
         "registered_name": f"{SENTINEL_MODULE}>Evil", "config": {}})),
        "Unknown layer class 'Evil'"),
    "Lambda with bytecode": (".keras", _keras(_sequential(
        {"class_name": "Lambda", "config": {"name": "l", "function": {
            "class_name": "__lambda__", "config": {"code": "YWJj"}}}})), "bytecode"),
    "class_name not a string": (".keras", _keras(_sequential({"class_name": 7, "config": {}})),
                                "string 'class_name'"),
    "layer config a string": (".keras", _keras(_sequential(
        {"class_name": "Dense", "config": "units=3"})), "must be a dict"),
    "layers not a list": (".keras", _keras({"class_name": "Sequential",
                                            "config": {"layers": {"a": 1}}}), "must be a list"),
    "Dense units -1": (".keras", _keras(_good_config(units=-1)), "positive integer"),
    "Dense units a string": (".keras", _keras(_good_config(units="abc")), "positive integer"),
    "Dense units 10**9": (".keras", _keras(_good_config(units=10**9)),
                          "more weights than the file holds"),
    "input 10**12 features": (".keras", _keras(_good_config(features=10**12 - 1)),
                              "more weights than the file holds"),
    "input 2**50 features": (".keras", _keras(_good_config(features=2**50)),
                             "more weights than the file holds"),
    "negative input dim": (".keras", _keras(_good_config(features=-3)),
                           "must be positive"),
    "build_input_shape garbage": (".keras", _keras(_sequential(
        {"class_name": "Dense", "config": {"name": "d", "units": 2}},
        build_input_shape="abc")), "positive integers or null"),
    "activation os.system": (".keras", _keras(_good_config(activation="os.system")),
                             "activation identifier"),
    "initializer from os": (".keras", _keras(_good_config(kernel_initializer={
        "module": "os", "class_name": "system", "config": {}})), "initializer identifier"),
    "object dtype": (".keras", _keras(_good_config(dtype="object")), "not a numeric dtype"),
    "complex dtype": (".keras", _keras(_good_config(dtype="complex128")),
                      "not a numeric dtype"),
    "mixed precision": (".keras", _keras(_good_config(dtype={
        "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}})), "mixed-precision"),
    "Dense units NaN": (".keras", _keras(json.dumps(_good_config()).replace(
        '"units": 2', '"units": NaN')), "positive integer"),
    "unknown optimizer": (".keras", _keras(_compiled(optimizer={"class_name": "EvilOpt",
                                                                 "config": {}})),
                          "Unknown optimizer class 'EvilOpt'"),
    "loss function os.system": (".keras", _keras(_compiled(
        loss={"class_name": "function", "config": "os.system"})),
        "Unknown loss function 'os.system'"),
    "metric __import__": (".keras", _keras(_compiled(metrics=["__import__"])),
                          "Unknown metric '__import__'"),
    "optimizer config hostile kwargs": (".keras", _keras(_compiled(
        optimizer={"class_name": "Adam", "config": {"learning_rate": "rm -rf"}})),
        "learning_rate"),
    "a layer, not a model": (".keras", _keras({"class_name": "Dense",
                                               "config": {"units": 2, "name": "d"}}),
                             "not a model"),
    "weights shape mismatch": (".keras", _keras(weights=_weights_h5(
        kernel=np.ones((4, 2), "float32"))), r"shape \(4, 2\).*shape \(3, 2\)"),
    "weights as strings": (".keras", _keras(weights=_weights_h5(_replace(
        "0", data=np.array([[b"a", b"b"]] * 3)))), "expected numbers"),
    "weights compound dtype": (".keras", _keras(weights=_weights_h5(_replace(
        "0", data=np.zeros((3, 2), dtype=[("a", "f4"), ("b", "f4")])))), "expected numbers"),
    "NaN weights": (".keras", _keras(weights=_weights_h5(kernel=np.full((3, 2), np.nan,
                                                                       "float32"))), "NaN"),
    "infinite weights": (".keras", _keras(weights=_weights_h5(kernel=np.full(
        (3, 2), np.inf, "float32"))), "infinite"),
    "external link group": (".keras", _keras(weights=_weights_h5(_external_link)),
                            "ExternalLink"),
    "soft link dataset": (".keras", _keras(weights=_weights_h5(_soft_link)), "SoftLink"),
    "external storage dataset": (".keras", _keras(weights=_weights_h5(_external_storage)),
                                 "external file"),
    "virtual dataset": (".keras", _keras(weights=_weights_h5(_virtual)), "virtual dataset"),
    "gzip bomb dataset": (".keras", _keras(weights=_weights_h5(_replace(
        "0", shape=(50_000, 50_000), dtype="float32", compression="gzip",
        chunks=(1000, 1000))), ), r"shape \(50000, 50000\)"),
    "vars keys 0 and 2": (".keras", _keras(weights=_weights_h5(
        lambda f: f["layers/dense/vars"].move("1", "2"))), "named 0..n-1"),
    "vars key is a group": (".keras", _keras(weights=_weights_h5(
        lambda f: (f["layers/dense/vars"].__delitem__("1"),
                   f["layers/dense/vars"].create_group("1")))), "should be a dataset"),
    "missing layer group": (".keras", _keras(weights=_weights_h5(
        lambda f: f.__delitem__("layers"))), "no weights for 'layers/dense'"),
    "optimizer state wrong shape": (".keras", _keras(_compiled(), _weights_h5(
        lambda f: (f.create_group("optimizer/vars").create_dataset("0", data=np.int64(3)),
                   f["optimizer/vars"].create_dataset("1", data=np.ones(5, "float32"))))),
        r"optimizer/vars/1' has shape \(5,\)"),
    "optimizer iterations NaN": (".keras", _keras(_compiled(), _weights_h5(
        lambda f: (f.create_group("optimizer/vars").create_dataset("0", data=np.nan),
                   f["optimizer/vars"].create_dataset("1", data=np.float32(0.1))))),
        "NaN|floats where an integer"),
    "bad rng state": (".keras", _keras(_compiled(), metadata={"tinykeras": {"rng_state": {
        "bit_generator": "PCG64", "state": {"state": -1, "inc": "x"}}}}),
        "invalid random generator state"),
    "empty .h5": (".h5", b"", "not a valid HDF5"),
    "random .h5": (".h5", os.urandom(2048), "not a valid HDF5"),
    "truncated .h5": (".h5", _legacy_model()[:3000], "not a readable HDF5|truncated"),
    "h5 weights only": (".h5", _legacy_h5({"layer_names": [b"d"]}), "holds weights only"),
    "model_config not JSON": (".h5", _legacy_h5({"model_config": "{oops"}), "not valid JSON"),
    "model_config a list": (".h5", _legacy_h5({"model_config": "[1]"}), "JSON object"),
    "model_config not text": (".h5", _legacy_h5({"model_config": np.arange(3)}),
                              "must be a JSON string"),
    "layer_names as numbers": (".h5", _legacy_model(layer_names=np.arange(3)),
                               "must hold strings"),
    "weight name absolute": (".h5", _legacy_model(weight_names=[b"/etc/passwd", b"d/b"]),
                             "unsafe weight name"),
    "weight name ..": (".h5", _legacy_model(weight_names=[b"../../x", b"d/b"]),
                       "unsafe weight name"),
    "weight listed but missing": (".h5", _legacy_model(data=lambda g: None),
                                  "listed but missing"),
    "legacy layer count mismatch": (".h5", _legacy_model(layer_names=[b"d", b"e"]),
                                    "listed but has no group"),
    "training_config garbage": (".h5", None, "training_config is not valid JSON"),
    "folder instead of a file": (".keras", "folder", "is a folder"),
}


def _training_garbage():
    data = io.BytesIO(_legacy_model())
    with h5py.File(data, "a") as f:
        f.attrs["training_config"] = "{not json"
    return data.getvalue()


def _npz_with_pickle(sentinel):
    buf = io.BytesIO()
    np.savez(buf, **{"layers/dense": np.array([_Touch(sentinel)], dtype=object)})
    return _zip([("config.json", json.dumps(_good_config())),
                 ("model.weights.npz", buf.getvalue()),
                 ("evil.pkl", pickle.dumps(_Touch(sentinel)))])


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_is_refused_cleanly(tmp_path, name, monkeypatch):
    suffix, data, pattern = CASES[name]
    case = tmp_path / "case"
    case.mkdir()
    sentinel = tmp_path / "SENTINEL"
    module_dir = tmp_path / "modules"
    module_dir.mkdir()
    (module_dir / f"{SENTINEL_MODULE}.py").write_text(
        f"open({str(sentinel)!r}, 'w').close()\nclass Evil:\n    pass\n")
    monkeypatch.syspath_prepend(str(module_dir))
    path = case / f"model{suffix}"
    if name == "pickled npz weights":
        data = _npz_with_pickle(sentinel)
    elif name == "training_config garbage":
        data = _training_garbage()
    if data == "folder":
        path.mkdir()
    else:
        path.write_bytes(data)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=pattern) as info:
            tk.models.load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(info.value, (FileFormatError, ValueError))
    assert str(info.value).strip(), "the error must say what is wrong"
    assert peak < 300 * 2**20, f"{name}: loading allocated {peak / 2**20:.0f} MB"
    assert not sentinel.exists(), f"{name}: code named or stored in the file ran"
    assert SENTINEL_MODULE not in sys.modules, f"{name}: a module named in the file was imported"
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before, f"{name}: loading wrote files"
    assert not (tmp_path.parent / "evil.txt").exists()


def test_hostile_weights_files_are_refused_by_load_weights(tmp_path):
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(2)])
    before = model.get_weights()
    for i, weights in enumerate([_weights_h5(kernel=np.full((3, 2), np.nan, "float32")),
                                 _weights_h5(_soft_link), _weights_h5(_external_storage)]):
        path = tmp_path / f"w{i}.weights.h5"
        path.write_bytes(weights)
        with pytest.raises(FileFormatError):
            model.load_weights(path)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
