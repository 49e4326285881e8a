"""Losses against Keras: every loss with each option, reduction, sample weight and label shape,
and the saturated regime (where our deliberate logits route is checked against the exact
formula instead)."""

import keras
import numpy as np
import pytest
from harness import compare

import tinykeras as tk

M = 8  # samples per batch


def loss_data(kind, dtype, width=3, seed=0):
    """Return ``(y_true, y_pred)`` of the kind a loss expects, as NumPy arrays."""
    r = np.random.default_rng(seed)
    shape = (M, width)
    if kind == "binary":
        y, p = r.integers(0, 2, shape), r.uniform(0.02, 0.98, shape)
    elif kind == "binary_soft":
        y, p = r.uniform(0, 1, shape), r.uniform(0.02, 0.98, shape)
    elif kind == "logits":
        y, p = r.integers(0, 2, shape), r.normal(0, 3, shape)
    elif kind in ("onehot", "onehot_unnormalized", "onehot_logits"):
        y = np.eye(width)[r.integers(0, width, M)]
        p = r.uniform(0.05, 1.0, shape)
        if kind == "onehot":
            p = p / p.sum(-1, keepdims=True)
        elif kind == "onehot_logits":
            p = r.normal(0, 3, shape)
    elif kind in ("sparse", "sparse_logits"):
        y = r.integers(0, width, M)
        p = r.uniform(0.05, 1.0, shape)
        p = p / p.sum(-1, keepdims=True) if kind == "sparse" else r.normal(0, 3, shape)
        return y, p.astype(dtype)
    elif kind == "real":
        y, p = r.normal(size=shape), r.normal(size=shape)
    elif kind == "away_from_zero":
        y = r.choice([-1, 1], shape) * r.uniform(0.5, 2.0, shape)
        p = r.normal(size=shape)
    elif kind == "positive":
        y, p = r.uniform(0, 3, shape), r.uniform(0.05, 3, shape)
    elif kind == "signed":
        y, p = r.choice([-1.0, 1.0], shape), r.normal(size=shape)
    elif kind == "distribution":
        y, p = r.uniform(0.01, 1, shape), r.uniform(0.01, 1, shape)
        y, p = y / y.sum(-1, keepdims=True), p / p.sum(-1, keepdims=True)
    else:
        raise ValueError(kind)
    return y.astype(dtype), p.astype(dtype)


# name -> (class name, constructor options, data kind)
LOSSES = {
    "BinaryCrossentropy": ("BinaryCrossentropy", {}, "binary"),
    "CategoricalCrossentropy": ("CategoricalCrossentropy", {}, "onehot"),
    "SparseCategoricalCrossentropy": ("SparseCategoricalCrossentropy", {}, "sparse"),
    "MeanSquaredError": ("MeanSquaredError", {}, "real"),
    "MeanAbsoluteError": ("MeanAbsoluteError", {}, "real"),
    "MeanAbsolutePercentageError": ("MeanAbsolutePercentageError", {}, "away_from_zero"),
    "MeanSquaredLogarithmicError": ("MeanSquaredLogarithmicError", {}, "positive"),
    "Huber": ("Huber", {}, "real"),
    "LogCosh": ("LogCosh", {}, "real"),
    "Hinge": ("Hinge", {}, "signed"),
    "KLDivergence": ("KLDivergence", {}, "distribution"),
    "Poisson": ("Poisson", {}, "positive"),
}
# The options beyond the defaults, one case each.
OPTIONS = {
    "BinaryCrossentropy(from_logits=True)": (
        "BinaryCrossentropy", {"from_logits": True}, "logits"),
    "BinaryCrossentropy(label_smoothing=0.2)": (
        "BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    "BinaryCrossentropy(from_logits=True, label_smoothing=0.1)": (
        "BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    "BinaryCrossentropy soft labels": ("BinaryCrossentropy", {}, "binary_soft"),
    "CategoricalCrossentropy(from_logits=True)": (
        "CategoricalCrossentropy", {"from_logits": True}, "onehot_logits"),
    "CategoricalCrossentropy(label_smoothing=0.3)": (
        "CategoricalCrossentropy", {"label_smoothing": 0.3}, "onehot"),
    "CategoricalCrossentropy(from_logits=True, label_smoothing=0.3)": (
        "CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.3},
        "onehot_logits"),
    "CategoricalCrossentropy unnormalized probabilities": (
        "CategoricalCrossentropy", {}, "onehot_unnormalized"),
    "SparseCategoricalCrossentropy(from_logits=True)": (
        "SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    "SparseCategoricalCrossentropy(ignore_class=1)": (
        "SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse"),
    "SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)": (
        "SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1},
        "sparse_logits"),
    "Huber(delta=0.3)": ("Huber", {"delta": 0.3}, "real"),
    "Hinge with 0/1 labels": ("Hinge", {}, "binary"),
}
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]
SAMPLE_WEIGHTS = ["no sample_weight", "sample_weight (m,)", "sample_weight (m, 1)"]


