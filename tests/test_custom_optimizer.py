"""A user's Optimizer subclass, written as Keras's guide writes one (per-variable
``update_step``, slots from ``add_variable_from_reference``), trains through ``fit``, the
replayed step and ``apply_gradients``."""

import numpy as np
import pytest

import tinykeras as keras
from tinykeras import ops
from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential


class MomentumSGD(keras.optimizers.Optimizer):
    """SGD with momentum, ``v = m * v - lr * g; w += v``, one variable at a time."""

    def __init__(self, learning_rate=0.05, momentum=0.9, name="momentum_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = momentum

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.velocities = [self.add_variable_from_reference(v, "velocity") for v in var_list]

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.velocities[self._get_variable_index(variable)]
        self.assign(velocity, ops.subtract(ops.multiply(velocity, self.momentum),
                                           ops.multiply(gradient, learning_rate)))
        self.assign_add(variable, velocity)


R = np.random.default_rng(4)
X = R.standard_normal((48, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")


def _model():
    keras.utils.set_random_seed(9)
    return Sequential([Input(shape=(3,)), Dense(4, activation="tanh"), Dense(1)])


def _reference_fit(model, epochs, lr=0.05, momentum=0.9):
    """The same training written out by hand with NumPy (the tape gives the gradients)."""
    velocities = [np.zeros_like(w) for w in model.get_weights()]
    for _ in range(epochs):
        for i in range(0, 48, 16):
            with keras.GradientTape() as tape:
                loss = ops.mean(ops.square(model(X[i:i + 16]) - Y[i:i + 16]))
            grads = tape.gradient(loss, model.trainable_variables)
            for v, g, var in zip(velocities, grads, model.trainable_variables):
                v[...] = v * np.float32(momentum) - g.numpy() * np.float32(lr)
                var.assign(var.numpy() + v)


@pytest.mark.parametrize("jit_compile", ["auto", False])
def test_a_keras_guide_optimizer_trains_through_fit(monkeypatch, jit_compile):
    monkeypatch.delenv("TINYKERAS_JIT_CHECK", raising=False)
    model, reference = _model(), _model()
    optimizer = MomentumSGD()
    model.compile(optimizer=optimizer, loss="mse", jit_compile=jit_compile)
    history = model.fit(X, Y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    _reference_fit(reference, 4)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # The slots are public, in Keras's naming, and hold the state.
    names = [v.name for v in optimizer.variables]
    assert names[:2] == ["iteration", "learning_rate"]
    assert names[2] == "dense_kernel_velocity" and len(names) == 2 + 4
    assert int(optimizer.iterations.numpy()) == 12
    assert np.abs(optimizer.velocities[0].numpy()).sum() > 0
    if jit_compile == "auto":
        assert model._learn.plans and not model._learn.refused


def test_replay_and_tape_agree_with_a_custom_optimizer(monkeypatch):
    monkeypatch.setenv("TINYKERAS_JIT_CHECK", "1")
    model = _model()
    model.compile(optimizer=MomentumSGD(clipnorm=1.0), loss="mse")
    model.fit(X, Y, batch_size=16, epochs=3, verbose=0)  # raises on any difference
    assert model._learn.mode == "check"


def test_a_custom_optimizer_in_a_gradient_tape_loop():
    model = _model()
    optimizer = MomentumSGD()
    for i in range(0, 48, 16):
        with keras.GradientTape() as tape:
            loss = ops.mean(ops.square(model(X[i:i + 16]) - Y[i:i + 16]))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
    reference = _model()
    _reference_fit(reference, 1)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
