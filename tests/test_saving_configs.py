"""get_config/from_config for every layer, loss, optimizer, initializer, regularizer,
constraint and metric; custom objects and the allow-list."""

import inspect
import json

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import constraints, initializers, layers, losses, metrics, optimizers, regularizers
from tinykeras.saving import FileFormatError, register_keras_serializable
from tinykeras.saving.config import layer_table


def _builtin(module, base):
    return sorted({obj for name, obj in vars(module).items() if inspect.isclass(obj)
                   and issubclass(obj, base) and obj is not base and not name.startswith("_")},
                  key=lambda c: c.__name__)


def _roundtrip(obj, serialize, deserialize):
    config = json.loads(json.dumps(serialize(obj)))  # JSON-clean
    again = deserialize(config)
    assert type(again) is type(obj)
    assert again.get_config() == obj.get_config()
    return again


@pytest.mark.parametrize("cls", sorted(set(initializers.ALL_OBJECTS_DICT.values()),
                                        key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_every_initializer_round_trips(cls):
    if cls is initializers.Constant:
        obj = cls(0.5)
    else:
        obj = cls()
    again = _roundtrip(obj, initializers.serialize, initializers.deserialize)
    if "seed" in obj.get_config():
        seeded = cls(seed=4) if cls is not initializers.Constant else obj
        again = _roundtrip(seeded, initializers.serialize, initializers.deserialize)
        shape = (3, 3)
        np.testing.assert_array_equal(again(shape), seeded(shape))


@pytest.mark.parametrize("obj", [regularizers.L1(0.3), regularizers.L2(0.2),
                                 regularizers.L1L2(0.1, 0.4),
                                 regularizers.OrthogonalRegularizer(0.2, mode="columns")],
                         ids=lambda o: type(o).__name__)
def test_every_regularizer_round_trips(obj):
    _roundtrip(obj, regularizers.serialize, regularizers.deserialize)


@pytest.mark.parametrize("obj", [constraints.MaxNorm(1.5, axis=1), constraints.NonNeg(),
                                 constraints.UnitNorm(axis=0),
                                 constraints.MinMaxNorm(0.5, 2.0, rate=0.7)],
                         ids=lambda o: type(o).__name__)
def test_every_constraint_round_trips_and_constrains(obj):
    again = _roundtrip(obj, constraints.serialize, constraints.deserialize)
    w = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_array_equal(again(w), obj(w))


def test_constraint_formulas():
    w = np.array([[3.0, 0.1], [4.0, -0.1]])
    np.testing.assert_allclose(constraints.MaxNorm(1.0)(w)[:, 0], [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(constraints.MaxNorm(1.0)(w)[:, 1], w[:, 1], rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(constraints.UnitNorm()(w), axis=0), 1, rtol=1e-6)
    assert (constraints.NonNeg()(w) >= 0).all()
    norms = np.linalg.norm(constraints.MinMaxNorm(0.5, 1.0)(w), axis=0)
    np.testing.assert_allclose(norms, [1.0, 0.5], rtol=1e-5)


def test_dense_constraint_is_applied_during_fit_and_saved(tmp_path):
    model = tk.Sequential([layers.Input((3,)),
                           layers.Dense(2, kernel_constraint="non_neg", name="d")])
    model.compile(optimizer=tk.optimizers.SGD(1.0), loss="mse")
    x = np.ones((4, 3), "float32")
    model.fit(x, -10 * np.ones((4, 2), "float32"), epochs=2, verbose=0)
    assert (model.layers[0].kernel.numpy() >= 0).all()
    model.save(tmp_path / "c.keras")
    loaded = tk.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.layers[0].kernel_constraint, constraints.NonNeg)


# LossFunctionWrapper wraps a Python function: it is saved as the function's name.
@pytest.mark.parametrize("cls", [c for c in _builtin(losses, losses.Loss)
                                 if c is not losses.LossFunctionWrapper],
                         ids=lambda c: c.__name__)
def test_every_loss_round_trips(cls):
    _roundtrip(cls(), losses.serialize, losses.deserialize)


@pytest.mark.parametrize("name", sorted(optimizers.ALL_OBJECTS_DICT))
def test_every_optimizer_round_trips(name):
    opt = optimizers.get(name)
    again = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(opt))))
    assert type(again) is type(opt)
    config, again_config = opt.get_config(), again.get_config()
    assert config == again_config


