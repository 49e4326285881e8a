"""Saving and loading: .keras, .weights.h5, legacy .h5, JSON; Keras's layout; resuming."""

import json
import zipfile

import h5py  # noqa: E402 - in the `test` extra: missing must fail, not skip
import numpy as np
import pytest

import tinykeras as tk
from tinykeras import layers

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "linear", "elu", "selu", "gelu", "swish",
               "softplus"]
OPTIMIZERS = ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam"]
LOSSES = ["binary_crossentropy", "mse", "mae", "huber", "log_cosh", "poisson"]


def _data(n=24, d=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, :1] + 0.3 * x[:, 1:2] > 0).astype("float32")
    return x, y


def _model(activation="relu", name="net", **dense_kwargs):
    return tk.Sequential([layers.Input((5,)),
                          layers.Dense(4, activation=activation, name="hidden", **dense_kwargs),
                          layers.Dense(1, activation="sigmoid", name="out")], name=name)


@pytest.fixture(autouse=True)
def _seeded():
    tk.utils.set_random_seed(7)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_model_round_trip_predicts_the_same(tmp_path, suffix, activation):
    x, y = _data()
    model = _model(activation)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / f"m{suffix}"
    model.save(path)
    loaded = tk.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [la.name for la in loaded.layers] == ["hidden", "out"]
    assert loaded.name == "net"
    assert int(loaded.optimizer.iterations.numpy()) == 6


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("loss", LOSSES)
def test_training_continues_identically_after_reload(tmp_path, optimizer, loss):
    x, y = _data()
    model = _model("tanh")
    model.compile(optimizer=optimizer, loss=loss)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "m.keras")
    loaded = tk.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b, err_msg=f"{optimizer}/{loss}: weights diverged")


