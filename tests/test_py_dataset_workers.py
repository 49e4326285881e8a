"""``PyDataset(workers=N, use_multiprocessing=..., max_queue_size=...)``: batches loaded ahead
in worker threads or processes (``utils/prefetch.py``), in order, bounded, with errors raised
in the training thread and no worker left running afterwards."""

import threading
import time

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.utils import PyDataset, prefetch
from tinykeras.utils.prefetch import THREAD_PREFIX, Prefetcher

R = np.random.default_rng(0)
X = R.normal(size=(96, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")


class Batches(PyDataset):
    """Eight batches of 12 rows; records every load and epoch end, and can fail or dawdle."""

    def __init__(self, fail_at=None, jitter=0.0, **kwargs):
        super().__init__(**kwargs)
        self.fail_at, self.jitter = fail_at, jitter
        self.events = []
        self.lock = threading.Lock()
        self.rng = np.random.default_rng(1)

    def __len__(self):
        return 8

    def __getitem__(self, i):
        with self.lock:
            self.events.append(("load", i))
            pause = self.rng.uniform(0, self.jitter)
        if pause:
            time.sleep(pause)  # workers finish out of order
        if i == self.fail_at:
            raise ValueError(f"cannot read shard {i}")
        rows = slice(12 * i, 12 * i + 12)
        return X[rows], Y[rows]

    def on_epoch_end(self):
        self.events.append(("epoch_end",))

    def __getstate__(self):  # to worker processes (spawn): a lock does not pickle
        return {k: v for k, v in self.__dict__.items() if k != "lock"}

    def __setstate__(self, state):
        self.__dict__.update(state, lock=threading.Lock())


def _workers_alive():
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def _fit(dataset, epochs=2, **kwargs):
    tk.utils.set_random_seed(5)
    model = tk.Sequential([tk.Input((4,)), tk.layers.Dense(6, activation="relu"),
                           tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(dataset, epochs=epochs, verbose=0, **kwargs)
    return model, history


@pytest.mark.parametrize("shuffle", [False, True])
def test_threads_give_the_same_training_as_one_thread_in_the_same_order(shuffle):
    one, h1 = _fit(Batches(), epochs=3, shuffle=shuffle)
    many, h4 = _fit(Batches(workers=4, jitter=0.003), epochs=3, shuffle=shuffle)
    assert h1.history == h4.history
    for a, b in zip(one.get_weights(), many.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same batches in the same order
    assert not _workers_alive()


def test_prefetcher_yields_in_order_whatever_order_workers_finish_in():
    data = Batches(workers=4, jitter=0.005)
    order = [5, 2, 7, 0, 1, 6, 3, 4]
    fetch = Prefetcher(data, order)
    fetch.start()
    batches = list(fetch)
    assert len(batches) == 8
    for i, (x, y) in zip(order, batches):
        np.testing.assert_array_equal(x, X[12 * i:12 * i + 12])
        np.testing.assert_array_equal(y, Y[12 * i:12 * i + 12])
    assert fetch.closed and not _workers_alive()


def test_on_epoch_end_runs_once_per_epoch_after_all_its_batches():
    data = Batches(workers=3, jitter=0.002)
    _fit(data, epochs=3)
    ends = [i for i, e in enumerate(data.events) if e == ("epoch_end",)]
    assert len(ends) == 3
    # fit peeks at batch 0 (to build the model) once; then each epoch loads all 8 batches
    # before its on_epoch_end, and none of the next epoch's.
    bounds = [0, *ends]
    loads = [sum(1 for e in data.events[a:b] if e[0] == "load") for a, b in zip(bounds, ends)]
    assert loads == [8, 8, 8]


def test_at_most_max_queue_size_batches_are_loaded_ahead():
    release = threading.Event()

    class Gated(Batches):
        def __getitem__(self, i):
            release.wait(5)
            return super().__getitem__(i)

    data = Gated(workers=2, max_queue_size=3)
    fetch = Prefetcher(data, range(8))
    fetch.start()
    assert len(fetch.pending) == 3  # three requested, none may be more
    release.set()
    next(fetch)
    # Taking one batch requests exactly one more: 4 loads, whatever the timing.
    for _ in range(200):
        if len(data.events) == 4 and all(f.done() for _, f in fetch.pending):
            break
        time.sleep(0.01)
    assert len(data.events) == 4 and len(fetch.pending) == 3
    fetch.close()
    assert not _workers_alive()


def test_an_error_in_a_worker_is_raised_in_training_naming_the_batch():
    data = Batches(workers=3, fail_at=5)
    with pytest.raises(ValueError, match="cannot read shard 5") as info:
        _fit(data, shuffle=False)
    assert any("batch 5" in note and "worker thread" in note for note in info.value.__notes__)
    assert not _workers_alive()


class StopAt(tk.callbacks.Callback):
    def __init__(self, batch, interrupt=False):
        super().__init__()
        self.batch, self.interrupt = batch, interrupt

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            if self.interrupt:
                raise KeyboardInterrupt
            self.model.stop_training = True


@pytest.mark.parametrize("interrupt", [False, True], ids=["early_stop", "KeyboardInterrupt"])
def test_an_early_stop_or_interrupt_leaves_no_worker_running(interrupt):
    data = Batches(workers=4, max_queue_size=2, jitter=0.002)
    if interrupt:
        with pytest.raises(KeyboardInterrupt):
            _fit(data, epochs=5, callbacks=[StopAt(2, interrupt=True)])
    else:
        _, history = _fit(data, epochs=5, callbacks=[StopAt(2)])
        assert len(history.history["loss"]) == 1
    assert not _workers_alive()
    loads = [e for e in data.events if e[0] == "load"]
    # The peek, batches 0-2 and at most max_queue_size ahead: nothing was loaded past that.
    assert len(loads) <= 1 + 3 + 2


def test_evaluate_and_predict_use_the_workers_and_close_them():
    model, _ = _fit(Batches(), epochs=1)
    plain = model.predict(Batches(), verbose=0)
    threaded = model.predict(Batches(workers=3, jitter=0.002), verbose=0)
    np.testing.assert_array_equal(plain, threaded)
    assert model.evaluate(Batches(workers=2), verbose=0) == model.evaluate(Batches(), verbose=0)
    assert not _workers_alive()


def test_steps_per_epoch_continues_a_prefetched_pass_across_epochs():
    runs = []
    for workers in (1, 2):
        data = Batches(workers=workers)
        with pytest.warns(UserWarning, match="ran out of data"):  # 4 x 3 steps > 8 batches
            _, history = _fit(data, epochs=4, steps_per_epoch=3, shuffle=False)
        runs.append((history.history, data.events))
    # The same training, the same batches loaded once each per pass and the same
    # on_epoch_end calls; the workers may have loaded a few batches ahead of the last step
    # before fit ended (how many depends on thread timing): only loads, at most the queue.
    (history_one, events_one), (history_two, events_two) = runs
    assert history_one == history_two
    passes_one, passes_two = _passes(events_one), _passes(events_two)
    assert len(passes_one) == len(passes_two)  # the same on_epoch_end calls
    for one, two in zip(passes_one, passes_two):
        assert len(set(two)) == len(two) and len(set(one)) == len(one)  # once each a pass
        assert set(one) <= set(two) and len(two) - len(one) <= 10  # max_queue_size ahead
    assert sorted(passes_two[0]) == list(range(8))
    assert not _workers_alive()


def test_workers_of_a_keras_style_duck_typed_sequence_are_read():
    class Duck:
        workers, use_multiprocessing, max_queue_size = 2, False, 4

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X[:5], Y[:5]

        def on_epoch_end(self):
            pass

    assert prefetch.uses_workers(Duck())
    assert not prefetch.uses_workers(Batches())
    assert prefetch.uses_workers(Batches(workers=1, use_multiprocessing=True))


# -- processes ------------------------------------------------------------------------------------
def test_processes_train_like_one_thread_and_report_a_worker_s_error():
    one, h1 = _fit(Batches(), epochs=2)
    procs, hp = _fit(Batches(workers=2, use_multiprocessing=True), epochs=2)
    assert h1.history == hp.history
    with pytest.raises(ValueError, match="cannot read shard 3") as info:
        _fit(Batches(workers=2, use_multiprocessing=True, fail_at=3), shuffle=False)
    assert any("batch 3" in note and "worker process" in note for note in info.value.__notes__)


def test_processes_with_spawn_and_an_unpicklable_dataset_refused_with_the_fix(monkeypatch):
    monkeypatch.setattr(prefetch, "MP_START_METHOD", "spawn")
    _, h1 = _fit(Batches(), epochs=1)
    _, hs = _fit(Batches(workers=2, use_multiprocessing=True), epochs=1)
    assert h1.history == hs.history

    class Local(Batches):  # defined in a function: spawn cannot import it
        pass

    with pytest.raises(ValueError, match="use_multiprocessing=False"):
        _fit(Local(workers=2, use_multiprocessing=True), epochs=1)


def _passes(events):
    """The batch indices loaded in each pass (passes end at on_epoch_end), in load order."""
    passes = [[]]
    for event in events:
        if event[0] == "epoch_end":
            passes.append([])
        else:
            passes[-1].append(event[1])
    return passes
