"""Callbacks: every hook in Keras order, a single callback without a list, stop_training,
ModelCheckpoint, ReduceLROnPlateau, CSVLogger, BackupAndRestore, TensorBoard, EarlyStopping."""

import csv
import os
import warnings

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import callbacks
from tinykeras.layers import Dense


def _data(n=64, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, 3)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _model(optimizer="adam"):
    model = tk.Sequential([tk.Input((3,)), Dense(4, activation="relu"),
                           Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def __getattribute__(self, name):
        attr = super().__getattribute__(name)
        if name.startswith("on_") and callable(attr):
            def hook(*args, **kwargs):
                self.events.append(name)
                return attr(*args, **kwargs)
            return hook
        return attr


def test_every_hook_runs_in_keras_order_and_one_callback_needs_no_list():
    class Hooks(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

    names = [h for h in dir(callbacks.Callback) if h.startswith("on_")]
    for name in names:
        def hook(self, *args, _name=name, **kwargs):
            self.events.append(_name)
        setattr(Hooks, name, hook)
    rec = Hooks()
    model = _model()
    x, y = _data(6)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x[:2], y[:2]),
              callbacks=rec)  # not a list
    assert rec.events == [
        "on_train_begin", "on_epoch_begin",
        "on_train_batch_begin", "on_train_batch_end",
        "on_train_batch_begin", "on_train_batch_end",
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
        "on_epoch_end", "on_train_end"]
    rec.events.clear()
    model.evaluate(x, y, verbose=0, callbacks=rec)
    model.predict(x, verbose=0, callbacks=[rec])
    assert rec.events == ["on_test_begin", "on_test_batch_begin", "on_test_batch_end",
                          "on_test_end", "on_predict_begin", "on_predict_batch_begin",
                          "on_predict_batch_end", "on_predict_end"]


def test_keras2_batch_hook_names_are_called_for_training_batches():
    seen = []

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    model = _model()
    x, y = _data(8)
    model.fit(x, y, batch_size=4, verbose=0, callbacks=Old())
    assert seen == [(0, ["accuracy", "loss"]), (1, ["accuracy", "loss"])]


def test_callbacks_argument_must_hold_callbacks():
    model = _model()
    x, y = _data(8)
    with pytest.raises(ValueError, match="Callback"):
        model.fit(x, y, verbose=0, callbacks=[print])
    with pytest.raises(ValueError, match="callbacks"):
        model.fit(x, y, verbose=0, callbacks="early")


def test_stop_training_set_in_a_batch_hook_ends_fit_after_that_batch():
    stop = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: setattr(model, "stop_training", batch == 1))
    model = _model()
    x, y = _data(64)
    history = model.fit(x, y, batch_size=8, epochs=5, verbose=0, callbacks=[stop])
    assert history.epoch == [0]
    assert model.optimizer.iterations.numpy() == 2


# -- ModelCheckpoint -----------------------------------------------------------------------------
def _fake_save(model, saved):
    """Stand-ins for model.save/save_weights that record the temporary path they are given."""
    def save(path, overwrite=True):
        saved.append(path)
        np.save(open(path, "wb"), np.concatenate([w.ravel() for w in model.get_weights()]))
    model.save = save
    model.save_weights = save


def test_model_checkpoint_fills_templates_and_keeps_only_improvements(tmp_path):
    model = _model()
    saved = []
    if not hasattr(model, "save"):
        _fake_save(model, saved)
    losses = iter([0.9, 0.5, 0.7, 0.4])
    fake = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: logs.update(
        val_loss=next(losses)))
    template = str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.keras")
    ckpt = callbacks.ModelCheckpoint(template, save_best_only=True, verbose=0)
    x, y = _data(16)
    model.fit(x, y, epochs=4, verbose=0, callbacks=[fake, ckpt])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ckpt-01-0.90.keras", "ckpt-02-0.50.keras", "ckpt-04-0.40.keras"]
    assert ckpt.best == 0.4
    # Written to a temporary name in the same folder, then renamed: no half-written target.
    if saved:
        assert all(os.path.dirname(p) == str(tmp_path) and ".tmp-ckpt-" in p for p in saved)


