"""The checks the course's graded tests make, in our own words, on models built as the course
builds them (with ``import tinykeras as tf`` in place of TensorFlow)."""

import numpy as np
import pytest

import tinykeras as tf
from tinykeras.activations import linear, relu, sigmoid
from tinykeras.layers import Dense, InputLayer
from tinykeras.losses import SparseCategoricalCrossentropy
from tinykeras.models import Sequential
from tinykeras.optimizers import Adam


def _check_model(model, units, activations, input_size):
    assert len(model.layers) == len(units)
    assert model.input.shape.as_list() == [None, input_size]
    for layer, n, act in zip(model.layers, units, activations):
        assert type(layer) == Dense  # noqa: E721 - the course compares exact types
        assert layer.output.shape.as_list() == [None, n]
        assert layer.activation == act


def test_binary_digits_network_week1():
    model = Sequential([
        tf.keras.Input(shape=(400,)),
        Dense(25, activation="sigmoid"), Dense(15, activation="sigmoid"),
        Dense(1, activation="sigmoid")], name="my_model")
    _check_model(model, [25, 15, 1], [sigmoid] * 3, 400)
    [layer1, layer2, layer3] = model.layers
    W1, b1 = layer1.get_weights()
    assert W1.shape == (400, 25) and b1.shape == (25,) and not b1.any()
    text = repr(model.layers[2].weights)
    assert "<tf.Variable 'dense_2/kernel:0' shape=(15, 1) dtype=float32, numpy=" in text
    assert "<tf.Variable 'dense_2/bias:0' shape=(1,) dtype=float32, numpy=" in text


def test_ten_class_network_week2_build_is_a_no_op_after_fit():
    model = Sequential([InputLayer((400,)), Dense(25, activation="relu"),
                        Dense(15, activation="relu"), Dense(10, activation="linear")])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.001))
    x = np.random.default_rng(0).random((64, 400))
    y = np.random.default_rng(1).integers(0, 10, size=(64, 1)).astype(np.uint8)
    history = model.fit(x, y, epochs=2, verbose=0)
    weights = model.get_weights()
    model.build(input_shape=(None, 400))
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    _check_model(model, [25, 15, 10], [relu, relu, linear], 400)
    assert len(history.history["loss"]) == 2
    assert repr(history).startswith("<tinykeras.callbacks")


def test_week3_models_regularizer_loss_optimizer_checks_under_float64():
    tf.keras.backend.set_floatx("float64")
    model_r = Sequential([
        Dense(120, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.1)),
        Dense(40, activation="relu", kernel_regularizer=tf.keras.regularizers.l2(0.1)),
        Dense(6, activation="linear")], name="ComplexRegularized")
    model_r.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                    optimizer=tf.keras.optimizers.Adam(lr=0.01))
    X = np.random.default_rng(2).normal(size=(40, 2))
    y = np.random.default_rng(3).integers(0, 6, size=40)
    model_r.fit(X, y, epochs=3, verbose=0)
    model_r.build(input_shape=(None, 2))
    _check_model(model_r, [120, 40, 6], [relu, relu, linear], 2)
    for layer in model_r.layers[:2]:
        assert type(layer.kernel_regularizer) == tf.keras.regularizers.l2  # noqa: E721
        assert np.isclose(layer.kernel_regularizer.l2, 0.1)
    assert model_r.layers[2].kernel_regularizer is None
    assert type(model_r.loss) == SparseCategoricalCrossentropy  # noqa: E721
    assert type(model_r.optimizer) == Adam  # noqa: E721
    assert np.isclose(model_r.optimizer.learning_rate.numpy(), 0.01, atol=1e-8)
    assert model_r.loss.get_config()["from_logits"]
    # set_floatx('float64') makes every later weight, prediction and loss float64.
    assert all(w.dtype == "float64" for w in model_r.weights)
    assert model_r.predict(X[:3]).dtype == np.float64
    assert model_r(X[:3]).dtype == "float64"
    probs = tf.nn.softmax(model_r.predict(X[:3])).numpy()
    assert probs.dtype == np.float64 and np.allclose(probs.sum(axis=1), 1.0)
    assert isinstance(model_r.evaluate(X, y, verbose=0), float)


def test_lab01_layer_alone_set_weights_casts_and_input_dim():
    linear_layer = Dense(units=1, activation="linear")
    assert linear_layer.get_weights() == []
    a1 = linear_layer(np.array([[1.0]]).reshape(1, 1))
    assert a1.shape.as_list() == [1, 1] and repr(a1).startswith("tf.Tensor([[")
    linear_layer.set_weights([np.array([[200]]), np.array([100])])
    w, b = linear_layer.get_weights()
    assert w.dtype == np.float32 and b.dtype == np.float32
    assert float(linear_layer(np.array([[1.0]]))) == 300.0
    model = Sequential([Dense(1, input_dim=1, activation="sigmoid", name="L1")])
    lines = []
    model.summary(print_fn=lines.append)
    assert any("L1 (Dense)" in line and "(None, 1)" in line and line.rstrip(" │").endswith("2")
               for line in lines)
    logistic_layer = model.get_layer("L1")
    logistic_layer.set_weights([np.array([[2]]), np.array([-4.5])])
    assert model.predict(np.array([[3.0]]))[0, 0] == pytest.approx(1 / (1 + np.exp(-1.5)))


def test_predictions_serve_numpy_idioms():
    model = Sequential([tf.keras.Input(shape=(2,)), Dense(3, activation="relu"),
                        Dense(1, activation="sigmoid")])
    p = model.predict(np.array([[0.5, -0.2]]))
    assert p.dtype == np.float32 and p.shape == (1, 1)
    assert int(p[0, 0] >= 0.5) in (0, 1) and bool(p[0] >= 0.0)
    out = model(np.ones((4, 2)))
    assert np.argmax(out, axis=1).shape == (4,)
    assert out.numpy().shape == (4, 1)
    assert (np.asarray(out) >= 0.5).astype(int).shape == (4, 1)


def test_tower_without_input_gets_outputs_when_called_on_a_functional_input():
    tower = Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                        Dense(32)])
    tower(tf.keras.layers.Input(shape=(14)))
    _check_model(tower, [256, 128, 32], [relu, relu, linear], 14)


def test_lunar_lander_style_network_and_optimizer():
    q_network = Sequential([tf.keras.Input(shape=(8,)), Dense(64, activation="relu"),
                            Dense(64, activation="relu"), Dense(4, activation="linear")])
    _check_model(q_network, [64, 64, 4], [relu, relu, linear], 8)
    optimizer = Adam(learning_rate=1e-3)
    assert type(optimizer) == Adam  # noqa: E721
    assert np.isclose(optimizer.learning_rate.numpy(), 1e-3)
