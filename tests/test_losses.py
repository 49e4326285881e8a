"""Losses: formulas, reductions, sample weights, label shapes, gradients and the logits route."""

import numpy as np
import pytest

from tinykeras import activations, losses, ops
from tinykeras.autodiff import GradientTape, Variable
from tinykeras.utils.gradient_check import check_gradients

EPS = 1e-7
R = np.random.default_rng(7)
P = R.uniform(0.05, 0.95, (6, 3))
Y01 = (R.uniform(size=(6, 3)) > 0.5).astype(np.float64)
YREAL = R.standard_normal((6, 3))
PREAL = R.standard_normal((6, 3))
ONEHOT = np.eye(3)[[0, 2, 1, 1, 0, 2]]
SPARSE = np.array([0, 2, 1, 1, 0, 2])
PROBS = P / P.sum(-1, keepdims=True)


def bce_ref(y, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


# (loss object, y_true, y_pred, per-sample reference)
CASES = {
    "bce": (losses.BinaryCrossentropy(), Y01, P, bce_ref(Y01, P)),
    "bce_smooth": (losses.BinaryCrossentropy(label_smoothing=0.2), Y01, P,
                   bce_ref(Y01 * 0.8 + 0.1, P)),
    "bce_logits": (losses.BinaryCrossentropy(from_logits=True), Y01, PREAL,
                   bce_ref(Y01, 1 / (1 + np.exp(-PREAL)))),
    "cce": (losses.CategoricalCrossentropy(), ONEHOT, PROBS,
            -(ONEHOT * np.log(PROBS)).sum(-1)),
    "cce_unnormalized": (losses.CategoricalCrossentropy(), ONEHOT, P,
                         -(ONEHOT * np.log(P / P.sum(-1, keepdims=True))).sum(-1)),
    "cce_smooth": (losses.CategoricalCrossentropy(label_smoothing=0.3), ONEHOT, PROBS,
                   -((ONEHOT * 0.7 + 0.1) * np.log(PROBS)).sum(-1)),
    "cce_logits": (losses.CategoricalCrossentropy(from_logits=True), ONEHOT, PREAL,
                   -(ONEHOT * (PREAL - np.log(np.exp(PREAL).sum(-1, keepdims=True)))).sum(-1)),
    "scce": (losses.SparseCategoricalCrossentropy(), SPARSE, PROBS,
             -np.log(PROBS[np.arange(6), SPARSE])),
    "scce_logits": (losses.SparseCategoricalCrossentropy(from_logits=True), SPARSE[:, None],
                    PREAL, -(PREAL - np.log(np.exp(PREAL).sum(-1, keepdims=True)))[
                        np.arange(6), SPARSE]),
    "mse": (losses.MeanSquaredError(), YREAL, PREAL, ((YREAL - PREAL) ** 2).mean(-1)),
    "mae": (losses.MeanAbsoluteError(), YREAL, PREAL, np.abs(YREAL - PREAL).mean(-1)),
    "mape": (losses.MeanAbsolutePercentageError(), YREAL, PREAL,
             100 * np.abs((YREAL - PREAL) / np.abs(YREAL)).mean(-1)),
    "msle": (losses.MeanSquaredLogarithmicError(), np.abs(YREAL), P,
             ((np.log1p(P) - np.log1p(np.abs(YREAL))) ** 2).mean(-1)),
    "huber": (losses.Huber(delta=0.8), YREAL, PREAL,
              np.where(np.abs(PREAL - YREAL) <= 0.8, 0.5 * (PREAL - YREAL) ** 2,
                       0.8 * np.abs(PREAL - YREAL) - 0.32).mean(-1)),
    "log_cosh": (losses.LogCosh(), YREAL, PREAL, np.log(np.cosh(PREAL - YREAL)).mean(-1)),
    "hinge": (losses.Hinge(), Y01, PREAL, np.maximum(1 - (2 * Y01 - 1) * PREAL, 0).mean(-1)),
    "kld": (losses.KLDivergence(), PROBS[::-1], PROBS,
            (PROBS[::-1] * np.log(PROBS[::-1] / PROBS)).sum(-1)),
    "poisson": (losses.Poisson(), np.abs(YREAL), P,
                (P - np.abs(YREAL) * np.log(P + EPS)).mean(-1)),
}


@pytest.fixture(autouse=True)
def _float64():
    from tinykeras import config

    config.set_floatx("float64")


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_matches_formula_with_every_reduction(name):
    loss, y, p, ref = CASES[name]
    np.testing.assert_allclose(float(loss(y, p).numpy()), ref.mean(), rtol=1e-10, err_msg=name)
    cfg = {**loss.get_config(), "reduction": "sum"}
    np.testing.assert_allclose(float(type(loss).from_config(cfg)(y, p)), ref.sum(), rtol=1e-10)
    cfg["reduction"] = None
    np.testing.assert_allclose(type(loss).from_config(cfg)(y, p).numpy(), ref, rtol=1e-10)


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_gradient_matches_finite_differences(name):
    loss, y, p, _ = CASES[name]
    if name == "hinge":
        p = p + 0.01  # keep away from the kink at y*p = 1
    (err,) = check_gradients(lambda t: loss(y, t), p)
    assert err < 1e-6, f"backward pass of {name}: relative error {err:.2e}"


def test_sample_weight_divides_by_count_not_by_weight_sum():
    loss = losses.MeanSquaredError()
    sw = np.array([1.0, 0.0, 2.0, 1.0, 0.5, 0.0])
    per = ((YREAL - PREAL) ** 2).mean(-1)
    np.testing.assert_allclose(float(loss(YREAL, PREAL, sample_weight=sw)), (per * sw).sum() / 6)
    weighted = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    np.testing.assert_allclose(float(weighted(YREAL, PREAL, sample_weight=sw)),
                               (per * sw).sum() / sw.sum())
    # (m, 1) weights are aligned with (m,) per-sample losses.
    np.testing.assert_allclose(float(loss(YREAL, PREAL, sample_weight=sw[:, None])),
                               (per * sw).sum() / 6)


def test_labels_of_shape_m_match_predictions_of_shape_m_1():
    y = np.array([1.0, 0.0, 1.0])
    p = np.array([[0.9], [0.2], [0.6]])
    bce = losses.BinaryCrossentropy()
    np.testing.assert_allclose(float(bce(y, p)), float(bce(y[:, None], p)))
    np.testing.assert_allclose(float(losses.MeanSquaredError()(y, p)), np.mean((y - p[:, 0]) ** 2))


def test_bce_clips_probabilities_in_float32_as_keras():
    from tinykeras import config

    config.set_floatx("float32")
    bce = losses.BinaryCrossentropy()
    value = float(bce(np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]], dtype=np.float32)))
    # -log(1e-7) = 16.118 and -log(1 - 0.99999988) = 15.942 (keras-facts 2.4): mean 16.0302
    assert value == pytest.approx(16.0302, abs=1e-3)