def test_model_checkpoint_max_mode_weights_only_and_batch_frequency(tmp_path):
    model = _model()
    saved = []
    if not hasattr(model, "save_weights"):
        _fake_save(model, saved)
    x, y = _data(32)
    path = str(tmp_path / "w-{epoch}-{batch}.weights.h5")
    ckpt = callbacks.ModelCheckpoint(path, save_weights_only=True, save_freq=3)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=ckpt)  # 8 batches
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "w-1-3.weights.h5", "w-2-2.weights.h5", "w-2-6.weights.h5"][:0] + sorted(
        ["w-1-3.weights.h5", "w-2-2.weights.h5"])
    acc = callbacks.ModelCheckpoint(str(tmp_path / "a.keras"), monitor="val_accuracy",
                                    save_best_only=True)
    acc.set_model(model)
    acc.on_train_begin()
    assert acc._up is None and acc.best is None  # read at the first save, as Keras
    acc.on_epoch_end(0, {"val_accuracy": 0.5})
    acc.on_epoch_end(1, {"val_accuracy": 0.25})
    assert acc._up and acc.best == 0.5


def test_model_checkpoint_refuses_bad_paths_and_missing_keys(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        callbacks.ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        callbacks.ModelCheckpoint(str(tmp_path / "model.txt"))
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq="often")
    model = _model()
    _fake_save(model, [])
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "{val_auc}.keras"))
    x, y = _data(8)
    with pytest.raises(KeyError, match="val_auc"):
        model.fit(x, y, verbose=0, callbacks=ckpt)


# -- ReduceLROnPlateau ---------------------------------------------------------------------------
def test_reduce_lr_on_plateau_waits_reduces_cools_down_and_logs_the_rate():
    model = _model(tk.optimizers.SGD(0.1))
    x, y = _data(8)
    model.fit(x, y, verbose=0)  # build the optimizer
    cb = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1,
                                     min_lr=0.02)
    cb.set_model(model)
    cb.on_train_begin()
    rates = []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]):
        logs = {"val_loss": value}
        cb.on_epoch_end(epoch, logs)
        rates.append(round(logs["learning_rate"], 6))
    final = float(model.optimizer.learning_rate.numpy())
    # Reductions at epochs 2, 4 and 6: patience 2 the first time; afterwards the cooldown
    # epoch already counts one wait (Keras's rule). The floor 0.02 caps the third.
    assert rates == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]
    assert final == pytest.approx(0.02)
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_rate_is_recorded_in_history_and_shown_in_the_progress(capsys):
    model = _model(tk.optimizers.SGD(0.1))
    x, y = _data(8)
    history = model.fit(x, y, epochs=3, verbose=2,
                        callbacks=callbacks.ReduceLROnPlateau(monitor="loss", patience=0,
                                                              min_delta=10))
    # The rate is logged before the epoch's reduction, as Keras does.
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.01])
    assert "learning_rate: 0.1000" in capsys.readouterr().out


# -- CSVLogger -----------------------------------------------------------------------------------
def test_csv_logger_writes_sorted_columns_appends_and_uses_the_separator(tmp_path):
    path = tmp_path / "log.csv"
    model = _model()
    x, y = _data(16)
    model.fit(x, y, epochs=2, verbose=0, callbacks=callbacks.CSVLogger(path))
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1"] and rows[1][3] == "NA"
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                        callbacks=callbacks.CSVLogger(path, separator=";", append=True))
    lines = open(path).read().splitlines()
    assert len(lines) == 4 and lines[3].startswith("0;")
    assert float(lines[3].split(";")[4]) == pytest.approx(history.history["val_loss"][0])


