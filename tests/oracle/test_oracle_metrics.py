"""Metrics against Keras: how the "accuracy" string resolves, and every metric on the same
predictions (two batches, the second one weighted)."""

import keras
import numpy as np
import pytest
from harness import compare
from keras.src.trainers.compile_utils import get_metric

import tinykeras as tk

M = 10

# (y_true shape, y_pred shape) pairs from keras-facts 2.6, plus the (m,) binary labels.
SHAPE_PAIRS = [((M, 1), (M, 1)), ((M,), (M, 1)), ((M,), (M, 3)), ((M, 3), (M, 3)),
               ((M, 1), (M, 3))]


@pytest.mark.parametrize("name", ["accuracy", "acc"])
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_accuracy_string_resolves_like_keras(shapes, name):
    true_shape, pred_shape = shapes
    theirs = get_metric(name, np.zeros(true_shape, "float32"), np.zeros(pred_shape, "float32"))
    ours = tk.metrics.get_accuracy(true_shape, pred_shape, name)
    assert type(ours).__name__ == type(theirs).__name__, (
        f"'{name}' with y_true {true_shape}, y_pred {pred_shape}: tinykeras picks "
        f"{type(ours).__name__}, Keras picks {type(theirs).__name__}"
    )
    assert ours.name == theirs.name == name


def _data(kind, dtype, r):
    """Two batches of (y_true, y_pred) for a metric kind."""
    batches = []
    for _ in range(2):
        if kind == "binary":
            y, p = r.integers(0, 2, (M, 1)).astype(dtype), r.uniform(0, 1, (M, 1)).astype(dtype)
            p[:2] = 0.5  # exactly at the threshold: counts as 0 (strictly greater)
        elif kind == "binary_wide":
            y, p = r.integers(0, 2, (M, 3)).astype(dtype), r.uniform(0, 1, (M, 3)).astype(dtype)
        elif kind == "binary_flat":
            y, p = r.integers(0, 2, M).astype(dtype), r.uniform(0, 1, (M, 1)).astype(dtype)
        elif kind == "onehot":
            y = np.eye(3, dtype=dtype)[r.integers(0, 3, M)]
            p = r.uniform(0, 1, (M, 3)).astype(dtype)
        elif kind in ("sparse", "sparse_column"):
            y = r.integers(0, 3, M)
            y = y[:, None] if kind == "sparse_column" else y
            p = r.uniform(0, 1, (M, 3)).astype(dtype)
        elif kind == "exact":
            y = r.integers(0, 3, (M, 1)).astype(dtype)
            p = np.where(r.uniform(size=(M, 1)) < 0.6, y, y + 1).astype(dtype)
        elif kind == "real_binary":  # 0/1 labels, logits
            y, p = r.integers(0, 2, (M, 1)).astype(dtype), r.normal(size=(M, 1)).astype(dtype)
        elif kind == "positive":
            y, p = r.uniform(0, 3, (M, 2)).astype(dtype), r.uniform(0, 3, (M, 2)).astype(dtype)
        else:  # real
            y, p = r.normal(size=(M, 2)).astype(dtype), r.normal(size=(M, 2)).astype(dtype)
        batches.append((y, p))
    return batches


