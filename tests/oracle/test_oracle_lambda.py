"""Lambda layers between real Keras 3 and tinykeras files: a named function travels by its
registered name both ways; a Keras lambda expression (marshalled bytecode) is refused by
tinykeras with the fix and never unmarshalled."""

import json
import marshal
import zipfile

import keras
import numpy as np
import pytest

import tinykeras as tk
from tinykeras.saving import FileFormatError


def affine(x, factor=2.0):
    """Plain operators only, so the one function runs on Keras's and tinykeras's tensors."""
    return x * factor + 1.0


# The same function under the same registered name in both libraries' allow-lists.
keras.saving.register_keras_serializable(package="oracle_lambda")(affine)
tk.saving.register_keras_serializable(package="oracle_lambda")(affine)

X = np.random.default_rng(0).random((6, 3)).astype("float32")


def _keras_model(function, **kwargs):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    hidden = keras.layers.Lambda(function, name="fn", **kwargs)(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(hidden))


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_tinykeras_file_with_a_registered_function_loads_in_keras(tmp_path, ext):
    tk.utils.set_random_seed(0)
    inputs = tk.Input((3,))
    hidden = tk.layers.Lambda(affine, arguments={"factor": 3.0}, name="fn")(inputs)
    model = tk.Model(inputs, tk.layers.Dense(2, name="out")(hidden))
    model.save(tmp_path / f"tk{ext}")
    loaded = keras.saving.load_model(tmp_path / f"tk{ext}")  # Keras's own safe mode
    assert loaded.get_layer("fn").function is affine
    np.testing.assert_allclose(np.asarray(loaded.predict(X, verbose=0)),
                               model.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


def test_keras_file_with_a_registered_function_loads_in_tinykeras(tmp_path):
    model = _keras_model(affine, arguments={"factor": np.array([1.0, 2.0, 3.0], "float32")})
    model.save(tmp_path / "k.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "k.keras").read("config.json"))
    lam = next(c for c in config["config"]["layers"] if c["class_name"] == "Lambda")["config"]
    assert lam["function"]["config"] == "oracle_lambda>affine"  # what our loader reads
    loaded = tk.saving.load_model(tmp_path / "k.keras")
    assert loaded.get_layer("fn").function is affine
    np.testing.assert_allclose(loaded.predict(X, verbose=0),
                               np.asarray(model.predict(X, verbose=0)), rtol=1e-6, atol=1e-6)


def test_keras_file_with_an_unregistered_function_needs_custom_objects(tmp_path):
    def plus_one(x):
        return x + 1.0

    model = _keras_model(plus_one, output_shape=(3,))
    model.save(tmp_path / "k.keras")
    with pytest.raises(FileFormatError, match=r"unknown function 'plus_one'.*custom_objects"):
        tk.saving.load_model(tmp_path / "k.keras")
    loaded = tk.saving.load_model(tmp_path / "k.keras", custom_objects={"plus_one": plus_one})
    np.testing.assert_allclose(loaded.predict(X, verbose=0),
                               np.asarray(model.predict(X, verbose=0)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("safe_mode", [True, False])
def test_keras_lambda_expression_is_refused_and_never_unmarshalled(tmp_path, monkeypatch,
                                                                   safe_mode):
    model = _keras_model(lambda t: t * 2.0)
    model.save(tmp_path / "k.keras")
    calls = []
    real_loads = marshal.loads
    monkeypatch.setattr(marshal, "loads", lambda *a: calls.append(a) or real_loads(*a))
    with pytest.raises(FileFormatError, match="(?s)stores its `function` as Python bytecode"
                       ".*register_keras_serializable"):
        tk.saving.load_model(tmp_path / "k.keras", safe_mode=safe_mode)
    assert calls == []
    # Keras itself refuses the file in safe mode too: tinykeras only never offers the opt-out.
    with pytest.raises(Exception, match="(?i)lambda|safe_mode|deserializ"):
        keras.saving.load_model(tmp_path / "k.keras")


def test_keras_h5_with_a_registered_function_loads_in_tinykeras(tmp_path):
    model = _keras_model(affine)
    model.save(tmp_path / "k.h5")
    loaded = tk.saving.load_model(tmp_path / "k.h5")
    np.testing.assert_allclose(loaded.predict(X, verbose=0),
                               np.asarray(model.predict(X, verbose=0)), rtol=1e-6, atol=1e-6)