# -- BackupAndRestore ----------------------------------------------------------------------------
class Crash(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("simulated crash")


def _seeded_run(tmp_path, crash_at=None, epochs=5):
    tk.utils.set_random_seed(7)
    model = _model()
    x, y = _data(40)
    backup = callbacks.BackupAndRestore(tmp_path / "backup")
    cbs = [backup] + ([Crash(crash_at)] if crash_at is not None else [])
    return model, x, y, backup, cbs


def test_backup_and_restore_resumes_to_the_same_final_weights(tmp_path):
    tk.utils.set_random_seed(7)
    model = _model()
    x, y = _data(40)
    model.fit(x, y, batch_size=8, epochs=5, verbose=0)
    uninterrupted = model.get_weights()

    tk.utils.set_random_seed(7)
    model = _model()
    backup_dir = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="simulated"):
        model.fit(x, y, batch_size=8, epochs=5, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup_dir), Crash(3)])
    assert (backup_dir / "training_metadata.json").exists()

    # A new process: new model object, different random state; the backup restores it all.
    tk.utils.set_random_seed(99)
    resumed = _model()
    history = resumed.fit(x, y, batch_size=8, epochs=5, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    for a, b in zip(resumed.get_weights(), uninterrupted):
        np.testing.assert_array_equal(a, b)
    assert not backup_dir.exists(), "a finished fit deletes its backup"


# -- TensorBoard ---------------------------------------------------------------------------------
def test_tensorboard_writes_scalars_rate_and_histograms(tmp_path):
    import tensorboard  # noqa: F401 - the `tensorboard` extra, in `test`: missing must fail
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    model = _model()
    x, y = _data(32)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_split=0.25,
                        callbacks=callbacks.TensorBoard(tmp_path, histogram_freq=1,
                                                        update_freq="batch"))
    train = EventAccumulator(str(tmp_path / "train"), size_guidance={"histograms": 0}).Reload()
    tags = train.Tags()
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(
        tags["scalars"])
    losses = [e.value for e in train.Scalars("epoch_loss")]
    assert losses == pytest.approx(history.history["loss"], rel=1e-6)
    assert len(train.Scalars("batch_loss")) == 6
    assert any(t.endswith("kernel/histogram") for t in tags["histograms"])
    hist = train.Histograms(tags["histograms"][0])[0].histogram_value
    assert hist.num == model.layers[0].kernel.numpy().size
    val = EventAccumulator(str(tmp_path / "validation")).Reload()
    assert [e.value for e in val.Scalars("epoch_loss")] == pytest.approx(
        history.history["val_loss"], rel=1e-6)


# -- EarlyStopping -------------------------------------------------------------------------------
def _drive(cb, values, model):
    cb.set_model(model)
    cb.on_train_begin()
    model.stop_training = False
    stopped = None
    for epoch, value in enumerate(values):
        model.layers[0].kernel.assign(np.full_like(model.layers[0].kernel.numpy(), epoch))
        cb.on_epoch_end(epoch, {"val_loss": value})
        if model.stop_training:
            stopped = epoch
            break
    cb.on_train_end()
    return stopped


def test_early_stopping_start_from_epoch_baseline_and_restore_when_all_epochs_run():
    model = _model()
    model.build((None, 3))
    # Warm-up: epochs before start_from_epoch are ignored, even the best one.
    cb = callbacks.EarlyStopping(patience=1, start_from_epoch=2)
    assert _drive(cb, [0.1, 0.2, 0.9, 0.95, 0.99], model) == 3
    # Baseline: the epochs that improve without beating 0.5 still count towards patience
    # (Keras checks patience only on an epoch that does not improve).
    cb = callbacks.EarlyStopping(patience=2, baseline=0.5)
    assert _drive(cb, [0.9, 0.8, 0.85, 0.6], model) == 2
    # Every epoch ran (no stop), and the best weights (epoch 1) still come back.
    cb = callbacks.EarlyStopping(patience=5, restore_best_weights=True)
    assert _drive(cb, [0.5, 0.3, 0.4, 0.6], model) is None
    assert np.all(model.layers[0].kernel.numpy() == 1)


def test_early_stopping_mode_auto_follows_the_metric_direction():
    model = _model()
    x, y = _data(8)
    model.fit(x, y, verbose=0)
    cb = callbacks.EarlyStopping(monitor="val_accuracy")
    cb.set_model(model)
    cb.on_epoch_end(0, {"val_accuracy": 0.5})
    assert cb._better is np.greater
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="up")


