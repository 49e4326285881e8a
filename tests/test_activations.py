"""Activations: values, finite-difference gradients, stability and lookup by name."""

import math
import warnings

import numpy as np
import pytest

from tinykeras import activations
from tinykeras.autodiff import Tensor
from tinykeras.layers import Dense
from tinykeras.utils.gradient_check import check_gradients

X = np.linspace(-4.0, 4.0, 17).reshape(1, -1) + 0.013  # avoids the kinks at exactly 0, 6, +-3


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805
REFERENCE = {
    "linear": lambda x: x,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * (np.exp(x) - 1)),
    "gelu": _gelu,
    "silu": lambda x: x / (1 + np.exp(-x)),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "exponential": np.exp,
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_matches_its_formula(name):
    out = activations.get(name)(X)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.numpy(), REFERENCE[name](X.astype(np.float32)), rtol=2e-6,
                               atol=1e-6, err_msg=f"forward pass of {name}")


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_gradient_matches_finite_differences(name):
    weights = np.random.default_rng(1).standard_normal(X.shape)
    (err,) = check_gradients(lambda x: activations.get(name)(x) * weights, X)
    assert err < 1e-6, f"backward pass of {name}: relative error {err:.2e}"


def test_gelu_approximate_and_relu_options():
    x = X.astype(np.float64)
    approx = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(activations.gelu(x, approximate=True).numpy(), approx, rtol=1e-12)
    np.testing.assert_allclose(activations.relu(x, max_value=2.0).numpy(), np.clip(x, 0, 2))
    np.testing.assert_allclose(activations.relu(x, threshold=1.0).numpy(), np.where(x > 1, x, 0))
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.1).numpy(),
                               np.where(x > 0, x, 0.1 * x))
    # Keras: x>threshold passes, below it the slope applies to (x - threshold).
    np.testing.assert_allclose(
        activations.relu(x, negative_slope=0.1, threshold=1.0, max_value=3.0).numpy(),
        np.clip(np.where(x > 1, x, 0), 0, 3) - 0.1 * np.maximum(1.0 - x, 0))
    for kw in ({"approximate": True}, {}):
        (err,) = check_gradients(lambda t, kw=kw: activations.gelu(t, **kw), X)
        assert err < 1e-6
    (err,) = check_gradients(
        lambda t: activations.relu(t, negative_slope=0.1, threshold=0.5, max_value=2.0), X)
    assert err < 1e-6


@pytest.mark.parametrize("name", sorted(REFERENCE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_is_finite_and_silent_at_extreme_inputs(name, dtype):
    x = np.array([[-1e4, -100.0, -20.0, 20.0, 88.0]], dtype=dtype)
    if name == "exponential":
        x = x[:, :4]  # exp(88) overflows float32 by definition
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activations.get(name)(x).numpy()
    assert out.dtype == dtype
    assert np.all(np.isfinite(out)), f"{name} gave {out}"


def test_sigmoid_saturates_to_exact_limits():
    out = activations.sigmoid(np.array([-1e4, 0.0, 1e4], dtype=np.float32)).numpy()
    assert out[0] < 1e-37 and out[1] == 0.5 and out[2] == 1.0


def test_get_accepts_none_name_or_callable_and_explains_failures():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get(np.tanh) is np.tanh
    with pytest.raises(ValueError, match="Could not interpret activation identifier: 'sigmod'"):
        activations.get("sigmod")
    with pytest.raises(ValueError, match="Could not interpret activation identifier"):
        activations.get(3)


def test_layer_activation_is_the_module_function():
    # Course tests compare with `==` against tensorflow.keras.activations.sigmoid.
    assert Dense(1, activation="sigmoid").activation is activations.sigmoid
    assert Dense(1).activation is activations.linear
    assert activations.serialize(Dense(1, activation="relu").activation) == "relu"
    assert activations.serialize(None) == "linear"


def test_sigmoid_and_softmax_remember_their_logits():
    x = np.array([[1.0, 2.0]], dtype=np.float32)
    assert activations.sigmoid(x)._keras_logits is not None
    assert activations.softmax(x)._keras_logits is not None
    assert activations.softmax(x, axis=0)._keras_logits is None
