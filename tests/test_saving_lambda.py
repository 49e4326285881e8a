"""Lambda layers in model files: functions saved and loaded by name, never as code.

Keras 3 stores a lambda expression as marshalled bytecode and runs it on load when
``safe_mode=False``; tinykeras never runs code from a file. A named function is written as
Keras 3.15 writes it (``{"module": "builtins", "class_name": "function", "config": name}``) and
found again among registered functions, ``custom_objects`` or tinykeras's activations.
"""

import json
import marshal
import zipfile

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import layers
from tinykeras.saving import FileFormatError, register_keras_serializable


@register_keras_serializable(package="lambda_tests")
def scaled(x, factor=2.0):
    """A registered function of tinykeras ops."""
    return x * factor


def shifted(x):
    """An unregistered module-level function: loadable only through custom_objects."""
    return x + 1.0


def keep_shape(input_shape):
    return input_shape


def _model(fn=scaled, **kwargs):
    tk.utils.set_random_seed(0)
    inputs = tk.Input((3,))
    hidden = layers.Lambda(fn, name="fn", **kwargs)(inputs)
    model = tk.Model(inputs, layers.Dense(2, name="out")(hidden))
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.default_rng(0).random((16, 3)), np.zeros((16, 2)), epochs=1, verbose=0)
    return model


def _lambda_config(path):
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    return next(c["config"] for c in config["config"]["layers"] if c["class_name"] == "Lambda")


@pytest.mark.parametrize("ext", [".keras", ".h5"])
def test_a_registered_function_round_trips_by_name(tmp_path, ext):
    model = _model(arguments={"factor": 3.0})
    path = tmp_path / f"m{ext}"
    model.save(path)
    loaded = tk.saving.load_model(path)
    x = np.random.default_rng(1).random((5, 3))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    lam = loaded.get_layer("fn")
    assert lam.function is scaled and lam.arguments == {"factor": 3.0}
    loaded.fit(x, np.zeros((5, 2)), epochs=1, verbose=0)  # trains on after loading


def test_the_config_is_what_keras_3_writes(tmp_path):
    model = _model(arguments={"factor": np.array([1.0, 2.0, 3.0], "float32")},
                   output_shape=keep_shape)
    model.save(tmp_path / "m.keras", )
    config = _lambda_config(tmp_path / "m.keras")
    assert config["function"] == {"module": "builtins", "class_name": "function",
                                  "config": "lambda_tests>scaled", "registered_name": "function"}
    assert config["output_shape"]["config"] == "keep_shape"
    assert config["arguments"] == {"factor": {"class_name": "__numpy__", "config": {
        "value": [1.0, 2.0, 3.0], "dtype": "float32"}}}
    loaded = tk.saving.load_model(tmp_path / "m.keras", custom_objects={"keep_shape": keep_shape})
    factor = loaded.get_layer("fn").arguments["factor"]
    assert factor.dtype == np.float32 and factor.tolist() == [1.0, 2.0, 3.0]
    assert loaded.get_layer("fn").compute_output_shape((None, 3)) == (None, 3)


def test_an_unregistered_function_needs_custom_objects(tmp_path):
    model = _model(shifted, output_shape=(3,))
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileFormatError, match=r"unknown function 'shifted'.*"
                       r"custom_objects=\{'shifted': shifted\}"):
        tk.saving.load_model(tmp_path / "m.keras")
    loaded = tk.saving.load_model(tmp_path / "m.keras", custom_objects={"shifted": shifted})
    x = np.ones((2, 3))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with tk.saving.custom_object_scope({"shifted": shifted}):
        assert tk.saving.load_model(tmp_path / "m.keras").get_layer("fn").function is shifted


def test_tinykeras_activations_load_without_registering(tmp_path):
    model = _model(tk.activations.tanh)
    model.save(tmp_path / "m.keras")
    assert _lambda_config(tmp_path / "m.keras")["function"]["config"] == "tanh"
    assert tk.saving.load_model(tmp_path / "m.keras").get_layer("fn").function is (
        tk.activations.tanh)