def test_resume_is_bit_identical_to_one_long_fit(tmp_path):
    """10 epochs + save + load + 10 epochs == 20 epochs (shuffling RNG, slots, iterations)."""
    x, y = _data(60)

    def fresh():
        tk.utils.set_random_seed(123)
        m = _model("relu", name="r")
        m.compile(optimizer=tk.optimizers.Adam(0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
        return m

    straight = fresh()
    straight.fit(x, y, epochs=20, batch_size=16, verbose=0)
    first = fresh()
    first.fit(x, y, epochs=10, batch_size=16, verbose=0)
    first.save(tmp_path / "half.keras")
    tk.utils.set_random_seed(999)  # a new process would not be where the first one stopped
    resumed = tk.models.load_model(tmp_path / "half.keras")
    history = resumed.fit(x, y, epochs=10, batch_size=16, verbose=0)
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(resumed.optimizer.iterations.numpy()) == 80
    assert np.isfinite(history.history["loss"]).all()


def test_resume_after_h5_and_weights_files_keeps_the_optimizer(tmp_path):
    x, y = _data()
    model = _model()
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    model.save(tmp_path / "m.h5")
    loaded = tk.models.load_model(tmp_path / "m.h5")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_zip_layout(tmp_path):
    model = tk.Sequential([layers.Input((5,)), layers.Dense(3, name="a"),
                           layers.Activation("relu", name="act"), layers.Dense(2, name="b")],
                          name="lay")
    model.compile(optimizer="adam", loss="mse")
    x, y = _data(8)
    model.fit(x, np.hstack([y, y]), verbose=0)  # one target per output (2)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        config = json.loads(zf.read("config.json"))
        metadata = json.loads(zf.read("metadata.json"))
        weights = zf.read("model.weights.h5")
    assert metadata["keras_version"].startswith("3.")
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["build_config"] == {"input_shape": [None, 5]}
    dense = config["config"]["layers"][1]
    assert dense["module"] == "keras.layers" and dense["registered_name"] is None
    assert dense["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert dense["build_config"] == {"input_shape": [None, 5]}
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    import io

    with h5py.File(io.BytesIO(weights), "r") as f:
        assert f["layers/dense/vars/0"].shape == (5, 3)
        assert f["layers/dense/vars"].attrs["name"] == "a"
        assert f["layers/dense_1/vars/0"].shape == (3, 2)  # numbered per class, not by name
        assert len(f["layers/activation/vars"]) == 0
        assert f["optimizer/vars/0"][()] == 1  # iterations
        assert f["optimizer/vars"].attrs["name"] == model.optimizer.name
        assert len(f["optimizer/vars"]) == 2 + 2 * 4  # iterations, lr, m and v per variable
        assert f["vars"].attrs["name"] == "lay"
        assert f["layers/dense/vars/0"].dtype == np.float32


def test_save_leaves_no_temporary_files_and_replaces_the_old_file(tmp_path):
    model = _model()
    model.save(tmp_path / "m.keras")
    first = (tmp_path / "m.keras").read_bytes()
    model.layers[0].kernel.assign(np.zeros((5, 4)))
    model.save(tmp_path / "m.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]
    assert (tmp_path / "m.keras").read_bytes() != first


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch, suffix):
    """A failure while writing (injected into the rename) leaves the old file loadable."""
    import os

    model = _model()
    path = tmp_path / f"m{suffix}"
    saver = model.save_weights if suffix == ".weights.h5" else model.save
    saver(path)
    before = path.read_bytes()
    model.layers[0].kernel.assign(np.ones((5, 4)))

    def crash(*args):
        raise OSError("disk full (injected)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="injected"):
        saver(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    restored = _model()
    restored.load_weights(path)
    assert not np.any(restored.layers[0].kernel.numpy() == 1)


def test_failed_save_inside_the_writer_keeps_the_previous_file(tmp_path, monkeypatch):
    from tinykeras.saving import weights_h5

    model = _model()
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()

    def crash(*args):
        raise RuntimeError("crash in the middle of writing weights (injected)")

    monkeypatch.setattr(weights_h5, "write_weights", crash)
    with pytest.raises(RuntimeError, match="injected"):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def test_save_refuses_bad_extensions_and_overwrite_false(tmp_path):
    model = _model()
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        model.save(tmp_path / "m.pkl")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "m.npz")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(tmp_path / "m.keras", overwrite=False)


def test_load_weights_by_name_and_skip_mismatch(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.h5")
    other = tk.Sequential([layers.Input((5,)), layers.Dense(4, name="hidden"),
                           layers.Dense(2, name="out")])
    with pytest.warns(UserWarning, match="Skipped"):
        other.load_weights(tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].kernel.numpy(),
                                  model.layers[0].kernel.numpy())
    with pytest.raises(ValueError, match=r"shape \(4, 1\).*shape \(4, 2\)"):
        other.load_weights(tmp_path / "w.h5")


def test_load_weights_checks_everything_before_assigning(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = tk.Sequential([layers.Input((5,)), layers.Dense(4, name="hidden"),
                           layers.Dense(3, name="out")])
    before = other.get_weights()
    with pytest.raises(ValueError, match="layers/dense_1/vars/0"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)  # the first layer was not half-loaded


def test_uncompiled_and_unbuilt_models(tmp_path):
    model = tk.Sequential([layers.Dense(3, name="d")], name="lazy")
    model.save(tmp_path / "lazy.keras")
    loaded = tk.models.load_model(tmp_path / "lazy.keras")
    assert not loaded.built and not loaded.compiled
    built = _model()
    built.save(tmp_path / "b.keras")
    loaded = tk.models.load_model(tmp_path / "b.keras")
    assert not loaded.compiled
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), built.predict(x, verbose=0))


def test_compiled_before_fit_restores_learning_rate_and_builds_slots_later(tmp_path):
    model = _model()
    model.compile(optimizer=tk.optimizers.SGD(0.05, momentum=0.9), loss="mse",
                  metrics=["mae", tk.metrics.RootMeanSquaredError()])
    model.save(tmp_path / "m.keras")
    loaded = tk.models.load_model(tmp_path / "m.keras")
    assert float(loaded.optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert loaded.optimizer.momentum == 0.9
    x, y = _data()
    a = model.fit(x, y, epochs=1, verbose=0, shuffle=False).history
    b = loaded.fit(x, y, epochs=1, verbose=0, shuffle=False).history
    assert a == b


def test_learning_rate_schedule_round_trips(tmp_path):
    schedule = tk.optimizers.schedules.ExponentialDecay(0.1, decay_steps=3, decay_rate=0.5)
    model = _model()
    model.compile(optimizer=tk.optimizers.Adam(schedule), loss="mse")
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / "m.keras")
    loaded = tk.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer._learning_rate).__name__ == "ExponentialDecay"
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_float64_models_round_trip(tmp_path):
    tk.config.set_floatx("float64")
    try:
        model = _model()
        x, _ = _data()
        model.save(tmp_path / "m.keras")
        loaded = tk.models.load_model(tmp_path / "m.keras")
        assert loaded.layers[0].kernel.value.dtype == np.float64
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    finally:
        tk.config.set_floatx("float32")


def test_nested_sequential_uses_keras_paths(tmp_path):
    inner = tk.Sequential([layers.Dense(3, name="i1"), layers.Dense(2, name="i2")], name="inner")
    model = tk.Sequential([layers.Input((5,)), inner, layers.Dense(1, name="top")], name="outer")
    model.save(tmp_path / "n.keras")
    with zipfile.ZipFile(tmp_path / "n.keras") as zf:
        import io

        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert f["layers/sequential/layers/dense/vars/0"].shape == (5, 3)
            assert f["layers/sequential/layers/dense_1/vars/0"].shape == (3, 2)
            assert f["layers/dense/vars/0"].shape == (2, 1)
    loaded = tk.models.load_model(tmp_path / "n.keras")
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_json_round_trip_compiles_and_keeps_the_config():
    model = _model(kernel_regularizer=tk.regularizers.L1L2(0.01, 0.02),
                   kernel_constraint=tk.constraints.MaxNorm(3.0),
                   kernel_initializer=tk.initializers.HeNormal(seed=3))
    model.compile(optimizer=tk.optimizers.RMSprop(0.002, momentum=0.5), loss="huber",
                  metrics=["accuracy"])
    text = model.to_json()
    rebuilt = tk.models.model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    assert rebuilt.compiled and isinstance(rebuilt.optimizer, tk.optimizers.RMSprop)
    assert rebuilt.optimizer.momentum == 0.5
    assert json.loads(rebuilt.to_json()) == json.loads(text)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_functional_model_with_merges_normalization_and_leaky_relu(tmp_path, suffix):
    x, y = _data()
    inp = tk.Input((5,), name="features")
    norm = layers.Normalization(name="norm")
    norm.adapt(x)
    h = norm(inp)
    a = layers.Dense(4, name="a")(h)
    b = layers.LeakyReLU(negative_slope=0.2, name="leaky")(layers.Dense(4, name="b")(h))
    merged = layers.Concatenate(name="cat")([layers.Add(name="add")([a, b]), a])
    out = layers.Dense(1, activation="sigmoid", name="out")(merged)
    model = tk.Model(inp, out, name="graph")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / f"g{suffix}")
    loaded = tk.models.load_model(tmp_path / f"g{suffix}")
    assert type(loaded).__name__ == "Functional"
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(loaded.get_layer("norm").adapt_mean.numpy(),
                                  norm.adapt_mean.numpy())
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)