def _monitor(cls, monitor, **kwargs):
    """``cls(monitor=...)``; a ModelCheckpoint that saves only an improvement (none is
    logged here, so it writes nothing)."""
    if cls is callbacks.ModelCheckpoint:
        kwargs.update(filepath="never-written.keras", save_best_only=True)
    return cls(monitor=monitor, **kwargs)


def _direction(cls, monitor, model):
    """The direction a callback picks for ``monitor`` in mode="auto" after one epoch of
    ``model``: "max", "min", or the refusal's message."""
    cb = _monitor(cls, monitor)
    cb.set_model(model)
    cb.on_train_begin()
    try:
        # An epoch whose logs lack the monitor (a warning): the direction is decided first.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cb.on_epoch_end(0, {"other": 1.0})
    except ValueError as exc:
        return str(exc)
    assert caught, "the missing monitor was not reported"
    up = cb._better is np.greater if cls is callbacks.EarlyStopping else cb._up
    return "max" if up else "min"


MONITORS = (callbacks.EarlyStopping, callbacks.ReduceLROnPlateau, callbacks.ModelCheckpoint)


def _two_output_model():
    i = tk.Input((5,))
    h = Dense(6, activation="relu")(i)
    model = tk.Model(i, [Dense(1, name="out_a")(h),
                         Dense(1, activation="sigmoid", name="out_b")(h)])
    model.compile("adam", loss=["mse", "binary_crossentropy"],
                  metrics={"out_a": [tk.metrics.R2Score(), "mae"],
                           "out_b": ["accuracy", tk.metrics.AUC(name="auc")]})
    x = np.random.default_rng(3).random((16, 5)).astype("float32")
    model.fit(x, [x[:, :1], (x[:, 1:2] > 0.5) * 1.0], verbose=0)
    return model


@pytest.mark.parametrize("cls", MONITORS, ids=lambda c: c.__name__)
def test_auto_mode_reads_each_outputs_metric_behind_a_prefixed_log_name(cls):
    # Keras 3.15 compares the metric's own name (r2_score) with the log name
    # (out_a_r2_score) and refuses all of these; the metric behind the log name says its
    # direction here, and each output's loss is minimized.
    model = _two_output_model()
    expected = {"val_out_a_r2_score": "max", "out_b_accuracy": "max", "val_out_b_auc": "max",
                "val_out_a_loss": "min", "out_b_loss": "min", "val_out_a_mae": "min",
                "val_loss": "min", "loss": "min"}
    assert {m: _direction(cls, m, model) for m in expected} == expected


@pytest.mark.parametrize("cls", MONITORS, ids=lambda c: c.__name__)
def test_auto_mode_follows_the_metric_objects_and_refuses_what_they_cannot_tell(cls):
    def my_score(y_true, y_pred):
        return y_pred

    model = tk.Sequential([tk.Input((3,)), Dense(1, activation="sigmoid")])
    model.compile("adam", loss="binary_crossentropy", metrics=[
        "accuracy", tk.metrics.AUC(name="auc"), "mae", tk.metrics.Precision(name="prec"),
        tk.metrics.FalsePositives(), my_score, tk.losses.mean_squared_logarithmic_error])
    x, y = _data(16)
    model.fit(x, y, verbose=0)
    # The names alone would mislead: "val_auc" and "prec" are maximized because AUC and
    # Precision say so; a loss function as a metric is minimized.
    expected = {"val_auc": "max", "val_accuracy": "max", "val_mae": "min", "prec": "max",
                "mean_squared_logarithmic_error": "min"}
    assert {m: _direction(cls, m, model) for m in expected} == expected
    # As Keras 3.15: no metric that knows its direction (a plain function, a confusion
    # count, a typo), no guess from the name: the refusal says to pass mode.
    for monitor in ("my_score", "val_false_positives", "val_acc"):
        message = _direction(cls, monitor, model)
        assert f"monitor={monitor!r}" in message and "mode='max'" in message, message
        assert cls.__name__ in message
    cb = _monitor(cls, "val_acc", mode="max")
    cb.set_model(model)
    cb.on_train_begin()
    with pytest.warns(UserWarning):
        cb.on_epoch_end(0, {})  # an explicit mode needs no metric