def _metric_instances():
    out = []
    for cls in _builtin(metrics, metrics.Metric):
        if cls in (metrics.MeanMetricWrapper,):
            continue
        out.append(cls())
    return out


@pytest.mark.parametrize("obj", _metric_instances(), ids=lambda o: type(o).__name__)
def test_every_metric_round_trips(obj):
    _roundtrip(obj, metrics.serialize, metrics.deserialize)


def _layer_instances():
    """One configured instance of every built-in layer class (new layers plug in here)."""
    special = {
        "Dense": lambda: layers.Dense(3, activation="tanh", use_bias=False,
                                      kernel_regularizer="l2", bias_constraint="non_neg",
                                      activity_regularizer=regularizers.L1(0.1)),
        "Activation": lambda: layers.Activation("softplus"),
        "InputLayer": lambda: layers.InputLayer(shape=(4,)),
        "Dot": lambda: layers.Dot(axes=1, normalize=True),
        "Concatenate": lambda: layers.Concatenate(axis=1),
        "Normalization": lambda: layers.Normalization(mean=[1.0, 2.0], variance=[3.0, 4.0]),
        "LeakyReLU": lambda: layers.LeakyReLU(negative_slope=0.2),
        # A function is saved by name only (tests/test_saving_lambda.py); an activation needs
        # no registering.
        "Lambda": lambda: layers.Lambda(tk.activations.softplus, output_shape=(4,)),
        "Dropout": lambda: layers.Dropout(0.3, noise_shape=(None, 1), seed=4),
        "AlphaDropout": lambda: layers.AlphaDropout(0.1, seed=2),
        "GaussianDropout": lambda: layers.GaussianDropout(0.2),
        "GaussianNoise": lambda: layers.GaussianNoise(0.5, seed=1),
        "BatchNormalization": lambda: layers.BatchNormalization(
            axis=1, momentum=0.9, center=False, gamma_regularizer="l2",
            gamma_constraint="unit_norm"),
        "LayerNormalization": lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-5),
        "UnitNormalization": lambda: layers.UnitNormalization(axis=[1]),
        "Reshape": lambda: layers.Reshape((2, -1)),
        "Rescaling": lambda: layers.Rescaling(1 / 255, offset=-0.5),
        "ReLU": lambda: layers.ReLU(max_value=6.0, negative_slope=0.1, threshold=0.5),
        "ELU": lambda: layers.ELU(alpha=0.5),
        "PReLU": lambda: layers.PReLU(alpha_initializer="ones", shared_axes=[1]),
        "Embedding": lambda: layers.Embedding(10, 4, embeddings_regularizer="l1"),
        "CategoryEncoding": lambda: layers.CategoryEncoding(5, output_mode="count"),
    }
    out = []
    for name, cls in sorted(layer_table().items()):
        if name in special:
            if special[name] is not None:
                out.append(special[name]())
            continue
        if issubclass(cls, tk.Model) or name in ("Layer",):
            continue
        try:
            out.append(cls())
        except TypeError:
            pytest.fail(f"layer class {name} needs a constructor recipe in _layer_instances")
    return out


@pytest.mark.parametrize("layer", _layer_instances(), ids=lambda la: type(la).__name__)
def test_every_layer_round_trips_through_serialize(layer):
    config = json.loads(json.dumps(layers.serialize(layer)))
    again = layers.deserialize(config)
    assert type(again) is type(layer)
    assert again.get_config() == layer.get_config()


def test_layer_table_holds_only_layer_classes():
    for name, cls in layer_table().items():
        assert issubclass(cls, tk.Layer), name