def test_functional_weights_use_keras_paths(tmp_path):
    import io

    inp = tk.Input((3,))
    out = layers.Dense(2, name="d2")(layers.Dense(4, name="d1")(inp))
    tk.Model(inp, out).save(tmp_path / "f.keras")
    with zipfile.ZipFile(tmp_path / "f.keras") as zf:
        config = json.loads(zf.read("config.json"))
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert "layers/input_layer/vars" in f  # Functional.layers lists its InputLayer
            assert f["layers/dense/vars/0"].shape == (3, 4)
            assert f["layers/dense_1/vars/0"].shape == (4, 2)
    assert config["class_name"] == "Functional"
    assert config["module"] == "keras.src.models.functional"  # what Keras 3 writes


def test_tf_keras_213_keras_files_with_layer_checkpoint_dependencies(tmp_path):
    """tf.keras 2.13-2.15 wrote `.keras` weights under `_layer_checkpoint_dependencies`."""
    import io

    model = _model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "a") as f:
        f.move("layers", "_layer_checkpoint_dependencies")
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(tmp_path / "tf213.keras", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    loaded = tk.models.load_model(tmp_path / "tf213.keras")
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def _all_layers_model(lib):
    """Every trainable/stateful layer kind that issue 9 added, in one Sequential stack."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((6,)), L.Rescaling(0.5, offset=0.1), L.Dense(8, name="d1"),
        L.BatchNormalization(momentum=0.9), L.PReLU(), L.Dropout(0.2, seed=3),
        L.Dense(8, name="d2"), L.LayerNormalization(), L.ReLU(max_value=6.0),
        L.GaussianNoise(0.1, seed=1), L.Reshape((2, 4)), L.Flatten(), L.ELU(alpha=0.7),
        L.UnitNormalization(), L.Dense(3, name="d3"), L.Softmax()], name="every")


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_every_new_layer_saves_loads_and_trains_on(tmp_path, suffix):
    x, _ = _data(32, 6)
    y = np.eye(3, dtype="float32")[np.arange(32) % 3]
    model = _all_layers_model(tk)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / f"e{suffix}")
    loaded = tk.models.load_model(tmp_path / f"e{suffix}")
    assert [type(la).__name__ for la in loaded.layers] == [
        type(la).__name__ for la in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(model.weights, loaded.weights):  # BatchNorm's moving stats included
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    tk.utils.set_random_seed(5)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    tk.utils.set_random_seed(5)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_embedding_models_round_trip(tmp_path):
    model = tk.Sequential([tk.Input((3,), dtype="int32"), layers.Embedding(10, 4),
                           layers.Flatten(), layers.Dense(1)])
    model.save(tmp_path / "emb.keras")
    loaded = tk.models.load_model(tmp_path / "emb.keras")
    x = np.array([[1, 2, 3], [9, 0, 4]])
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unsavable_configs_fail_before_writing(tmp_path):
    model = _model()
    model.compile(optimizer=tk.optimizers.Adam(lambda: 0.01), loss="mse")
    for name in ("m.keras", "m.h5"):
        with pytest.raises(ValueError, match="learning_rate is a Python function"):
            model.save(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@tk.saving.register_keras_serializable("tests")
class _TwoLayer(tk.Model):
    """A subclassed model: its layers are attributes."""

    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.d1 = layers.Dense(hidden, activation="relu")
        self.d2 = layers.Dense(1)

    def call(self, x, training=False):
        return self.d2(self.d1(x))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_subclassed_model_saves_under_attribute_names(tmp_path):
    import io

    x, y = _data()
    model = _TwoLayer(hidden=3, name="two")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, verbose=0, shuffle=False)
    model.save(tmp_path / "s.keras")
    with zipfile.ZipFile(tmp_path / "s.keras") as zf:
        with h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
            assert f["d1/vars/0"].shape == (5, 3) and f["d2/vars/0"].shape == (3, 1)
    loaded = tk.models.load_model(tmp_path / "s.keras")
    assert isinstance(loaded, _TwoLayer) and loaded.hidden == 3
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_30_dtype_strings_and_newer_keys_load(tmp_path):
    """Keras 3.0-3.3 wrote each layer's dtype as "float32"; 3.15 adds shared_object_id,
    quantization_config and InputLayer's optional. Both spellings load."""
    model = _model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        if isinstance(layer["config"].get("dtype"), dict):
            layer["config"]["dtype"] = "float32"
        else:
            layer["config"]["optional"] = False
        layer["config"]["quantization_config"] = None
    config["config"]["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                                 "config": {"name": "float32"}, "registered_name": None,
                                 "shared_object_id": 12345}
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "old.keras", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here matters: no warning
        loaded = tk.models.load_model(tmp_path / "old.keras")
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("compile_kwargs", [
    {"loss": ["mse", tk.losses.BinaryCrossentropy()], "loss_weights": [1.0, 0.5],
     "metrics": {"out_a": ["mae"], "out_b": ["accuracy", tk.metrics.AUC(name="auc")]}},
    {"loss": {"out_a": "mse", "out_b": "binary_crossentropy"},
     "loss_weights": {"out_a": 1.0, "out_b": 0.5}, "metrics": [["mae"], None]},
], ids=["lists", "dicts"])
def test_a_model_compiled_per_output_saves_and_loads_compiled(tmp_path, compile_kwargs):
    # The per-output losses and metrics were written with the single-loss code: TypeError.
    i = tk.Input((5,))
    h = tk.layers.Dense(6, activation="relu")(i)
    model = tk.Model(i, [tk.layers.Dense(1, name="out_a")(h),
                         tk.layers.Dense(1, activation="sigmoid", name="out_b")(h)])
    model.compile(optimizer="adam", **compile_kwargs)
    x = np.random.default_rng(0).normal(size=(16, 5)).astype("float32")
    y = [x[:, :1], (x[:, 1:2] > 0).astype("float32")]
    model.fit(x, y, verbose=0)
    path = str(tmp_path / "two.keras")
    model.save(path)
    loaded = tk.models.load_model(path)
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(
        x, y, verbose=0, return_dict=True)
    config = loaded.get_compile_config()
    assert type(config["loss"]) is type(compile_kwargs["loss"])
    assert type(config["metrics"]) is type(compile_kwargs["metrics"])


@pytest.mark.parametrize("loss", ["mse", "mean_squared_error", "mae", "binary_crossentropy",
                                  "MeanSquaredError"])
def test_a_loss_compiled_by_name_keeps_its_name_after_loading(tmp_path, loss):
    # Keras 3 keeps the string given to compile (model.loss == "mse" after load_model of a
    # .keras file); a legacy .h5 file gives the function, as Keras's legacy loader does.
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(1)])
    model.compile(optimizer="adam", loss=loss)
    model.save(tmp_path / "m.keras")
    loaded = tk.models.load_model(tmp_path / "m.keras")
    assert loaded.loss == loss
    x, y = np.ones((4, 3), "float32"), np.ones((4, 1), "float32")
    assert np.isclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0))
    if loss != "MeanSquaredError":
        model.save(tmp_path / "m.h5")
        assert callable(tk.models.load_model(tmp_path / "m.h5").loss)


def test_a_loss_object_or_function_comes_back_as_one(tmp_path):
    for loss in (tk.losses.MeanSquaredError(), tk.losses.BinaryCrossentropy(from_logits=True),
                 tk.losses.mean_squared_error):
        model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(1)])
        model.compile(optimizer="adam", loss=loss)
        model.save(tmp_path / "m.keras")
        loaded = tk.models.load_model(tmp_path / "m.keras").loss
        assert type(loaded) is type(loss)
        assert getattr(loaded, "from_logits", None) == getattr(loss, "from_logits", None)
