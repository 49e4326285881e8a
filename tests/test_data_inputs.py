"""Data inputs to fit/evaluate/predict: generators, iterables of batches, PyDataset, pandas."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import Dense
from tinykeras.utils import PyDataset


def _data(n=48):
    r = np.random.default_rng(0)
    x = r.normal(size=(n, 3)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _model():
    tk.utils.set_random_seed(3)
    model = tk.Sequential([Dense(4, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, weights=None):
        super().__init__()
        self.x, self.y, self.w, self.batch_size = x, y, weights, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        if self.w is None:
            return self.x[s], self.y[s]
        return self.x[s], self.y[s], self.w[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_an_iterable_of_batches_trains_exactly_like_the_arrays():
    x, y = _data()
    a = _model()
    ha = a.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    b = _model()

    class Rebatching:  # re-iterable like tinykeras.data.Dataset: a new pass per epoch
        def __iter__(self):
            return ((x[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16))

    hb = b.fit(Rebatching(), epochs=3, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert ha.history == hb.history and hb.params["steps"] == 3  # learnt in the first epoch


def test_pydataset_is_shuffled_per_epoch_calls_on_epoch_end_and_takes_weights():
    x, y = _data()
    ds = Batches(x, y, 16, weights=np.ones(48, "float32"))
    model = _model()
    history = model.fit(ds, epochs=2, verbose=0, validation_data=Batches(x, y, 24))
    assert ds.epochs_ended == 2
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    loss, acc = model.evaluate(Batches(x, y, 10), verbose=0)
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0)[0], rel=1e-6)
    assert model.predict(Batches(x, y, 10), verbose=0).shape == (48, 1)


def test_a_generator_with_steps_per_epoch_continues_across_epochs():
    x, y = _data()
    seen = []

    def endless():
        i = 0
        while True:
            seen.append(i)
            yield x[i % 3 * 16:(i % 3 + 1) * 16], y[i % 3 * 16:(i % 3 + 1) * 16]
            i += 1

    model = _model()
    history = model.fit(endless(), steps_per_epoch=2, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3 and seen == list(range(6))


def test_a_one_shot_generator_runs_one_epoch_then_warns_it_ran_out():
    x, y = _data()
    gen = ((x[i:i + 16], y[i:i + 16]) for i in range(0, 48, 16))
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(gen, epochs=3, verbose=0)
    assert history.epoch == [0]


def test_sources_refuse_y_and_validation_split():
    x, y = _data()
    model = _model()
    with pytest.raises(ValueError, match="Argument `y` must be None"):
        model.fit(Batches(x, y, 16), y, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(Batches(x, y, 16), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="no batches"):
        model.fit(iter([]), verbose=0)


def test_pandas_frames_and_series_are_accepted():
    import pandas as pd
    x, y = _data()
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    model = _model()
    model.fit(frame, pd.Series(y[:, 0]), epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(frame, verbose=0), model.predict(x, verbose=0))


def test_validation_split_float_is_keras_s_last_rows_and_the_opt_in_split_is_stratified():
    x = np.arange(40, dtype="float32")[:, None] / 40
    y = (np.arange(40) >= 30).astype("float32")[:, None]  # sorted: the last quarter is class 1
    model = _model()
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    # Keras's rule: the last 10 rows, all of class 1 (validation accuracy of a class-1 set).
    assert history.params["steps"] == 1
    split = tk.utils.ValidationSplit(0.25)
    (x_tr, y_tr, _), (x_val, y_val, _) = split.split(x, y)
    # A quarter of each class (rounded): 7 or 8 of the 30 zeros, 2 or 3 of the 10 ones.
    assert len(x_val) == 10 and y_val.sum() in (2, 3) and len(y_tr) + len(y_val) == 40
    assert not set(x_val[:, 0]) & set(x_tr[:, 0])
    tk.utils.set_random_seed(5)
    a = tk.utils.ValidationSplit(0.25).indices(y, 40)[1]
    tk.utils.set_random_seed(5)
    b = tk.utils.ValidationSplit(0.25).indices(y, 40)[1]
    assert np.array_equal(a, b), "seeded: the same rows"
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=split)
    assert "val_loss" in history.history
    with pytest.raises(ValueError, match="fraction"):
        tk.utils.ValidationSplit(1.5)
    onehot = np.eye(3)[np.arange(30) % 3]
    assert np.bincount(np.argmax(onehot[split.indices(onehot, 30)[1]], 1)).tolist() == [2, 2, 2]


def test_a_bad_batch_mid_stream_stops_training_saying_where_and_keeps_the_steps_before():
    from tinykeras.callbacks import Callback
    from tinykeras.errors import NonFiniteInputError

    class Recorder(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.weights = self.model.get_weights()

    x = np.random.default_rng(0).random((8, 3)).astype("float32")
    y = np.zeros((8, 1), "float32")
    bad = x.copy()
    bad[2, 1] = np.nan
    model = tk.Sequential([tk.Input((3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    recorder = Recorder()
    with pytest.raises(NonFiniteInputError, match=r"Batch 2 of epoch 1 .*row 2, column 1.*"
                                                  r"keeps the weights of the batches before"):
        model.fit(iter([(x, y), (x, y), (bad, y), (x, y)]), verbose=0, callbacks=[recorder])
    assert int(model.optimizer.iterations.numpy()) == 2  # batches 0 and 1 trained, 2 did not
    for kept, now in zip(recorder.weights, model.get_weights()):
        np.testing.assert_array_equal(kept, now)


def test_dataset_skip_minus_one_skips_everything_as_tensorflow():
    ds = tk.data.Dataset.range(5)
    assert list(ds.skip(-1)) == [] and len(ds.skip(-1)) == 0
    assert [int(v) for v in ds.skip(3)] == [3, 4]
