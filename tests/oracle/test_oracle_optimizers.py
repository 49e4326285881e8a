"""Optimizers against Keras: 5 steps from identical weights and gradients, every optimizer with
non-default options, clipping, weight decay and each learning-rate schedule."""

import keras
import numpy as np
import pytest
from harness import compare, keras_variables, ours_variables

import tinykeras as tk

STEPS = 5
SHAPES = [(4, 3), (3,), (3, 2), (2,)]
# Gradient scales per variable; the last is a nearly flat weight (|g| ~ 1e-6), where the
# epsilon terms decide the step size.
SCALES = [1.0, 0.1, 1e-3, 1e-6]


def _problem(dtype):
    r = np.random.default_rng(11)
    init = [r.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [[(r.normal(size=s) * c).astype(dtype) for s, c in zip(SHAPES, SCALES)]
             for _ in range(STEPS)]
    return init, grads


# name -> factory taking the optimizers module (tinykeras.optimizers or keras.optimizers)
CASES = {
    "SGD()": lambda o: o.SGD(),
    "SGD(momentum=0.9)": lambda o: o.SGD(learning_rate=0.1, momentum=0.9),
    "SGD(momentum=0.9, nesterov=True)": lambda o: o.SGD(
        learning_rate=0.1, momentum=0.9, nesterov=True),
    "SGD(weight_decay=0.05)": lambda o: o.SGD(learning_rate=0.1, weight_decay=0.05),
    "RMSprop()": lambda o: o.RMSprop(),
    "RMSprop(rho=0.8, momentum=0.5)": lambda o: o.RMSprop(
        learning_rate=0.01, rho=0.8, momentum=0.5),
    "RMSprop(centered=True)": lambda o: o.RMSprop(learning_rate=0.01, centered=True),
    "RMSprop(centered=True, momentum=0.9, epsilon=1e-5)": lambda o: o.RMSprop(
        learning_rate=0.01, centered=True, momentum=0.9, epsilon=1e-5),
    "Adam()": lambda o: o.Adam(),
    "Adam(amsgrad=True)": lambda o: o.Adam(learning_rate=0.05, amsgrad=True),
    "Adam(beta_1=0.8, beta_2=0.99, epsilon=1e-5)": lambda o: o.Adam(
        learning_rate=0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-5),
    "Adam(weight_decay=0.05)": lambda o: o.Adam(learning_rate=0.05, weight_decay=0.05),
    "AdamW()": lambda o: o.AdamW(learning_rate=0.05),
    "AdamW(weight_decay=0.1, amsgrad=True)": lambda o: o.AdamW(
        learning_rate=0.05, weight_decay=0.1, amsgrad=True),
    "Adagrad(initial_accumulator_value=0.05)": lambda o: o.Adagrad(
        learning_rate=0.1, initial_accumulator_value=0.05),
    "Adadelta(learning_rate=1.0, rho=0.9)": lambda o: o.Adadelta(learning_rate=1.0, rho=0.9),
    "Adamax(beta_1=0.85)": lambda o: o.Adamax(learning_rate=0.05, beta_1=0.85),
    "Nadam(beta_1=0.85)": lambda o: o.Nadam(learning_rate=0.05, beta_1=0.85),
    "Nadam(weight_decay=0.01, epsilon=1e-6)": lambda o: o.Nadam(
        learning_rate=0.05, weight_decay=0.01, epsilon=1e-6),
    # clipping
    "Adam(clipnorm=0.5)": lambda o: o.Adam(learning_rate=0.05, clipnorm=0.5),
    "SGD(momentum=0.9, clipvalue=0.3)": lambda o: o.SGD(
        learning_rate=0.1, momentum=0.9, clipvalue=0.3),
    "RMSprop(global_clipnorm=1.0)": lambda o: o.RMSprop(learning_rate=0.01, global_clipnorm=1.0),
    # learning-rate schedules
    "SGD(ExponentialDecay(0.1, 2, 0.5))": lambda o: o.SGD(
        learning_rate=o.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)),
    "Adam(ExponentialDecay(0.05, 2, 0.7, staircase=True))": lambda o: o.Adam(
        learning_rate=o.schedules.ExponentialDecay(
            0.05, decay_steps=2, decay_rate=0.7, staircase=True)),
    "SGD(PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]), momentum=0.5)": lambda o: o.SGD(
        learning_rate=o.schedules.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]),
        momentum=0.5),
    "RMSprop(CosineDecay(0.01, 4, alpha=0.1))": lambda o: o.RMSprop(
        learning_rate=o.schedules.CosineDecay(0.01, decay_steps=4, alpha=0.1)),
    "Adam(CosineDecay(0.0, 3, warmup_target=0.05, warmup_steps=2))": lambda o: o.Adam(
        learning_rate=o.schedules.CosineDecay(0.0, decay_steps=3, warmup_target=0.05,
                                              warmup_steps=2)),
    "SGD(InverseTimeDecay(0.1, 2, 0.5))": lambda o: o.SGD(
        learning_rate=o.schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)),
    "Adagrad(InverseTimeDecay(0.1, 1, 0.5, staircase=True))": lambda o: o.Adagrad(
        learning_rate=o.schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5,
                                                   staircase=True)),
    # the rest of the common arguments
    "Adam(use_ema=True, ema_overwrite_frequency=3)": lambda o: o.Adam(
        learning_rate=0.05, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=3),
    "SGD(momentum=0.9, gradient_accumulation_steps=2)": lambda o: o.SGD(
        learning_rate=0.1, momentum=0.9, gradient_accumulation_steps=2),
    "Adam(loss_scale_factor=4.0)": lambda o: o.Adam(learning_rate=0.05, loss_scale_factor=4.0),
}


