"""ONNX export: onnxruntime runs the exported file and predicts what tinykeras predicts."""

import numpy as np
import onnxruntime as ort  # noqa: E402
import pytest

import tinykeras as tk
from tinykeras import layers

ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "elu", "selu",
               "softplus", "softsign", "exponential", "hard_sigmoid", "relu6", "swish", "gelu",
               "mish", "leaky_relu"]


def _run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"inputs": x})[0]


def _x(n=7, d=5, dtype="float32"):
    return np.random.default_rng(0).normal(size=(n, d)).astype(dtype)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_activation_exports_match(tmp_path, activation):
    tk.utils.set_random_seed(1)
    model = tk.Sequential([tk.Input((5,)), layers.Dense(6, activation=activation),
                           layers.Activation(activation), layers.Dense(3, use_bias=False)])
    model.export(tmp_path / "m.onnx", format="onnx")
    x = _x()
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", x), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_functional_graph_with_every_exportable_layer(tmp_path):
    tk.utils.set_random_seed(2)
    x = _x(20)
    inp = tk.Input((5,))
    norm = layers.Normalization()
    norm.adapt(x)
    h = norm(inp)
    a = layers.Dense(4, activation="relu")(h)
    b = layers.LeakyReLU(negative_slope=0.1)(layers.Dense(4)(h))
    merged = [layers.Add()([a, b]), layers.Subtract()([a, b]), layers.Multiply()([a, b]),
              layers.Average()([a, b]), layers.Maximum()([a, b]), layers.Minimum()([a, b])]
    merged += [layers.Dot(axes=1)([a, b]), layers.Dot(axes=-1, normalize=True)([a, b])]
    cat = layers.Concatenate()(merged)
    inv = layers.Normalization(mean=[0.5] * 26, variance=[4.0] * 26, invert=True)(cat)
    out = layers.Dense(2, activation="softmax")(inv)
    model = tk.Model(inp, out)
    proto = tk.export.to_onnx(model, tmp_path / "g.onnx")
    assert proto.graph.input[0].name == "inputs"
    np.testing.assert_allclose(_run(tmp_path / "g.onnx", x), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_nested_sequential_and_dynamic_batch(tmp_path):
    inner = tk.Sequential([layers.Dense(3, activation="tanh")])
    model = tk.Sequential([tk.Input((5,)), inner, layers.Dense(1, activation="sigmoid")])
    model.export(tmp_path / "n.onnx")
    for n in (1, 64):
        x = _x(n)
        np.testing.assert_allclose(_run(tmp_path / "n.onnx", x), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-6)


def test_float64_models_export_as_double(tmp_path):
    tk.config.set_floatx("float64")
    try:
        model = tk.Sequential([tk.Input((5,)), layers.Dense(4, activation="relu"),
                               layers.Dense(2, activation="softmax")])
        model.export(tmp_path / "d.onnx")
        x = _x(dtype="float64")
        np.testing.assert_allclose(_run(tmp_path / "d.onnx", x), model.predict(x, verbose=0),
                                   rtol=1e-12)
    finally:
        tk.config.set_floatx("float32")


def test_unexportable_layers_are_named(tmp_path):
    inp = tk.Input((3,))
    model = tk.Model(inp, layers.Lambda(lambda t: t * 2, name="double")(inp))
    with pytest.raises(ValueError, match="'double' \\(Lambda\\) cannot be exported"):
        model.export(tmp_path / "l.onnx")
    assert not (tmp_path / "l.onnx").exists()
    with pytest.raises(ValueError, match="format='onnx'"):
        model.export(tmp_path / "l.pb", format="tf_saved_model")


def test_every_new_layer_exports(tmp_path):
    """Rescaling, BatchNormalization (moving statistics), PReLU, noise layers (identity at
    inference), LayerNormalization, ReLU options, Reshape, Flatten, ELU, UnitNormalization,
    Softmax: onnxruntime predicts what tinykeras predicts."""
    L = layers
    tk.utils.set_random_seed(3)
    model = tk.Sequential([
        tk.Input((6,)), L.Rescaling(0.5, offset=0.1), L.Dense(8, use_bias=False),
        L.BatchNormalization(momentum=0.5), L.PReLU(alpha_initializer="ones"),
        L.Dropout(0.3), L.AlphaDropout(0.1), L.GaussianDropout(0.1), L.GaussianNoise(0.2),
        L.Dense(8), L.LayerNormalization(), L.ReLU(max_value=1.5, negative_slope=0.1,
                                                   threshold=0.2),
        L.Reshape((2, 4)), L.Flatten(), L.ELU(alpha=0.7), L.UnitNormalization(),
        L.Dense(3), L.Softmax()])
    x = _x(32, 6)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, np.eye(3, dtype="float32")[np.arange(32) % 3], epochs=2, verbose=0)
    model.export(tmp_path / "e.onnx")
    np.testing.assert_allclose(_run(tmp_path / "e.onnx", x), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("options", [{}, {"max_value": 6.0}, {"negative_slope": 0.2},
                                     {"threshold": 0.3}, {"negative_slope": 0.1,
                                                          "threshold": 0.2, "max_value": 2.0}])
def test_relu_layer_options_export(tmp_path, options):
    model = tk.Sequential([tk.Input((5,)), layers.Dense(6), layers.ReLU(**options)])
    model.export(tmp_path / "r.onnx")
    x = _x() * 3
    np.testing.assert_allclose(_run(tmp_path / "r.onnx", x), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_embedding_models_export_with_integer_inputs(tmp_path):
    model = tk.Sequential([tk.Input((3,), dtype="int32"), layers.Embedding(10, 4),
                           layers.Flatten(), layers.Dense(2)])
    model.export(tmp_path / "emb.onnx")
    x = np.array([[1, 2, 3], [9, 0, 4]], dtype="int32")
    np.testing.assert_allclose(_run(tmp_path / "emb.onnx", x), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
