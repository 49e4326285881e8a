"""Legacy HDF5 files of Keras 2 / tf.keras, built with h5py from the documented layout
(reference/keras-facts.md 1.4), load and predict like a forward pass done by hand."""

import json

import h5py  # noqa: E402 - in the `test` extra: a missing h5py must fail, not skip
import numpy as np
import pytest

import tinykeras as tk

RNG = np.random.default_rng(3)
W = [RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(3,)).astype("float32"),
     RNG.normal(size=(3, 1)).astype("float32"), RNG.normal(size=(1,)).astype("float32")]
X = RNG.normal(size=(6, 4)).astype("float32")


def by_hand(x):
    """relu(x W0 + b0) -> sigmoid(. W2 + b2), computed in float64."""
    h = np.maximum(x.astype("float64") @ W[0] + W[1], 0)
    return 1 / (1 + np.exp(-(h @ W[2] + W[3])))


def _dense_v2(name, units, activation, extra=None):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    config.update(extra or {})
    return {"class_name": "Dense", "config": config}


def _write_layers(group, names, weights_by_layer, version, as_bytes=False):
    enc = (lambda s: np.bytes_(s)) if as_bytes else (lambda s: s.encode())
    group.attrs["layer_names"] = np.array([enc(n) for n in names], dtype="S")
    group.attrs["backend"] = enc("tensorflow")
    group.attrs["keras_version"] = enc(version)
    for name in names:
        sub = group.create_group(name)
        arrays = weights_by_layer.get(name, [])
        wnames = [f"{name}/kernel:0", f"{name}/bias:0"][:len(arrays)]
        sub.attrs["weight_names"] = np.array([w.encode() for w in wnames], dtype="S")
        for wname, arr in zip(wnames, arrays):
            sub.create_dataset(wname, data=arr)


def write_tf2_model(path, version="2.12.0", with_training=True):
    """A tf.keras 2.4-2.15 ``model.save('m.h5')`` file: InputLayer with batch_input_shape."""
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4],
                                                "dtype": "float32", "sparse": False,
                                                "ragged": False, "name": "dense_input"}},
        _dense_v2("dense", 3, "relu"), _dense_v2("dense_1", 1, "sigmoid")]}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        if with_training:
            f.attrs["training_config"] = json.dumps({
                "loss": "binary_crossentropy",
                "metrics": [[{"class_name": "MeanMetricWrapper",
                              "config": {"name": "accuracy", "dtype": "float32",
                                         "fn": "binary_accuracy"}}]],
                "weighted_metrics": None, "loss_weights": None,
                "optimizer_config": {"class_name": "Custom>Adam", "config": {
                    "name": "Adam", "weight_decay": None, "clipnorm": None,
                    "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                    "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": True,
                    "is_legacy_optimizer": False, "learning_rate": 0.0020000000949949026,
                    "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}})
        _write_layers(f.create_group("model_weights"), ["dense_input", "dense", "dense_1"],
                      {"dense": W[:2], "dense_1": W[2:]}, version)
        if with_training:
            opt = f.create_group("optimizer_weights")
            opt.attrs["weight_names"] = np.array([b"iteration:0"], dtype="S")
            opt.create_dataset("iteration:0", data=np.int64(12))


def write_keras224_model(path):
    """A Keras 2.2.4-tf file: no InputLayer (batch_input_shape on the first Dense), old
    initializer spellings, attributes as bytes, no training config."""
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        _dense_v2("dense_1", 3, "relu", {
            "batch_input_shape": [None, 4],
            "kernel_initializer": {"class_name": "VarianceScaling", "config": {
                "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}}),
        _dense_v2("dense_2", 1, "sigmoid")]}}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = np.bytes_(b"2.2.4-tf")
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["model_config"] = np.bytes_(json.dumps(config).encode())
        _write_layers(f.create_group("model_weights"), ["dense_1", "dense_2"],
                      {"dense_1": W[:2], "dense_2": W[2:]}, "2.2.4-tf", as_bytes=True)


def write_keras21_model(path):
    """A Keras 2.1 file: the Sequential config is a bare list, Adam has ``lr`` and ``decay``."""
    layers = [_dense_v2("dense_1", 3, "relu", {"batch_input_shape": [None, 4]}),
              _dense_v2("dense_2", 1, "sigmoid")]
    for la in layers:
        la["config"].pop("dtype")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.1.6"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential",
                                              "config": layers}).encode()
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": {"class_name": "Adam", "config": {
                "lr": 0.003, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0, "epsilon": 1e-07,
                "amsgrad": False}},
            "loss": "binary_crossentropy", "metrics": ["accuracy"], "sample_weight_mode": None,
            "loss_weights": None}).encode()
        _write_layers(f.create_group("model_weights"), ["dense_1", "dense_2"],
                      {"dense_1": W[:2], "dense_2": W[2:]}, "2.1.6")