def _sample_weight(kind, dtype):
    if kind == "no sample_weight":
        return None
    w = np.random.default_rng(3).uniform(0.0, 2.0, M).astype(dtype)
    return w if kind == "sample_weight (m,)" else w[:, None]


def _keras_numpy(x):
    return keras.ops.convert_to_numpy(x)


def check_loss(item, class_name, options, y, p, dtype, where, sample_weight=None,
               reduction="sum_over_batch_size"):
    ours = getattr(tk.losses, class_name)(reduction=reduction, **options)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **options)
    a = ours(y, p, sample_weight=sample_weight).numpy()
    b = _keras_numpy(theirs(y, p, sample_weight=sample_weight))
    assert a.dtype == np.dtype(dtype), f"{item}: {where}: our loss has dtype {a.dtype}"
    compare(a, b, section="losses", item=item, where=where, dtype=dtype)


@pytest.mark.parametrize("sample_weight", SAMPLE_WEIGHTS)
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_keras_for_each_reduction_and_sample_weight(
    name, reduction, sample_weight, floatx
):
    class_name, options, kind = LOSSES[name]
    y, p = loss_data(kind, floatx)
    check_loss(name, class_name, options, y, p, floatx,
               where=f"reduction={reduction}, {sample_weight}",
               sample_weight=_sample_weight(sample_weight, floatx), reduction=reduction)


@pytest.mark.parametrize("sample_weight", SAMPLE_WEIGHTS[:2])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "none"])
@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_loss_option_matches_keras(name, reduction, sample_weight, floatx):
    class_name, options, kind = OPTIONS[name]
    y, p = loss_data(kind, floatx)
    check_loss(name, class_name, options, y, p, floatx,
               where=f"reduction={reduction}, {sample_weight}",
               sample_weight=_sample_weight(sample_weight, floatx), reduction=reduction)


# Losses on a single output column: labels of shape (m,) and (m, 1) must give the same value.
ONE_COLUMN = ["BinaryCrossentropy", "BinaryCrossentropy(from_logits=True)", "MeanSquaredError",
              "MeanAbsoluteError", "MeanAbsolutePercentageError",
              "MeanSquaredLogarithmicError", "Huber", "LogCosh", "Hinge", "Poisson"]


@pytest.mark.parametrize("labels", ["(m,)", "(m, 1)"])
@pytest.mark.parametrize("name", ONE_COLUMN)
def test_loss_matches_keras_for_label_shapes(name, labels, floatx):
    class_name, options, kind = {**LOSSES, **OPTIONS}[name]
    y, p = loss_data(kind, floatx, width=1)
    y = y[:, 0] if labels == "(m,)" else y
    for reduction in ("sum_over_batch_size", "none"):
        check_loss(name, class_name, options, y, p, floatx,
                   where=f"labels {labels}, predictions (m, 1), reduction={reduction}",
                   reduction=reduction)


@pytest.mark.parametrize("labels", ["(m,)", "(m, 1)"])
@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_crossentropy_matches_keras_for_label_shapes(labels, from_logits, floatx):
    y, p = loss_data("sparse_logits" if from_logits else "sparse", floatx)
    y = y if labels == "(m,)" else y[:, None]
    check_loss(f"SparseCategoricalCrossentropy(from_logits={from_logits})",
               "SparseCategoricalCrossentropy", {"from_logits": from_logits}, y, p, floatx,
               where=f"labels {labels}, predictions (m, 3)")


# -- the saturated regime -------------------------------------------------------------------
def _saturated_probabilities(dtype):
    # Exact 0 and 1, values beyond the clip (1e-12), at it (1e-7) and just inside.
    col = np.array([0.0, 1.0, 1e-12, 1 - 1e-12, 1e-7, 1 - 1e-7, 1e-6, 0.5])
    return col.astype(dtype)


@pytest.mark.parametrize("name", ["BinaryCrossentropy", "BinaryCrossentropy(label_smoothing=0.2)"])
def test_binary_crossentropy_on_saturated_probabilities_matches_keras(name, floatx):
    class_name, options, _ = {**LOSSES, **OPTIONS}[name]
    p = np.repeat(_saturated_probabilities(floatx)[:, None], 2, axis=1)
    y = np.tile(np.array([[0.0, 1.0]], floatx), (len(p), 1))
    check_loss(f"{name} saturated", class_name, options, y, p, floatx,
               where="probabilities 0, 1, 1e-12, 1-1e-12, 1e-7 (reduction none)",
               reduction="none")