# name -> (factory taking the metrics module, data kind)
METRICS = {
    "BinaryAccuracy()": (lambda m: m.BinaryAccuracy(), "binary"),
    "BinaryAccuracy() labels (m,)": (lambda m: m.BinaryAccuracy(), "binary_flat"),
    "BinaryAccuracy(threshold=0.7)": (lambda m: m.BinaryAccuracy(threshold=0.7), "binary"),
    "BinaryAccuracy() 3 outputs": (lambda m: m.BinaryAccuracy(), "binary_wide"),
    "CategoricalAccuracy()": (lambda m: m.CategoricalAccuracy(), "onehot"),
    "SparseCategoricalAccuracy() labels (m,)": (lambda m: m.SparseCategoricalAccuracy(),
                                                "sparse"),
    "SparseCategoricalAccuracy() labels (m, 1)": (lambda m: m.SparseCategoricalAccuracy(),
                                                  "sparse_column"),
    "Accuracy()": (lambda m: m.Accuracy(), "exact"),
    "MeanSquaredError()": (lambda m: m.MeanSquaredError(), "real"),
    "MeanAbsoluteError()": (lambda m: m.MeanAbsoluteError(), "real"),
    "RootMeanSquaredError()": (lambda m: m.RootMeanSquaredError(), "real"),
    "get('mse')": (lambda m: m.get("mse"), "real"),
    "get('mae')": (lambda m: m.get("mae"), "real"),
    # issue 9's metrics
    "Precision()": (lambda m: m.Precision(), "binary"),
    "Precision(thresholds=[0.3, 0.5, 0.8])": (lambda m: m.Precision(thresholds=[0.3, 0.5, 0.8]),
                                              "binary"),
    "Precision(top_k=1) one-hot": (lambda m: m.Precision(top_k=1), "onehot"),
    "Precision(class_id=2)": (lambda m: m.Precision(class_id=2), "binary_wide"),
    "Recall()": (lambda m: m.Recall(), "binary"),
    "Recall(top_k=2, class_id=1)": (lambda m: m.Recall(top_k=2, class_id=1), "onehot"),
    "Recall(thresholds=0.7) 3 outputs": (lambda m: m.Recall(thresholds=0.7), "binary_wide"),
    "TruePositives()": (lambda m: m.TruePositives(), "binary"),
    "FalsePositives(thresholds=[0.2, 0.6])": (lambda m: m.FalsePositives(thresholds=[0.2, 0.6]),
                                              "binary"),
    "TrueNegatives()": (lambda m: m.TrueNegatives(), "binary_wide"),
    "FalseNegatives()": (lambda m: m.FalseNegatives(), "binary"),
    "AUC()": (lambda m: m.AUC(), "binary"),
    "AUC(curve='PR')": (lambda m: m.AUC(curve="PR"), "binary"),
    "AUC(num_thresholds=17, summation_method='minoring')": (
        lambda m: m.AUC(num_thresholds=17, summation_method="minoring"), "binary"),
    "AUC(curve='PR', summation_method='majoring')": (
        lambda m: m.AUC(curve="PR", summation_method="majoring"), "binary_wide"),
    "AUC(multi_label=True)": (lambda m: m.AUC(multi_label=True), "binary_wide"),
    "AUC(multi_label=True, curve='PR', label_weights)": (
        lambda m: m.AUC(multi_label=True, curve="PR", label_weights=[0.2, 1.0, 0.5]),
        "binary_wide"),
    "AUC(thresholds=[0.25, 0.5, 0.75])": (lambda m: m.AUC(thresholds=[0.25, 0.5, 0.75]),
                                          "binary"),
    "AUC(from_logits=True)": (lambda m: m.AUC(from_logits=True), "real_binary"),
    # Every curve with every summation method Keras 3.15 accepts, in its spellings.
    "AUC(curve='PR', summation_method='interpolation', num_thresholds=13)": (
        lambda m: m.AUC(curve="PR", summation_method="interpolation", num_thresholds=13),
        "binary"),
    "AUC(curve='pr', summation_method='Minoring')": (
        lambda m: m.AUC(curve="pr", summation_method="Minoring"), "binary"),
    "AUC(curve='roc', summation_method='majoring')": (
        lambda m: m.AUC(curve="roc", summation_method="majoring"), "binary"),
    "AUC(curve='PRGAIN')": (lambda m: m.AUC(curve="PRGAIN"), "binary"),
    "AUC(curve='prgain', summation_method='minoring')": (
        lambda m: m.AUC(curve="prgain", summation_method="minoring"), "binary"),
    "AUC(curve='PRGAIN', summation_method='Majoring', num_thresholds=7)": (
        lambda m: m.AUC(curve="PRGAIN", summation_method="Majoring", num_thresholds=7),
        "binary"),
    "AUC(curve='PRGAIN', multi_label=True, label_weights)": (
        lambda m: m.AUC(curve="PRGAIN", multi_label=True, label_weights=[0.5, 1.0, 0.2]),
        "binary_wide"),
    "AUC(curve='PRGAIN', thresholds=[0.3, 0.6])": (
        lambda m: m.AUC(curve="PRGAIN", thresholds=[0.3, 0.6]), "binary"),
    "F1Score()": (lambda m: m.F1Score(), "onehot"),
    "F1Score(average='micro')": (lambda m: m.F1Score(average="micro"), "onehot"),
    "F1Score(average='macro', threshold=0.5)": (
        lambda m: m.F1Score(average="macro", threshold=0.5), "binary_wide"),
    "F1Score(average='weighted')": (lambda m: m.F1Score(average="weighted"), "onehot"),
    "FBetaScore(beta=2.0, average='macro')": (
        lambda m: m.FBetaScore(beta=2.0, average="macro"), "onehot"),
    "TopKCategoricalAccuracy(k=2)": (lambda m: m.TopKCategoricalAccuracy(k=2), "onehot"),
    "SparseTopKCategoricalAccuracy(k=2)": (lambda m: m.SparseTopKCategoricalAccuracy(k=2),
                                           "sparse"),
    "SparseTopKCategoricalAccuracy(k=1) labels (m, 1)": (
        lambda m: m.SparseTopKCategoricalAccuracy(k=1), "sparse_column"),
    "R2Score()": (lambda m: m.R2Score(), "real"),
    "R2Score(class_aggregation='variance_weighted_average')": (
        lambda m: m.R2Score(class_aggregation="variance_weighted_average"), "real"),
    "R2Score(class_aggregation=None)": (lambda m: m.R2Score(class_aggregation=None), "real"),
    "MeanAbsolutePercentageError()": (lambda m: m.MeanAbsolutePercentageError(), "real"),
    "MeanSquaredLogarithmicError()": (lambda m: m.MeanSquaredLogarithmicError(), "positive"),
    "LogCoshError()": (lambda m: m.LogCoshError(), "real"),
    "BinaryCrossentropy()": (lambda m: m.BinaryCrossentropy(), "binary"),
    "BinaryCrossentropy(from_logits=True, label_smoothing=0.1)": (
        lambda m: m.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), "real_binary"),
    "CategoricalCrossentropy()": (lambda m: m.CategoricalCrossentropy(), "onehot"),
    "CategoricalCrossentropy(from_logits=True)": (
        lambda m: m.CategoricalCrossentropy(from_logits=True), "onehot"),
    "SparseCategoricalCrossentropy()": (lambda m: m.SparseCategoricalCrossentropy(), "sparse"),
    "get('auc')": (lambda m: m.get("auc"), "binary"),
    "get('mape')": (lambda m: m.get("mape"), "real"),
}


