"""Whole fits against Keras: 20 epochs with shuffle=False from identical initial weights; the
History of every key, evaluate, predict and the final weights must match."""

import keras
import numpy as np
import pytest
from harness import FIT_RTOL, build_pair, compare

import tinykeras as tk

EPOCHS = 20


def _seed_data(dtype):
    x, y = tk.datasets.load_digits01()
    return x.astype(dtype), y.astype(dtype)


def _blobs(dtype, n=240, features=6, classes=4):
    r = np.random.default_rng(21)
    centers = r.normal(0, 2.0, (classes, features))
    labels = r.integers(0, classes, n)
    x = centers[labels] + r.normal(0, 1.5, (n, features))
    return x.astype(dtype), labels


def _regression(dtype, n=200, features=8):
    r = np.random.default_rng(22)
    x = r.normal(size=(n, features))
    w = r.normal(size=(features, 1))
    y = np.tanh(x @ w) + 0.3 * x[:, :1] ** 2 + 0.1 * r.normal(size=(n, 1))
    return x.astype(dtype), y.astype(dtype)


SEED = (400, [(25, "sigmoid"), (15, "sigmoid"), (1, "sigmoid")])
# name -> (network, data, loss factory, optimizer factory, metrics, fit options)
FITS = {
    "seed network 400-25-15-1, BCE, RMSprop": (
        SEED, _seed_data, lambda m: m.BinaryCrossentropy(), lambda m: m.RMSprop(),
        ["accuracy"], {}),
    "seed network 400-25-15-1, BCE, Adam": (
        SEED, _seed_data, lambda m: m.BinaryCrossentropy(), lambda m: m.Adam(learning_rate=0.001),
        ["accuracy"], {}),
    "softmax classifier, SCCE, Adam": (
        (6, [(16, "relu"), (4, "softmax")]), _blobs,
        lambda m: m.SparseCategoricalCrossentropy(), lambda m: m.Adam(learning_rate=0.01),
        ["accuracy"], {"validation_split": 0.25}),
    "softmax classifier, SCCE(from_logits=True), Adam": (
        (6, [(16, "relu"), (4, None)]), _blobs,
        lambda m: m.SparseCategoricalCrossentropy(from_logits=True),
        lambda m: m.Adam(learning_rate=0.01), ["accuracy"], {"validation_split": 0.25}),
    "regression 8-16-8-1 relu, MSE, SGD(momentum=0.9)": (
        (8, [(16, "relu"), (8, "relu"), (1, None)]), _regression,
        lambda m: m.MeanSquaredError(), lambda m: m.SGD(learning_rate=0.01, momentum=0.9),
        ["mae"], {}),
}


@pytest.mark.slow
@pytest.mark.parametrize("jit_compile", ["auto", False], ids=["replayed step", "tape step"])
@pytest.mark.parametrize("name", list(FITS))
def test_fit_matches_keras(name, jit_compile, floatx):
    # Both of tinykeras's training steps: the traced-and-replayed one (the default) and the tape.
    (n_in, layers), data, loss, optimizer, metrics, options = FITS[name]
    if jit_compile is False:
        name = f"{name} [tape step]"
    x, y = data(floatx)
    ours, theirs = build_pair(n_in, layers)
    ours.compile(optimizer=optimizer(tk.optimizers), loss=loss(tk.losses), metrics=metrics,
                 jit_compile=jit_compile)
    theirs.compile(optimizer=optimizer(keras.optimizers), loss=loss(keras.losses),
                   metrics=metrics)
    fit = {"epochs": EPOCHS, "batch_size": 32, "shuffle": False, "verbose": 0, **options}
    history_a = ours.fit(x, y, **fit).history
    history_b = theirs.fit(x, y, **fit).history
    rtol = FIT_RTOL[floatx]
    assert sorted(history_a) == sorted(history_b), f"{name}: History keys differ"
    for epoch in range(EPOCHS):
        for key in sorted(history_b):
            compare(history_a[key][epoch], history_b[key][epoch], section="fits", item=name,
                    where=f"epoch {epoch + 1} {key}", dtype=floatx, rtol=rtol)
    logs_a = ours.evaluate(x, y, verbose=0, return_dict=True)
    logs_b = theirs.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(logs_a) == sorted(logs_b), f"{name}: evaluate keys differ"
    for key in sorted(logs_b):
        compare(logs_a[key], logs_b[key], section="fits", item=name, where=f"evaluate {key}",
                dtype=floatx, rtol=rtol)
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="fits",
            item=name, where="predict", dtype=floatx, rtol=rtol)
    for i, (a, b) in enumerate(zip(ours.get_weights(), theirs.get_weights())):
        compare(a, b, section="fits", item=name, where=f"final weight {i}", dtype=floatx,
                rtol=rtol)
