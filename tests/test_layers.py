"""Layers: building, weights, configs, input checks and Keras-style errors."""

import numpy as np
import pytest

from tinykeras import activations, initializers, layers, regularizers
from tinykeras.autodiff import GradientTape, Tensor
from tinykeras.layers import Activation, Dense, Input, InputLayer
from tinykeras.utils.gradient_check import check_gradients


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape,
                   expected_num_trainable_weights, expected_num_non_trainable_weights=0):
    """Build a layer, check its output shape, weight counts and get_config round trip."""
    layer = layer_cls(**init_kwargs)
    out = layer(np.random.default_rng(0).standard_normal(input_shape).astype("float32"))
    assert tuple(out.shape) == expected_output_shape, "output shape"
    assert len(layer.trainable_weights) == expected_num_trainable_weights, "trainable weights"
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, "get_config round trip"
    return layer


@pytest.mark.parametrize("kwargs,weights", [
    ({"units": 3}, 2),
    ({"units": 3, "use_bias": False}, 1),
    ({"units": 4, "activation": "relu", "kernel_initializer": "he_normal"}, 2),
    ({"units": 2, "activation": "softmax", "kernel_regularizer": regularizers.L2(0.1)}, 2),
])
def test_dense_layer_contract(kwargs, weights):
    run_layer_test(Dense, kwargs, (5, 7), (5, kwargs["units"]), weights)


def test_activation_layer_contract():
    layer = run_layer_test(Activation, {"activation": "tanh"}, (2, 3), (2, 3), 0)
    assert layer.activation is activations.tanh


def test_dense_builds_lazily_with_keras_shapes_and_names():
    layer = Dense(25, activation="sigmoid", name="layer1")
    assert layer.get_weights() == [] and not layer.built
    layer(np.zeros((2, 400)))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (400, 25) and bias.shape == (25,)
    assert kernel.dtype == np.float32 and not bias.any()
    assert [w.path for w in layer.weights] == ["layer1/kernel", "layer1/bias"]
    limit = np.sqrt(6 / (400 + 25))
    assert np.abs(kernel).max() <= limit  # Glorot uniform
    assert layer.count_params() == 400 * 25 + 25


def test_dense_forward_and_gradients_match_finite_differences():
    from tinykeras import config

    config.set_floatx("float64")
    layer = Dense(3, activation="tanh")
    x = np.random.default_rng(1).standard_normal((4, 5))
    layer(x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(x @ kernel + bias), rtol=1e-12)

    # Check dL/dx, dL/dkernel and dL/dbias through the layer itself.
    for i, err in enumerate(check_gradients(
            lambda xt, k, b: Dense.call(_with(layer, k, b), xt), x, kernel, bias)):
        assert err < 1e-6, f"backward pass tensor {i}: {err:.2e}"


def _with(layer, kernel, bias):
    clone = Dense(layer.units, activation=layer.activation)
    clone.kernel, clone.bias = kernel, bias
    return clone


def test_dense_auto_names_count_up():
    assert [Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]


def test_wrong_feature_count_gives_keras_message():
    layer = Dense(25, name="layer1")
    layer(np.zeros((1, 400)))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'layer1' is incompatible with the "
                       r"layer: expected axis -1 of input shape to have value 400, but received "
                       r"input with shape \(32, 300\)"):
        layer(np.zeros((32, 300)))


@pytest.mark.parametrize("units", [0, -3, 2.5, "4", None, True])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match=r"expected a positive integer. Received: units="):
        Dense(units)


def test_unknown_keyword_and_activation_are_refused():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        Dense(3, activaton="relu")
    with pytest.raises(ValueError, match="Could not interpret activation identifier"):
        Dense(3, activation="sigmoidd")


def test_non_numeric_input_is_refused():
    with pytest.raises(ValueError, match="expects numeric input"):
        Dense(2)(np.array([["a", "b"]]))


def test_set_weights_checks_count_and_shapes_and_casts():
    layer = Dense(1, name="L1")
    layer(np.zeros((1, 1)))
    layer.set_weights([np.array([[200]]), np.array([100])])  # integers, as in the course lab
    w, b = layer.get_weights()
    assert w.dtype == np.float32 and w[0, 0] == 200.0 and b[0] == 100.0
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights([np.ones((1, 1))])
    with pytest.raises(ValueError, match=r"weight shape \(1, 1\) is not compatible with provided "
                       r"weight shape \(2, 1\)"):
        layer.set_weights([np.ones((2, 1)), np.ones(1)])
    assert layer.get_weights()[0][0, 0] == 200.0  # the failed call changed nothing


def test_layer_call_returns_tensor_with_numpy():
    out = Dense(1, kernel_initializer="ones")(np.array([[1.0, 2.0]]))
    assert isinstance(out, Tensor) and out.numpy().tolist() == [[3.0]]


def test_input_and_input_layer():
    t = Input(shape=(400,))
    assert t.shape.as_list() == [None, 400] and t.dtype == "float32"
    assert Input(shape=14).shape.as_list() == [None, 14]  # Keras 2 accepted a bare int
    layer = InputLayer((3,))
    assert layer.batch_shape == (None, 3)
    assert InputLayer.from_config({"batch_input_shape": [None, 5], "dtype": "float32",
                                   "name": "x", "ragged": False}).batch_shape == (None, 5)
    with pytest.raises(ValueError, match="shape"):
        InputLayer()


def test_symbolic_call_gives_output_shape():
    layer = Dense(25)
    out = layer(Input(shape=(400,)))
    assert out.shape.as_list() == [None, 25] and layer.output.shape.as_list() == [None, 25]
    assert layer.kernel.shape == (400, 25)


def test_regularizer_penalty_is_in_layer_losses_and_differentiable():
    layer = Dense(2, kernel_regularizer=regularizers.l2(0.1), kernel_initializer="ones")
    layer(np.zeros((1, 3)))
    (penalty,) = layer.losses
    assert float(penalty) == pytest.approx(0.1 * 6)
    with GradientTape() as tape:
        total = layer.losses[0]
    np.testing.assert_allclose(tape.gradient(total, layer.kernel).numpy(), np.full((3, 2), 0.2))


def test_dense_config_has_keras_keys_in_keras_order():
    config = Dense(25, activation="sigmoid", name="layer1").get_config()
    assert list(config) == ["name", "trainable", "dtype", "units", "activation", "use_bias",
                            "kernel_initializer", "bias_initializer", "kernel_regularizer",
                            "bias_regularizer", "kernel_constraint", "bias_constraint"]
    assert config["activation"] == "sigmoid"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["dtype"]["config"]["name"] == "float32"
    assert isinstance(Dense.from_config(config).kernel_initializer, initializers.GlorotUniform)


def test_layers_get_is_an_allow_list():
    assert layers.get("Dense") is Dense
    with pytest.raises(ValueError, match="Unknown layer class 'os.system'"):
        layers.get("os.system")


def test_float64_policy_reaches_weights_and_outputs():
    from tinykeras import config

    config.set_floatx("float64")
    layer = Dense(2)
    out = layer(np.ones((1, 3), dtype=np.float32))
    assert layer.kernel.dtype == "float64" and out.dtype == "float64"