@pytest.mark.parametrize("name", list(METRICS))
def test_metric_matches_keras(name, floatx):
    factory, kind = METRICS[name]
    ours, theirs = factory(tk.metrics), factory(keras.metrics)
    r = np.random.default_rng(2)
    batches = _data(kind, floatx, r)
    weights = [None, r.uniform(0, 2, M).astype(floatx)]
    for i, ((y, p), w) in enumerate(zip(batches, weights), start=1):
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
        # Keras's AUC sums weighted counts with float32 rounding even in float64 (its
        # bucketed update); the difference is ~1e-8 relative, so float64 AUC gets 1e-7.
        rtol = 1e-7 if "AUC" in name.upper() and floatx == "float64" else None
        compare(ours.result(), keras.ops.convert_to_numpy(theirs.result()), section="metrics",
                item=name, where=f"result after batch {i}{' (weighted)' if w is not None else ''}",
                dtype=floatx, rtol=rtol)
    ours.reset_state()
    theirs.reset_state()
    after = keras.ops.convert_to_numpy(theirs.result())
    compare(ours.result(), after, section="metrics", item=name, where="after reset_state",
            dtype=floatx)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_mean_and_sum_metrics_match_keras(weighted, floatx):
    r = np.random.default_rng(4)
    for cls in ("Mean", "Sum"):
        ours, theirs = getattr(tk.metrics, cls)(), getattr(keras.metrics, cls)()
        for batch in range(1, 4):
            values = r.normal(size=(M,)).astype(floatx)
            w = r.uniform(0, 2, M).astype(floatx) if weighted else None
            ours.update_state(values, sample_weight=w)
            theirs.update_state(values, sample_weight=w)
            compare(ours.result(), keras.ops.convert_to_numpy(theirs.result()),
                    section="metrics", item=f"{cls}()",
                    where=f"result after batch {batch} ({'weighted' if weighted else 'plain'})",
                    dtype=floatx)


