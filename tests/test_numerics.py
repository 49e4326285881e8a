"""Numerical trouble: NaN/inf losses stop training at the last good step, check_numerics
names the layer and op, TerminateOnNaN keeps working, Ctrl-C keeps the trained weights."""

import os
import signal

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import callbacks, initializers
from tinykeras.errors import NonFiniteInputError, NonFiniteLossError, NonFiniteValueError
from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential


def _exploding(jit=True):
    """A linear regression that SGD with a huge rate sends to infinity in a few steps."""
    model = Sequential([Input(shape=(3,)), Dense(1, name="out")])
    model.compile(optimizer=tk.optimizers.SGD(1e6), loss="mse", jit_compile=jit)
    x = np.full((64, 3), 100.0, dtype="float32")
    y = np.ones((64, 1), dtype="float32")
    return model, x, y


class _Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = None
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.weights = self.model.get_weights()
        self.batches += 1


@pytest.mark.parametrize("jit", [True, False], ids=["compiled step", "tape step"])
def test_a_non_finite_loss_stops_training_at_the_last_good_step(jit):
    model, x, y = _exploding(jit)
    rec = _Recorder()
    with pytest.raises(NonFiniteLossError, match=r"epoch \d+, batch \d+.*not applied") as info:
        model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0, callbacks=[rec])
    assert "enable_check_numerics" in str(info.value)
    assert rec.batches >= 1  # it trained some batches first
    for kept, now in zip(rec.weights, model.get_weights()):
        np.testing.assert_array_equal(kept, now)  # the refused batch changed nothing


class _AbsLoss(Sequential):
    """A custom loss whose gradient is NaN where a prediction is exactly 0 (sqrt at 0)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        return tk.ops.mean(tk.ops.sqrt(tk.ops.square(y_pred)))


def _nan_gradient_case(jit):
    model = _AbsLoss([Input(shape=(4,)), Dense(1, use_bias=False, name="out")])
    model.compile(optimizer="adam", loss="mse", jit_compile=jit)
    x = np.random.default_rng(0).standard_normal((32, 4)).astype("float32")
    x[20] = 0.0  # batch 2 (rows 16-23) predicts exactly 0 there: a finite loss, a NaN gradient
    return model, x, np.zeros((32, 1), "float32")


@pytest.mark.parametrize("jit", [True, False], ids=["compiled step", "tape step"])
def test_a_nan_gradient_with_a_finite_loss_stops_training_at_the_last_good_step(jit):
    model, x, y = _nan_gradient_case(jit)
    model.fit(x[:16], y[:16], batch_size=8, epochs=2, verbose=0)  # traced, replayed: no NaN
    rec = _Recorder()
    with np.errstate(all="ignore"), pytest.raises(
            NonFiniteLossError, match=r"batch 2: the gradient of variable 'out/kernel' holds "
                                      r"NaN.*not applied"):
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[rec])
    assert rec.batches == 2
    for kept, now in zip(rec.weights, model.get_weights()):
        np.testing.assert_array_equal(kept, now)  # the refused batch changed nothing
    assert model.optimizer.iterations.numpy() == 6  # 4 + 2 applied steps


@pytest.mark.parametrize("jit", [True, False], ids=["traced loop", "eager loop"])
def test_a_nan_gradient_in_a_custom_loop_is_refused_before_any_change(jit):
    model, x, y = _nan_gradient_case(jit)
    optimizer = model.optimizer

    def step(xb):
        with tk.GradientTape() as tape:
            loss = model.compute_loss(y_pred=model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    step = tk.function(step, jit_compile=jit)
    for start in (0, 8):  # traced, then replayed
        step(x[start:start + 8])
    before = model.get_weights()
    with np.errstate(all="ignore"), pytest.raises(NonFiniteInputError, match="NaN"):
        step(x[16:24])
    for kept, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(kept, now)
    assert optimizer.iterations.numpy() == 2


def test_terminate_on_nan_still_stops_training_quietly(capsys):
    model, x, y = _exploding()
    history = model.fit(x, y, batch_size=8, epochs=5, shuffle=False, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    assert model.stop_training
    assert len(history.history.get("loss", [])) <= 1


def test_check_numerics_names_the_layer_the_op_and_the_input_range():
    model = Sequential([Input(shape=(2,)), Dense(4, activation="relu", name="hidden"),
                        Dense(1, activation="exponential", name="boom",
                              kernel_initializer=initializers.Constant(50.0))])
    x = np.full((3, 2), 10.0, dtype="float32")
    assert np.isinf(model.predict(x, verbose=0)).all()  # silently infinite without the check
    tk.debugging.enable_check_numerics()
    try:
        with pytest.raises(NonFiniteValueError, match=r"Layer 'boom'.*op '.*exp.*'.*infinity "
                           r"from finite inputs.*range \["):
            model.predict(x, verbose=0)
    finally:
        tk.debugging.disable_check_numerics()


def test_check_numerics_catches_a_nan_gradient_in_the_backward_pass():
    v = tk.Variable(np.zeros(2))
    tk.debugging.enable_check_numerics()
    try:
        with tk.GradientTape() as tape:
            loss = tk.ops.sum(tk.ops.sqrt(v))  # sqrt'(0) = inf
        with pytest.raises(NonFiniteValueError, match="gradient of op 'sqrt'"):
            tape.gradient(loss, [v])
    finally:
        tk.debugging.disable_check_numerics()


def test_check_numerics_off_costs_no_behaviour_change():
    model, x, y = _exploding()
    assert not tk.debugging.check_numerics_enabled()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x[:8] / 100, y[:8], verbose=0)


class _CtrlC(callbacks.Callback):
    """Sends SIGINT to this process at one batch, as a user's Ctrl-C would."""

    def __init__(self, at_batch, times=1):
        super().__init__()
        self.at_batch, self.times = at_batch, times
        self.seen = self.ended = 0
        self.weights = None

    def on_train_batch_begin(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.at_batch:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)

    def on_train_batch_end(self, batch, logs=None):
        self.weights = self.model.get_weights()

    def on_train_end(self, logs=None):
        self.ended += 1


