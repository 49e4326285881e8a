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


def _direction_or_refusal(lib, cls_name, monitor, model, folder):
    """Fit ``model`` for one epoch with the callback watching ``monitor`` in mode="auto";
    return "max", "min" or "refused"."""
    cls = getattr(lib.callbacks, cls_name)
    kwargs = {"filepath": str(folder / "best.keras"), "save_best_only": True} \
        if cls_name == "ModelCheckpoint" else {}
    cb = cls(monitor=monitor, **kwargs)
    r = np.random.default_rng(4)
    x = r.random((16, 3)).astype("float32")
    try:
        # Logs without the monitor: Keras decides the direction first all the same.
        model.fit(x, (x[:, :1] > 0.5) * 1.0, epochs=1, verbose=0, callbacks=[cb])
    except ValueError as exc:
        assert "mode='max'" in str(exc) or "`mode='max'`" in str(exc), str(exc)
        return "refused"
    if lib is keras:
        return "max" if cb.monitor_op is keras.ops.greater else "min"
    up = cb._better is np.greater if cls_name == "EarlyStopping" else cb._up
    return "max" if up else "min"


def _watched_model(lib):
    def my_score(y_true, y_pred):
        return y_pred

    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", loss="binary_crossentropy", metrics=[
        "accuracy", lib.metrics.AUC(name="auc"), "mae", lib.metrics.R2Score(),
        lib.metrics.Precision(name="prec"), lib.metrics.FalsePositives(name="fp"), my_score,
        lib.losses.mean_squared_logarithmic_error])
    return model


@pytest.mark.slow
@pytest.mark.parametrize("cls_name", ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"])
def test_auto_mode_direction_matches_keras(cls_name, recwarn, tmp_path):
    # Keras 3.15 asks the compiled metric of that name for its `_direction`, never the name
    # itself ("prec" is maximized, "fp" and a plain function are refused).
    monitors = ["val_loss", "loss", "val_accuracy", "val_auc", "mae", "val_r2_score", "prec",
                "val_fp", "my_score", "mean_squared_logarithmic_error", "val_acc"]
    ours = {m: _direction_or_refusal(tk, cls_name, m, _watched_model(tk), tmp_path)
            for m in monitors}
    theirs = {m: _direction_or_refusal(keras, cls_name, m, _watched_model(keras), tmp_path)
              for m in monitors}
    assert ours == theirs
    assert theirs["val_auc"] == "max" and theirs["val_fp"] == "refused"