@pytest.mark.parametrize("class_name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"])
def test_categorical_crossentropy_on_saturated_probabilities_matches_keras(class_name, floatx):
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1e-12, 1 - 2e-12, 1e-12],
                  [1 - 1e-7, 5e-8, 5e-8], [0.5, 0.5, 0.0]], floatx)
    sparse = np.array([1, 1, 0, 2, 2])
    y = sparse if class_name.startswith("Sparse") else np.eye(3, dtype=floatx)[sparse]
    check_loss(f"{class_name} saturated", class_name, {}, y, p, floatx,
               where="probabilities 0, 1, 1e-12 (reduction none)", reduction="none")


@pytest.mark.parametrize("class_name", ["BinaryCrossentropy", "CategoricalCrossentropy",
                                        "SparseCategoricalCrossentropy"])
def test_crossentropy_on_extreme_logits_matches_keras(class_name, floatx):
    z = np.array([[-100.0, 0.0, 100.0], [40.0, -40.0, 0.5], [0.0, 0.0, 0.0],
                  [-30.0, 30.0, -30.0]], floatx)
    sparse = np.array([0, 1, 2, 0])
    if class_name == "SparseCategoricalCrossentropy":
        y = sparse
    elif class_name == "CategoricalCrossentropy":
        y = np.eye(3, dtype=floatx)[sparse]
    else:
        y = np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [0, 1, 1]], floatx)
    check_loss(f"{class_name}(from_logits=True) extreme logits", class_name,
               {"from_logits": True}, y, z, floatx,
               where="logits up to +-100 (reduction none)", reduction="none")


def _exact_bce_from_logits(y, z):
    # -(y log sigmoid(z) + (1-y) log(1 - sigmoid(z))) = softplus(z) - y z, without overflow.
    z = np.asarray(z, np.float64)
    return np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)


def _exact_cce_from_logits(y, z):
    z = np.asarray(z, np.float64)
    zmax = z.max(-1, keepdims=True)
    log_softmax = z - zmax - np.log(np.exp(z - zmax).sum(-1, keepdims=True))
    return -(y * log_softmax).sum(-1)


def _saturating_model(activation, units, logits):
    """A Dense layer whose kernel is 0 and bias is ``logits``, so any input gives them."""
    layer = tk.layers.Dense(units, activation=activation)
    model = tk.Sequential([tk.Input(shape=(2,)), layer])
    layer.set_weights([np.zeros((2, units)), np.asarray(logits)])
    return model


def test_bce_on_saturated_sigmoid_output_uses_exact_logits_formula(floatx):
    """Our deliberate deviation: after a sigmoid layer, BCE comes from its logits, so the loss
    stays exact (Keras clips the probability and reports 15.94 for any z >= 16)."""
    z = np.array([-40.0, -17.0, 17.0, 40.0])
    model = _saturating_model("sigmoid", 4, z)
    x = np.ones((2, 2), floatx)
    y = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]], floatx)
    loss = tk.losses.BinaryCrossentropy(reduction="none")
    with tk.GradientTape() as tape:
        values = loss(y, model(x, training=True))
        total = tk.ops.sum(values)
    grad_bias = tape.gradient(total, model.layers[0].bias)
    exact = _exact_bce_from_logits(y, np.tile(z, (2, 1)))
    compare(values, exact, section="deviations", item="BCE after saturated sigmoid",
            where="loss value", dtype=floatx, reference="exact formula")
    # d/dz of sum over samples of mean over the 4 outputs: (sigmoid(z) - y) / 4, summed.
    sig = 1 / (1 + np.exp(-z))
    compare(grad_bias, ((sig - y) / 4).sum(0), section="deviations",
            item="BCE after saturated sigmoid", where="gradient wrt the logits",
            dtype=floatx, reference="exact formula")
    # Keras clips instead: on the first sample (every output wrong and saturated) it reports
    # about 16.0 where the exact loss is 28.5.
    clipped = keras.losses.BinaryCrossentropy(reduction="none")(
        y, 1 / (1 + np.exp(-np.tile(z, (2, 1)).astype(floatx))))
    assert _keras_numpy(clipped)[0] < exact[0] - 10, "Keras no longer clips: drop the deviation"


@pytest.mark.parametrize("class_name", ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"])
def test_crossentropy_on_saturated_softmax_output_uses_exact_logits_formula(class_name, floatx):
    z = np.array([60.0, -20.0, 0.0])
    model = _saturating_model("softmax", 3, z)
    x = np.ones((3, 2), floatx)
    sparse = np.array([0, 1, 2])
    onehot = np.eye(3, dtype=floatx)[sparse]
    y = sparse if class_name.startswith("Sparse") else onehot
    values = getattr(tk.losses, class_name)(reduction="none")(y, model(x)).numpy()
    compare(values, _exact_cce_from_logits(onehot, np.tile(z, (3, 1))), section="deviations",
            item=f"{class_name} after saturated softmax", where="loss value", dtype=floatx,
            reference="exact formula")