FUNCTIONS = {
    "binary_accuracy": "binary",
    "binary_accuracy 3 outputs": "binary_wide",
    "categorical_accuracy": "onehot",
    "sparse_categorical_accuracy": "sparse",
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_metric_function_matches_keras(name, floatx):
    (y, p), _ = _data(FUNCTIONS[name], floatx, np.random.default_rng(6))
    function = name.split()[0]
    ours = np.asarray(getattr(tk.metrics, function)(y, p))
    theirs = keras.ops.convert_to_numpy(getattr(keras.metrics, function)(y, p))
    compare(ours, theirs, section="metrics", item=f"metrics.{name}", where="per-sample values",
            dtype=floatx)


def _metric_objects(module):
    return ["accuracy", module.Precision(), module.AUC(), module.Recall(thresholds=[0.3, 0.6])]


def test_fit_logs_metric_names_order_and_values_like_keras(floatx):
    """Through fit: the log keys (weighted duplicates renamed, val_ prefixes), their order,
    History values, evaluate's list order and return_dict, with sample weights going only to
    `weighted_metrics` (as Keras does)."""
    from harness import build_pair

    r = np.random.default_rng(11)
    x = r.normal(size=(60, 5)).astype(floatx)
    y = (x[:, :1] + 0.3 * r.normal(size=(60, 1)) > 0).astype(floatx)
    w = r.uniform(0.2, 2.0, 60).astype(floatx)
    ours, theirs = build_pair(5, [(4, "tanh"), (1, "sigmoid")])
    kwargs = {"loss": "binary_crossentropy", "weighted_metrics": ["accuracy"]}
    ours.compile(optimizer=tk.optimizers.SGD(0.1), metrics=_metric_objects(tk.metrics), **kwargs)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), metrics=_metric_objects(keras.metrics),
                   **kwargs)
    fit = {"batch_size": 20, "epochs": 2, "shuffle": False, "verbose": 0,
           "validation_data": (x[:20], y[:20]), "sample_weight": w}
    h_ours, h_theirs = ours.fit(x, y, **fit).history, theirs.fit(x, y, **fit).history
    assert list(h_ours) == list(h_theirs), (list(h_ours), list(h_theirs))
    for key in h_theirs:
        compare(np.asarray(h_ours[key]), np.asarray(h_theirs[key]),
                section="metrics", item="fit with metrics and weighted_metrics",
                where=f"History[{key!r}]", dtype=floatx, rtol=1e-4 if floatx == "float32"
                else 1e-8)
    list_ours = ours.evaluate(x, y, sample_weight=w, verbose=0)
    list_theirs = theirs.evaluate(x, y, sample_weight=w, verbose=0)
    assert len(list_ours) == len(list_theirs)
    dict_ours = ours.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    dict_theirs = theirs.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    assert list(dict_ours) == list(dict_theirs)
    for a, b in zip(list_ours, list_theirs):
        compare(a, keras.ops.convert_to_numpy(b), section="metrics",
                item="evaluate with metrics", where="list order", dtype=floatx,
                rtol=1e-4 if floatx == "float32" else 1e-8)


@pytest.mark.parametrize("curve,method", [("pr", "Interpolation"), ("PRGAIN", "majoring"),
                                          ("roc", "Minoring")])
def test_auc_config_names_its_curve_and_summation_as_keras(curve, method):
    ours, theirs = tk.metrics.AUC(curve=curve, summation_method=method), keras.metrics.AUC(
        curve=curve, summation_method=method)
    for key in ("curve", "summation_method"):
        assert ours.get_config()[key] == theirs.get_config()[key], key
    rebuilt = keras.metrics.AUC.from_config(ours.get_config())
    assert rebuilt.get_config()["curve"] == theirs.get_config()["curve"]