# -- custom objects --------------------------------------------------------------------------------
@register_keras_serializable(package="tests")
class Scale(tk.Layer):
    """A custom layer with one weight."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_registered_custom_layer_saves_and_loads(tmp_path):
    model = tk.Sequential([layers.Input((3,)), Scale(3.0, name="s"), layers.Dense(1, name="d")])
    model.layers[0].w.assign(np.array([1.0, 2.0, 3.0]))
    model.save(tmp_path / "c.keras")
    with __import__("zipfile").ZipFile(tmp_path / "c.keras") as zf:
        layer_cfg = json.loads(zf.read("config.json"))["config"]["layers"][1]
    assert layer_cfg["registered_name"] == "tests>Scale"
    loaded = tk.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[0].factor == 3.0
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_custom_class_needs_custom_objects(tmp_path):
    class Twice(tk.Layer):
        def call(self, x):
            return x * 2

    model = tk.Sequential([layers.Input((3,)), Twice(name="t")])
    model.save(tmp_path / "t.keras")
    with pytest.raises(FileFormatError, match="Unknown layer class 'Twice'.*custom_objects"):
        tk.models.load_model(tmp_path / "t.keras")
    loaded = tk.models.load_model(tmp_path / "t.keras", custom_objects={"Twice": Twice})
    assert isinstance(loaded.layers[0], Twice)
    with tk.saving.custom_object_scope({"Twice": Twice}):
        assert isinstance(tk.models.load_model(tmp_path / "t.keras").layers[0], Twice)


def test_custom_loss_function_and_metric_by_custom_objects(tmp_path):
    def my_loss(y_true, y_pred):
        return tk.ops.mean(tk.ops.square(y_pred - y_true), axis=-1)

    model = tk.Sequential([layers.Input((2,)), layers.Dense(1, name="d")])
    model.compile(optimizer="sgd", loss=my_loss)
    model.save(tmp_path / "l.keras")
    with pytest.raises(FileFormatError, match="my_loss"):
        tk.models.load_model(tmp_path / "l.keras")
    loaded = tk.models.load_model(tmp_path / "l.keras", custom_objects={"my_loss": my_loss})
    assert loaded.loss is my_loss
    assert not tk.models.load_model(tmp_path / "l.keras", compile=False).compiled


def test_register_requires_get_config_and_refuses_name_clashes():
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable("x")(type("NoConfig", (), {}))

    @register_keras_serializable("clash", name="Thing")
    class A:
        def get_config(self):
            return {}

    with pytest.raises(ValueError, match="already been registered"):
        @register_keras_serializable("clash", name="Thing")
        class B:
            def get_config(self):
                return {}


def test_lambda_layers_are_refused_even_with_safe_mode_false(tmp_path):
    config = {"module": "keras", "class_name": "Sequential", "registered_name": None, "config": {
        "name": "s", "layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [None, 2], "name": "i"}},
            {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
             "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {
                 "code": "4wEAAAAAAAAAAAAAAAEAAAADAAAAQwAAAHMEAAAAfABTAKkBTqkAKQHa"}}}}]}}
    with pytest.raises(FileFormatError, match="stores its `function` as Python bytecode"):
        tk.models.model_from_json(json.dumps(config))


def test_lambda_layers_refuse_to_save(tmp_path):
    x = tk.Input((2,))
    model = tk.Model(x, layers.Lambda(lambda t: t * 2)(x))
    with pytest.raises(NotImplementedError, match="lambda expression"):
        model.save(tmp_path / "lam.keras")
    assert list(tmp_path.iterdir()) == []


def test_keras2_leaky_relu_alpha_loads_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = layers.deserialize({"class_name": "LeakyReLU",
                                    "config": {"name": "lr", "alpha": 0.1, "dtype": "float32"}})
    assert layer.negative_slope == pytest.approx(0.1)


def test_newer_keys_are_ignored_and_warn_only_when_they_matter():
    import warnings

    base = layers.serialize(layers.Dense(2, name="d"))
    base["config"].update({"quantization_config": None, "lora_rank": None})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layers.deserialize(base).units == 2
    base["config"]["lora_rank"] = 4
    with pytest.warns(UserWarning, match="lora_rank"):
        layers.deserialize(base)


@pytest.mark.parametrize("obj", [layers.Dense(2, name="g"), optimizers.Adam(0.2),
                                 losses.Huber(0.3), metrics.BinaryAccuracy(threshold=0.7),
                                 initializers.RandomNormal(stddev=0.2, seed=1),
                                 regularizers.L2(0.5), constraints.MaxNorm(1.5),
                                 optimizers.schedules.ExponentialDecay(0.1, 5, 0.5)],
                         ids=lambda o: type(o).__name__)
def test_generic_serialize_keras_object_round_trips(obj):
    config = json.loads(json.dumps(tk.saving.serialize_keras_object(obj)))
    again = tk.saving.deserialize_keras_object(config)
    assert type(again) is type(obj)
    assert again.get_config() == obj.get_config()
