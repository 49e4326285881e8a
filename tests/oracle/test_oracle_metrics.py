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
        compare(ours.result(), keras.ops.convert_to_numpy(theirs.result()), section="metrics",
                item=name, where=f"result after batch {i}{' (weighted)' if w is not None else ''}",
                dtype=floatx)
    ours.reset_state()
    theirs.reset_state()
    assert ours.result() == float(keras.ops.convert_to_numpy(theirs.result())) == 0.0


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
