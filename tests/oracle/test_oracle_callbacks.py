"""Callback decisions against Keras: the same sequence of epoch logs must stop training, pick
the best epoch and change the learning rate at the same epochs."""

import keras
import numpy as np
import pytest

import tinykeras as tk

SEQUENCES = [
    [0.9, 0.8, 0.85, 0.6, 0.61, 0.62, 0.63, 0.5],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5],
    [0.5, 0.3, 0.4, 0.6, 0.2, 0.25, 0.2001, 0.2, 0.1999],
    [0.1, 0.2, 0.9, 0.95, 0.99, 0.98, 0.97],
]


class KerasStub:
    """What Keras's callbacks touch on a model: weights, stop_training, metrics, optimizer."""

    def __init__(self):
        self.stop_training = False
        self.metrics = []
        self.optimizer = keras.optimizers.SGD(0.1)
        self.weights = [0]

    def get_weights(self):
        return list(self.weights)

    def set_weights(self, weights):
        self.weights = list(weights)


def _run(cb, model, values, key, set_epoch):
    cb.set_model(model)
    cb.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        set_epoch(epoch)
        logs = {key: value}
        cb.on_epoch_end(epoch, logs)
        trace.append((model.stop_training, round(float(logs.get("learning_rate", 0)), 7)))
        if model.stop_training:
            break
    cb.on_train_end()
    return trace


def _ours_model():
    model = tk.Sequential([tk.Input((1,)), tk.layers.Dense(1)])
    model.compile(optimizer=tk.optimizers.SGD(0.1), loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize("kwargs", [
    {"patience": 1}, {"patience": 2, "baseline": 0.5}, {"patience": 2, "min_delta": 0.05},
    {"patience": 1, "start_from_epoch": 2}, {"patience": 3, "restore_best_weights": True},
    {"patience": 1, "mode": "max"},
], ids=str)
def test_early_stopping_decides_like_keras(values, kwargs):
    theirs_model = KerasStub()
    theirs = _run(keras.callbacks.EarlyStopping(**kwargs), theirs_model, values, "val_loss",
                  lambda e: setattr(theirs_model, "weights", [e]))
    ours_model = _ours_model()
    kernel = ours_model.layers[0].kernel
    ours_cb = tk.callbacks.EarlyStopping(**kwargs)
    ours = _run(ours_cb, ours_model, values, "val_loss",
                lambda e: kernel.assign(np.full((1, 1), e, "float32")))
    assert ours == theirs
    if kwargs.get("restore_best_weights"):
        assert float(kernel.numpy()[0, 0]) == theirs_model.weights[0]


@pytest.mark.parametrize("values", SEQUENCES)
@pytest.mark.parametrize("kwargs", [
    {"patience": 1}, {"patience": 2, "cooldown": 1, "factor": 0.5, "min_lr": 0.02},
    {"patience": 0, "min_delta": 0.05}, {"patience": 1, "mode": "max"},
], ids=str)
def test_reduce_lr_on_plateau_changes_the_rate_like_keras(values, kwargs):
    theirs = _run(keras.callbacks.ReduceLROnPlateau(**kwargs), KerasStub(), values, "val_loss",
                  lambda e: None)
    ours = _run(tk.callbacks.ReduceLROnPlateau(**kwargs), _ours_model(), values, "val_loss",
                lambda e: None)
    assert ours == theirs
