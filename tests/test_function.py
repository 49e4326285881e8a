"""``tinykeras.function``: a custom GradientTape loop, traced once and replayed."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential

R = np.random.default_rng(1)
X = R.standard_normal((64, 5)).astype("float32")
Y = (R.uniform(size=(64, 1)) > 0.5).astype("float32")


@pytest.fixture(autouse=True)
def _no_forced_check(monkeypatch):
    monkeypatch.delenv("TINYKERAS_JIT_CHECK", raising=False)


def _loop(decorate, epochs=3, body="plain"):
    tk.utils.set_random_seed(2)
    model = Sequential([Input(shape=(5,)), Dense(8, activation="relu"),
                        Dense(1, activation="sigmoid")])
    optimizer = tk.optimizers.Adam(0.01)
    loss_fn = tk.losses.BinaryCrossentropy()

    def step(x, y):
        with tk.GradientTape() as tape:
            pred = model(x, training=True)
            loss = loss_fn(y, pred)
            if body == "branch" and float(loss) > 1e9:  # Python on a value: cannot replay
                loss = loss * 0.0
        grads = tape.gradient(loss, model.trainable_variables)
        if body == "numpy_grads":  # gradients changed outside ops: cannot replay
            grads = [np.clip(g.numpy(), -1, 1) for g in grads]
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    fn = decorate(step)
    losses = []
    for _ in range(epochs):
        for i in range(0, 64, 16):
            losses.append(fn(X[i:i + 16], Y[i:i + 16]))
    return fn, [float(v) for v in losses], model.get_weights()


@pytest.mark.parametrize("body", ["plain", "branch", "numpy_grads"])
def test_function_replays_a_gradient_tape_loop_bit_for_bit(body):
    traced, losses_a, weights_a = _loop(tk.function, body=body)
    _, losses_b, weights_b = _loop(lambda f: f, body=body)
    assert losses_a == losses_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
    if body == "plain":
        assert len(traced.plans) == 1 and not traced.refused
        assert next(iter(traced.plans.values()))[1]  # verified on its second call
    else:
        assert not traced.plans and traced.refused


def test_function_check_mode_and_options():
    traced, losses_a, _ = _loop(lambda f: tk.function(f, jit_compile="check"))
    _, losses_b, _ = _loop(lambda f: f)
    assert losses_a == losses_b and traced.mode == "check"
    off, losses_c, _ = _loop(lambda f: tk.function(jit_compile=False)(f))
    assert losses_c == losses_b and not off.plans


def test_function_on_a_method_and_with_python_arguments():
    class Scaler:
        def __init__(self, w):
            self.w = tk.Variable(w)

        @tk.function
        def apply(self, x, factor):
            return self.w * x * factor

    a, b = Scaler([1.0, 2.0]), Scaler([3.0, 4.0])
    x = np.array([1.0, 1.0], dtype="float32")
    for _ in range(3):
        np.testing.assert_array_equal(a.apply(x, 2.0).numpy(), [2.0, 4.0])
        np.testing.assert_array_equal(b.apply(x, 3.0).numpy(), [9.0, 12.0])
    a.w.assign([5.0, 5.0])  # variables are read again at every replay
    np.testing.assert_array_equal(a.apply(x, 2.0).numpy(), [10.0, 10.0])