def test_a_lambda_expression_is_refused_at_save_time_with_the_fix(tmp_path):
    model = _model(lambda t: t * 2)
    with pytest.raises(NotImplementedError, match=r"(?s)lambda expression.*register_keras_"
                       r"serializable.*custom_objects"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(NotImplementedError, match="lambda expression"):
        model.to_json()
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file
    with pytest.raises(NotImplementedError, match="`output_shape` is a lambda expression"):
        _model(output_shape=lambda s: s).save(tmp_path / "m.keras")


def test_arguments_that_json_cannot_hold_are_refused():
    layer = layers.Lambda(scaled, arguments={"factor": object()})
    with pytest.raises(NotImplementedError, match="argument 'factor' is object"):
        layer.get_config()


def _file_with_lambda(tmp_path, function, **extra):
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {
        "name": "s", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 2], "name": "i"}},
            {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
             "config": {"name": "lam", "function": function, "arguments": {}, **extra}}]}}
    return json.dumps(config)


def test_bytecode_is_refused_and_never_unmarshalled(tmp_path, monkeypatch):
    def trap(*args):
        raise AssertionError("bytecode was unmarshalled")

    monkeypatch.setattr(marshal, "loads", trap)
    code = {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAAD",
                                                   "defaults": None, "closure": None}}
    with pytest.raises(FileFormatError, match="stores its `function` as Python bytecode.*"
                       "whatever safe_mode says"):
        tk.models.model_from_json(_file_with_lambda(tmp_path, code))
    with pytest.raises(FileFormatError, match="stores its `output_shape` as Python bytecode"):
        tk.models.model_from_json(_file_with_lambda(
            tmp_path, {"class_name": "function", "config": "relu"}, output_shape=code))
    # Keras 2 (tf.keras .h5): the bytecode as a list beside "function_type": "lambda".
    with pytest.raises(FileFormatError, match="bytecode"):
        tk.models.model_from_json(_file_with_lambda(
            tmp_path, ["4wEAAAAAAAAAAAAAAAEAAAAD", None, None], function_type="lambda",
            module="__main__"))


def test_keras2_named_function_config_loads_by_name(tmp_path):
    model = tk.models.model_from_json(_file_with_lambda(
        tmp_path, "scaled", function_type="function", module="__main__",
        output_shape=None, output_shape_type="raw", output_shape_module=None),
        custom_objects={"scaled": scaled})
    assert model.get_layer("lam").function is scaled


@pytest.mark.parametrize("name", ["eval", "exec", "__import__", "os.system", "getattr"])
def test_a_function_name_is_looked_up_never_imported(tmp_path, name):
    with pytest.raises(FileFormatError, match=f"unknown function '{name}'"):
        tk.models.model_from_json(_file_with_lambda(
            tmp_path, {"module": "builtins", "class_name": "function", "config": name}))


def test_a_numpy_argument_of_object_dtype_is_refused(tmp_path):
    function = {"class_name": "function", "config": "relu"}
    with pytest.raises(FileFormatError, match="not numeric"):
        tk.models.model_from_json(_file_with_lambda(tmp_path, function, arguments={
            "a": {"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}}}))


def test_tf_functions_on_symbolic_tensors_save_and_load_by_name(tmp_path):
    """The content-based recommender's tf.linalg.l2_normalize (and a reduction) on functional
    outputs: Lambda layers that name TensorFlow's function and keep the other arguments."""
    import tinykeras as tf

    tf.utils.set_random_seed(0)
    user, item = tf.keras.Input((4,)), tf.keras.Input((5,))
    vu = tf.linalg.l2_normalize(layers.Dense(3)(user), axis=1)
    vm = tf.nn.l2_normalize(layers.Dense(3)(item), 1)  # positional axis
    total = tf.reduce_sum(vm, axis=1, keepdims=True)
    model = tf.keras.Model([user, item], layers.Add()([layers.Dot(axes=1)([vu, vm]), total]))
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    x = [rng.random((8, 4)), rng.random((8, 5))]
    model.fit(x, rng.random((8, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "rec.keras")
    saved = [(c["config"]["function"]["config"], c["config"]["arguments"]) for c in json.loads(
        zipfile.ZipFile(tmp_path / "rec.keras").read("config.json"))["config"]["layers"]
        if c["class_name"] == "Lambda"]
    assert saved == [("tf.nn.l2_normalize", {"axis": 1}), ("tf.nn.l2_normalize", {"axis": 1}),
                     ("tf.math.reduce_sum", {"axis": 1, "keepdims": True})]
    loaded = tf.keras.models.load_model(tmp_path / "rec.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
