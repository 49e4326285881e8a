"""Loss gradients with respect to every weight of a 3-layer network, against Keras's gradients
taken with PyTorch's autograd."""

import keras
import numpy as np
import pytest
from harness import build_pair, compare, keras_gradients, ours_gradients

import tinykeras as tk

N, N_IN, WIDTH = 16, 5, 3


def _labels(kind, dtype, r):
    if kind == "binary":
        return r.integers(0, 2, (N, WIDTH)).astype(dtype)
    if kind == "onehot":
        return np.eye(WIDTH, dtype=dtype)[r.integers(0, WIDTH, N)]
    if kind == "sparse":
        return r.integers(0, WIDTH, N)
    if kind == "real":
        return r.normal(size=(N, WIDTH)).astype(dtype)
    if kind == "away_from_zero":
        return (r.choice([-1, 1], (N, WIDTH)) * r.uniform(0.5, 2, (N, WIDTH))).astype(dtype)
    if kind == "positive":
        return r.uniform(0, 3, (N, WIDTH)).astype(dtype)
    if kind == "signed":
        return r.choice([-1.0, 1.0], (N, WIDTH)).astype(dtype)
    if kind == "distribution":
        y = r.uniform(0.01, 1, (N, WIDTH))
        return (y / y.sum(-1, keepdims=True)).astype(dtype)
    raise ValueError(kind)


# name -> (loss class, options, output activation, label kind)
CASES = {
    "BinaryCrossentropy": ("BinaryCrossentropy", {}, "sigmoid", "binary"),
    "BinaryCrossentropy(from_logits=True)": (
        "BinaryCrossentropy", {"from_logits": True}, None, "binary"),
    "BinaryCrossentropy(label_smoothing=0.2)": (
        "BinaryCrossentropy", {"label_smoothing": 0.2}, "sigmoid", "binary"),
    "CategoricalCrossentropy": ("CategoricalCrossentropy", {}, "softmax", "onehot"),
    "CategoricalCrossentropy(from_logits=True)": (
        "CategoricalCrossentropy", {"from_logits": True}, None, "onehot"),
    "CategoricalCrossentropy(label_smoothing=0.3)": (
        "CategoricalCrossentropy", {"label_smoothing": 0.3}, "softmax", "onehot"),
    "SparseCategoricalCrossentropy": ("SparseCategoricalCrossentropy", {}, "softmax", "sparse"),
    "SparseCategoricalCrossentropy(from_logits=True)": (
        "SparseCategoricalCrossentropy", {"from_logits": True}, None, "sparse"),
    "SparseCategoricalCrossentropy(ignore_class=0)": (
        "SparseCategoricalCrossentropy", {"ignore_class": 0}, "softmax", "sparse"),
    "MeanSquaredError": ("MeanSquaredError", {}, None, "real"),
    "MeanAbsoluteError": ("MeanAbsoluteError", {}, None, "real"),
    "MeanAbsolutePercentageError": ("MeanAbsolutePercentageError", {}, None, "away_from_zero"),
    "MeanSquaredLogarithmicError": ("MeanSquaredLogarithmicError", {}, "softplus", "positive"),
    "Huber": ("Huber", {"delta": 0.5}, None, "real"),
    "LogCosh": ("LogCosh", {}, None, "real"),
    "Hinge": ("Hinge", {}, "tanh", "signed"),
    "KLDivergence": ("KLDivergence", {}, "softmax", "distribution"),
    "Poisson": ("Poisson", {}, "exponential", "positive"),
}
NAMES = ["dense_0 kernel", "dense_0 bias", "dense_1 kernel", "dense_1 bias", "dense_2 kernel",
         "dense_2 bias"]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_gradients_match_keras_autograd(name, weighted, floatx):
    class_name, options, activation, kind = CASES[name]
    r = np.random.default_rng(5)
    ours, theirs = build_pair(N_IN, [(8, "tanh"), (6, "relu"), (WIDTH, activation)])
    x = r.normal(size=(N, N_IN)).astype(floatx)
    y = _labels(kind, floatx, r)
    sw = r.uniform(0, 2, N).astype(floatx) if weighted else None
    loss_a, grads_a = ours_gradients(ours, getattr(tk.losses, class_name)(**options), x, y, sw)
    loss_b, grads_b = keras_gradients(theirs, getattr(keras.losses, class_name)(**options),
                                      x, y, sw)
    item = f"{name}, 3-layer network ({'weighted' if weighted else 'unweighted'})"
    compare(loss_a, loss_b, section="gradients", item=item, where="loss value", dtype=floatx)
    assert len(grads_a) == len(grads_b) == 6
    for i, (a, b) in enumerate(zip(grads_a, grads_b)):
        assert a.dtype == np.dtype(floatx), f"{item}: gradient {i} has dtype {a.dtype}"
        compare(a, b, section="gradients", item=item,
                where=f"backward pass tensor {i} ({NAMES[i]})", dtype=floatx)


@pytest.mark.parametrize("activation", sorted(tk.activations.ALL_OBJECTS))
def test_dense_gradients_match_keras_for_each_activation(activation, floatx):
    r = np.random.default_rng(8)
    ours, theirs = build_pair(N_IN, [(4, activation)])
    x = r.normal(size=(N, N_IN)).astype(floatx)
    y = r.normal(size=(N, 4)).astype(floatx)
    _, grads_a = ours_gradients(ours, tk.losses.MeanSquaredError(), x, y)
    _, grads_b = keras_gradients(theirs, keras.losses.MeanSquaredError(), x, y)
    for i, (a, b) in enumerate(zip(grads_a, grads_b)):
        compare(a, b, section="gradients", item=f"Dense(4, {activation!r}) under MSE",
                where=f"backward pass tensor {i} ({NAMES[i]})", dtype=floatx)