def write_weights_only(path, version="2.12.0"):
    """A tf.keras 2 ``model.save_weights('w.h5')`` file: the layers at the root."""
    with h5py.File(path, "w") as f:
        _write_layers(f, ["dense", "dense_1"], {"dense": W[:2], "dense_1": W[2:]}, version)


def test_tf2_full_model_file_loads_compiled(tmp_path):
    write_tf2_model(tmp_path / "m.h5")
    with pytest.warns(UserWarning, match="optimizer starts fresh"):
        model = tk.models.load_model(tmp_path / "m.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)
    assert isinstance(model.optimizer, tk.optimizers.Adam)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.002)
    assert model.get_layer("dense").activation is tk.activations.relu
    y = (X[:, :1] > 0).astype("float32")
    logs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert set(logs) == {"accuracy", "loss"}
    model.fit(X, y, epochs=1, verbose=0)  # trains on


def test_tf2_file_without_training_config_warns_and_loads_uncompiled(tmp_path):
    write_tf2_model(tmp_path / "m.h5", with_training=False)
    with pytest.warns(UserWarning, match="No training configuration"):
        model = tk.models.load_model(tmp_path / "m.h5")
    assert not model.compiled
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)


def test_keras_224_tf_file_with_batch_input_shape_on_the_first_layer(tmp_path):
    write_keras224_model(tmp_path / "old.h5")
    model = tk.models.load_model(tmp_path / "old.h5", compile=False)
    assert model.input.shape.as_list() == [None, 4]
    assert isinstance(model.layers[0].kernel_initializer, tk.initializers.VarianceScaling)
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)


def test_keras_21_file_with_a_bare_layer_list_and_lr(tmp_path):
    write_keras21_model(tmp_path / "old.h5")
    model = tk.models.load_model(tmp_path / "old.h5")  # no optimizer_weights: no warning
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.003)


def test_weights_only_file_loads_into_a_model_built_in_code(tmp_path):
    write_weights_only(tmp_path / "w.h5")
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(3, activation="relu"),
                           tk.layers.Dense(1, activation="sigmoid")])
    model.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)
    with pytest.raises(ValueError, match="holds weights only"):
        tk.models.load_model(tmp_path / "w.h5")


def test_full_model_file_also_serves_load_weights(tmp_path):
    write_tf2_model(tmp_path / "m.h5")
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(3, activation="relu", name="a"),
                           tk.layers.Dense(1, activation="sigmoid", name="b")])
    model.load_weights(tmp_path / "m.h5")
    np.testing.assert_allclose(model.predict(X, verbose=0), by_hand(X), rtol=1e-5)


def test_our_legacy_writer_round_trips_with_long_name_lists(tmp_path):
    """Name lists over HDF5's 64 KB header limit are split into layer_names0, 1... ."""
    layers = [tk.layers.Dense(2, name=f"layer_with_a_long_name_{i:05d}" + "x" * 40)
              for i in range(700)]
    model = tk.Sequential([tk.Input((2,))] + layers)
    model.save(tmp_path / "big.h5")
    with h5py.File(tmp_path / "big.h5", "r") as f:
        assert "layer_names0" in f["model_weights"].attrs
    loaded = tk.models.load_model(tmp_path / "big.h5", compile=False)
    x = np.ones((1, 2), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