@pytest.fixture(params=["0", "1"], ids=["ufuncs", "fused"])
def fusing(request, monkeypatch):
    """Each case with the NumPy ufunc update and with the compiled one (optimizers/fused.py,
    forced on for these small variables; the optimizers without a kernel run ufuncs twice)."""
    from tinykeras.optimizers import fused

    monkeypatch.setenv("TINYKERAS_FUSED", request.param)
    fused.reset()
    yield request.param
    fused.reset()


@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_steps_match_keras(name, floatx, fusing):
    init, grads = _problem(floatx)
    ours, theirs = CASES[name](tk.optimizers), CASES[name](keras.optimizers)
    vars_a, vars_b = ours_variables(init, floatx), keras_variables(init, floatx)
    for step, step_grads in enumerate(grads, start=1):
        ours.apply_gradients(zip(step_grads, vars_a))
        theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in step_grads], vars_b))
        for i, (a, b) in enumerate(zip(vars_a, vars_b)):
            assert a.numpy().dtype == np.dtype(floatx)
            compare(a.numpy(), b, section="optimizers", item=name,
                    where=f"step {step}, variable {i} {SHAPES[i]}", dtype=floatx)
    assert int(ours.iterations.numpy()) == int(keras.ops.convert_to_numpy(theirs.iterations))


# name -> factory taking the schedules module
SCHEDULES = {
    "ExponentialDecay(0.1, 3, 0.5)": lambda s: s.ExponentialDecay(0.1, 3, 0.5),
    "ExponentialDecay(0.1, 3, 0.5, staircase=True)": lambda s: s.ExponentialDecay(
        0.1, 3, 0.5, staircase=True),
    "PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01])": lambda s: s.PiecewiseConstantDecay(
        [2, 5], [0.1, 0.05, 0.01]),
    "CosineDecay(0.1, 8, alpha=0.1)": lambda s: s.CosineDecay(0.1, 8, alpha=0.1),
    "CosineDecay(0.0, 6, warmup_target=0.1, warmup_steps=3)": lambda s: s.CosineDecay(
        0.0, 6, warmup_target=0.1, warmup_steps=3),
    "InverseTimeDecay(0.1, 2, 0.5)": lambda s: s.InverseTimeDecay(0.1, 2, 0.5),
    "InverseTimeDecay(0.1, 2, 0.5, staircase=True)": lambda s: s.InverseTimeDecay(
        0.1, 2, 0.5, staircase=True),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_values_match_keras(name, floatx):
    ours = SCHEDULES[name](tk.optimizers.schedules)
    theirs = SCHEDULES[name](keras.optimizers.schedules)
    steps = range(12)  # past every decay, boundary and warmup above
    a = np.array([np.asarray(ours(step)) for step in steps])
    b = np.array([keras.ops.convert_to_numpy(theirs(step)) for step in steps])
    assert a.dtype == np.dtype(floatx)
    compare(a, b, section="optimizers", item=f"schedules.{name}", where="steps 0..11",
            dtype=floatx)
