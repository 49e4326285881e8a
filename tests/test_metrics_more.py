"""Issue 9's metrics on worked examples (Keras's numbers: tests/oracle/test_oracle_metrics.py)."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import metrics


def test_confusion_counts_thresholds_class_id_and_top_k():
    y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], "float32")
    p = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]], "float32")
    tp = metrics.TruePositives(thresholds=[0.35, 0.55])
    tp.update_state(y, p)
    assert tp.result().tolist() == [4.0, 3.0]
    prec = metrics.Precision(class_id=1)
    prec.update_state(y, p)
    assert prec.result() == 1.0
    top1 = metrics.Precision(top_k=1)
    top1.update_state(y, p)
    assert top1.result() == pytest.approx(0.75)  # row 2's top class (0) is wrong
    rec = metrics.Recall()
    rec.update_state(y, p, sample_weight=[1.0, 0.0, 1.0, 1.0])
    assert rec.result() == 1.0  # the only miss (row 2) has weight 0


def test_auc_is_one_for_a_perfect_ranking_and_half_for_a_constant():
    y = np.array([0, 0, 1, 1], "float32")
    for curve in ("ROC", "PR"):
        m = metrics.AUC(curve=curve)
        m.update_state(y, [0.1, 0.2, 0.8, 0.9])
        assert m.result() == pytest.approx(1.0, abs=1e-6)
    m = metrics.AUC()
    m.update_state(y, [0.5, 0.5, 0.5, 0.5])
    assert m.result() == pytest.approx(0.5)


def test_auc_prgain_worked_by_hand():
    y = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6, 0.6, 0.8, 0.9])
    # Thresholds (-eps, 0.5, 1 + eps): tp = [5, 3, 0], fp = [5, 1, 0], fn = [0, 2, 5], so
    # P/N = 1, recall gain 1 - fn/tp = [1, 1/3, 0 (no tp)], precision gain 1 - fp/tp =
    # [0, 2/3, 1 (no tp)]; trapezoids: (2/3) * (1/3) + (1/3) * (5/6) = 1/2.
    expected = {"interpolation": 0.5, "minoring": 2 / 3 * 0 + 1 / 3 * 2 / 3,
                "majoring": 2 / 3 * 2 / 3 + 1 / 3 * 1}
    for method, value in expected.items():
        m = metrics.AUC(num_thresholds=3, curve="PRGAIN", summation_method=method)
        m.update_state(y, p)
        assert m.result() == pytest.approx(value, abs=1e-6), method
        assert m.get_config()["curve"] == "PRGAIN"


def test_auc_takes_keras_s_spellings_only():
    assert metrics.AUC(curve="prgain", summation_method="Majoring").get_config()[
        "summation_method"] == "majoring"
    for bad in ({"curve": "Roc"}, {"curve": "DET"}, {"summation_method": "trapezoid"},
                {"curve": None}):
        with pytest.raises(ValueError, match="curve|summation_method"):
            metrics.AUC(**bad)


def test_f1_and_fbeta_scores():
    y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], "float32")
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]], "float32")
    f1 = metrics.F1Score()
    f1.update_state(y, p)
    # class 0: p = 1, r = 1/2 -> 2/3; class 1: p = 2/3, r = 1 -> 4/5
    np.testing.assert_allclose(f1.result(), [2 / 3, 0.8], rtol=1e-5)
    macro = metrics.F1Score(average="macro")
    macro.update_state(y, p)
    assert macro.result() == pytest.approx((2 / 3 + 0.8) / 2, rel=1e-5)
    f2 = metrics.FBetaScore(beta=2.0, average="micro")
    f2.update_state(y, p)
    assert f2.result() == pytest.approx(0.75, rel=1e-5)  # micro p = r = 3/4


def test_r2_top_k_mape_logcosh_and_crossentropy_metrics():
    y = np.array([[1.0], [2.0], [3.0], [4.0]], "float32")
    r2 = metrics.R2Score()
    r2.update_state(y, y + np.array([[0.5], [-0.5], [0.5], [-0.5]], "float32"))
    assert r2.result() == pytest.approx(1 - 1.0 / 5.0, rel=1e-6)
    top2 = metrics.SparseTopKCategoricalAccuracy(k=2)
    top2.update_state([2, 0], [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]])
    assert top2.result() == 0.5
    mape = metrics.MeanAbsolutePercentageError()
    mape.update_state([[2.0], [4.0]], [[1.0], [5.0]])
    assert mape.result() == pytest.approx(37.5)
    logcosh = metrics.LogCoshError()
    logcosh.update_state([[0.0]], [[1.0]])
    assert logcosh.result() == pytest.approx(np.log(np.cosh(1.0)), rel=1e-6)
    bce = metrics.BinaryCrossentropy()
    bce.update_state([[1.0]], [[0.8]])
    assert bce.result() == pytest.approx(-np.log(0.8), rel=1e-6)
    assert metrics.get("logcosh").name == "logcosh"


def test_names_directions_and_string_identifiers():
    for ident, cls in (("precision", metrics.Precision), ("auc", metrics.AUC),
                       ("f1_score", metrics.F1Score), ("r2_score", metrics.R2Score),
                       ("mape", metrics.MeanAbsolutePercentageError),
                       ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy)):
        m = metrics.get(ident)
        assert type(m) is cls and m.name == ident
    assert metrics.AUC()._direction == "up" and metrics.BinaryCrossentropy()._direction == "down"
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="DET")


def test_fit_with_weighted_metrics_and_evaluate_return_dict():
    r = np.random.default_rng(0)
    x = r.normal(size=(40, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = tk.Sequential([tk.Input((3,)), tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy", metrics.AUC(name="auc")], weighted_metrics=["accuracy"])
    w = np.where(y[:, 0] > 0, 3.0, 1.0).astype("float32")
    history = model.fit(x, y, sample_weight=w, epochs=2, verbose=0, validation_split=0.25)
    assert list(history.history) == ["accuracy", "auc", "loss", "val_accuracy", "val_auc",
                                     "val_loss", "val_weighted_accuracy", "weighted_accuracy"]
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    plain, weighted = logs["accuracy"], logs["weighted_accuracy"]
    pred = model.predict(x, verbose=0) > 0.5
    hits = (pred == (y > 0.5))[:, 0]
    assert plain == pytest.approx(hits.mean(), rel=1e-6)
    assert weighted == pytest.approx(np.sum(hits * w) / np.sum(w), rel=1e-6)