def test_crossentropy_after_sigmoid_uses_logits_and_stays_exact_at_saturation():
    z = np.array([[30.0], [-30.0], [2.0]])
    y = np.array([[0.0], [1.0], [1.0]])
    exact = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    zv = Variable(z, dtype="float64")
    with GradientTape() as tape:
        value = losses.BinaryCrossentropy()(y, activations.sigmoid(zv))
    np.testing.assert_allclose(float(value), exact, rtol=1e-12)
    sig = 1 / (1 + np.exp(-z))
    # The gradient stays alive at saturation: (sigmoid(z) - y) / m, not 0.
    np.testing.assert_allclose(tape.gradient(value, zv).numpy(), (sig - y) / 3, rtol=1e-10)


def test_fused_logits_route_agrees_with_general_chain_away_from_saturation():
    z = R.standard_normal((5, 4))
    onehot = np.eye(4)[[0, 1, 3, 2, 1]]
    for loss, act in ((losses.BinaryCrossentropy(), activations.sigmoid),
                      (losses.CategoricalCrossentropy(), activations.softmax)):
        y = onehot
        zv = Variable(z, dtype="float64")
        with GradientTape(persistent=True) as tape:
            fused = loss(y, act(zv))
            probs = act(zv)
            probs._keras_logits = None  # force the probability route
            general = loss(y, probs)
        np.testing.assert_allclose(float(fused), float(general), rtol=1e-9)
        np.testing.assert_allclose(tape.gradient(fused, zv).numpy(),
                                   tape.gradient(general, zv).numpy(), rtol=1e-7)


def test_sparse_labels_are_checked():
    scce = losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError, match="outside the valid range"):
        scce(np.array([0, 3]), PROBS[:2])
    with pytest.raises(ValueError, match="integer class labels"):
        scce(np.array([0.5, 1.0]), PROBS[:2])
    np.testing.assert_allclose(
        float(losses.SparseCategoricalCrossentropy(ignore_class=2)(SPARSE, PROBS)),
        # Keras masks the ignored samples out of the mean: divide by the 4 samples kept.
        np.sum(np.where(SPARSE == 2, 0, -np.log(PROBS[np.arange(6), SPARSE]))) / 4)


def test_bad_arguments_are_refused_with_clear_messages():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="same number of samples"):
        losses.MeanSquaredError()(np.zeros((3, 1)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'bce'"):
        losses.get("bce")
    with pytest.raises(ValueError, match="numeric labels"):
        losses.MeanSquaredError()(np.array([["a"]]), np.zeros((1, 1)))


def test_get_resolves_names_classes_and_aliases():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.MSE
    assert isinstance(losses.get("BinaryCrossentropy"), losses.BinaryCrossentropy)
    restored = losses.deserialize(losses.serialize(losses.BinaryCrossentropy(from_logits=True)))
    assert restored.get_config() == losses.BinaryCrossentropy(from_logits=True).get_config()
    assert losses.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}


def test_loss_returns_a_differentiable_scalar_tensor():
    value = losses.MeanSquaredError()(np.ones((2, 1)), ops.convert_to_tensor(np.zeros((2, 1))))
    assert value.shape == () and float(value) == 1.0