def test_ctrl_c_stops_after_the_current_batch_keeping_its_weights(capsys):
    model = Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.default_rng(0).random((64, 3)), np.zeros((64, 1))
    stop = _CtrlC(at_batch=5)
    history = model.fit(x, y, batch_size=8, epochs=10, verbose=0, callbacks=[stop])
    assert stop.seen == 5 and stop.ended == 1  # that batch finished; on_train_end ran
    assert int(model.optimizer.iterations.numpy()) == 5
    for kept, now in zip(stop.weights, model.get_weights()):
        np.testing.assert_array_equal(kept, now)
    assert history.history == {}  # no epoch completed
    assert "Interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


def test_a_second_ctrl_c_exits_at_once():
    model = Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.zeros((64, 3)), np.zeros((64, 1))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[_CtrlC(2, times=2)])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_fit_in_a_worker_thread_trains_and_leaves_the_sigint_handler_alone(monkeypatch):
    import threading

    installs = []
    real_signal = signal.signal

    def recording_signal(signum, handler):
        installs.append(threading.current_thread().name)
        return real_signal(signum, handler)

    monkeypatch.setattr(signal, "signal", recording_signal)
    model = Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.random.default_rng(0).random((64, 3)), np.zeros((64, 1))
    results, errors = [], []

    def work():
        try:
            results.append(model.fit(x, y, batch_size=8, epochs=2, verbose=0))
        except BaseException as exc:  # the test reports it below
            errors.append(exc)

    worker = threading.Thread(target=work, name="fit-worker")
    worker.start()
    worker.join()
    assert errors == [] and len(results[0].history["loss"]) == 2
    assert int(model.optimizer.iterations.numpy()) == 16
    assert installs == []  # no handler installed (nor restored) from the worker thread
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_a_worker_thread_fits_interrupts_the_main_thread_only():
    import threading

    interrupted, done = threading.Event(), threading.Event()

    class CtrlCFromWorker(_CtrlC):
        def on_train_batch_begin(self, batch, logs=None):
            super().on_train_batch_begin(batch, logs)
            if self.seen == self.at_batch:  # wait until the main thread has had its interrupt
                assert interrupted.wait(30)

    model = Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x, y = np.zeros((64, 3)), np.zeros((64, 1))
    stop = CtrlCFromWorker(at_batch=2)
    results = []

    def work():
        try:
            results.append(model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[stop]))
        finally:
            done.set()

    # (An Event, not join(): a join interrupted by Ctrl-C marks the thread finished early.)
    with pytest.raises(KeyboardInterrupt):  # Python's plain behaviour, in the main thread
        threading.Thread(target=work).start()
        done.wait(30)
    interrupted.set()
    assert done.wait(30)
    assert len(results[0].history["loss"]) == 3 and stop.ended == 1  # the fit ran to its end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


class _Raises(callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 2:
            raise RuntimeError("a callback failed")


def test_the_sigint_handler_is_restored_when_fit_raises():
    model, x, y = _exploding()
    with pytest.raises(NonFiniteLossError):
        model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    model = Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(RuntimeError, match="a callback failed"):
        model.fit(np.zeros((64, 3)), np.zeros((64, 1)), batch_size=8, verbose=0,
                  callbacks=[_Raises()])
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_sigint_handler_of_the_users_own_is_left_in_charge():
    seen = []

    def own(signum, frame):
        seen.append(signum)

    previous = signal.signal(signal.SIGINT, own)
    try:
        model = Sequential([Input(shape=(3,)), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(np.zeros((64, 3)), np.zeros((64, 1)), batch_size=8, epochs=2,
                            verbose=0, callbacks=[_CtrlC(at_batch=3)])
        assert seen == [signal.SIGINT] and len(history.history["loss"]) == 2
        assert signal.getsignal(signal.SIGINT) is own
    finally:
        signal.signal(signal.SIGINT, previous)
