"""Forward passes against Keras: every activation, Dense with each one, Sequential stacks."""

import keras
import numpy as np
import pytest
from harness import build_pair, compare, keras_call, ours_call

import tinykeras as tk

# Every activation tinykeras exports, with keyword variants where Keras has options.
ACTIVATION_CASES = [(name, {}) for name in sorted(tk.activations.ALL_OBJECTS)] + [
    ("relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 2.5}),
    ("relu", {"threshold": 0.5}),
    ("relu", {"negative_slope": 0.1, "max_value": 2.5, "threshold": 0.5}),
    ("leaky_relu", {"negative_slope": 0.05}),
    ("elu", {"alpha": 0.7}),
    ("gelu", {"approximate": True}),
    ("softmax", {"axis": 0}),
    ("log_softmax", {"axis": 0}),
]


def _case_id(case):
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def _activation_inputs(dtype):
    # A grid through the interesting region, its tails, and exact kinks (0, thresholds).
    grid = np.concatenate([np.linspace(-12, 12, 97), [-30, -20, 20, 30, 0.0, 0.5, 2.5, 6.0]])
    return grid.reshape(15, 7).astype(dtype)


@pytest.mark.parametrize("case", ACTIVATION_CASES, ids=_case_id)
def test_activation_matches_keras(case, floatx):
    name, kwargs = case
    x = _activation_inputs(floatx)
    ours = tk.activations.get(name)(x, **kwargs).numpy()
    theirs = keras.ops.convert_to_numpy(keras.activations.get(name)(keras.ops.array(x), **kwargs))
    assert ours.dtype == theirs.dtype == np.dtype(floatx)
    # Elementwise functions: judge each value against itself (atol is the float's tiny).
    atol = np.finfo(floatx).tiny
    if name == "gelu":
        # Both libraries compute x * (1 + erf(x / sqrt 2)) / 2 (or the tanh form); in the
        # negative tail the 1 + erf cancels, so each result carries an absolute rounding of
        # about eps * |x| there. Allow twice that, no more.
        atol = 2 * np.finfo(floatx).eps * float(np.max(np.abs(x)))
    compare(ours, theirs, section="forward", item=f"activation {_case_id(case)}",
            where="forward pass", dtype=floatx, atol=atol)


DENSE_ACTIVATIONS = sorted(tk.activations.ALL_OBJECTS)


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS)
def test_dense_layer_matches_keras(activation, floatx, rng):
    ours, theirs = build_pair(6, [(5, activation)])
    x = rng.normal(size=(9, 6)).astype(floatx)
    compare(ours_call(ours, x), keras_call(theirs, x), section="forward",
            item=f"Dense(5, {activation!r})", where="forward pass", dtype=floatx)


STACKS = {
    "seed 400-25-15-1 sigmoid": (400, [(25, "sigmoid"), (15, "sigmoid"), (1, "sigmoid")]),
    "relu-relu-softmax": (8, [(16, "relu"), (12, "relu"), (4, "softmax")]),
    "tanh-elu-linear": (5, [(7, "tanh"), (6, "elu"), (3, None)]),
    "gelu-selu-softplus-sigmoid": (5, [(8, "gelu"), (8, "selu"), (4, "softplus"), (2, "sigmoid")]),
}


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_sequential_stack_matches_keras(stack, floatx, rng):
    n_in, layers = STACKS[stack]
    ours, theirs = build_pair(n_in, layers)
    x = rng.normal(size=(17, n_in)).astype(floatx)
    compare(ours_call(ours, x), keras_call(theirs, x), section="forward",
            item=f"Sequential {stack}", where="forward pass", dtype=floatx)
    compare(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), section="forward",
            item=f"Sequential {stack}", where="predict", dtype=floatx)


def test_weights_copy_both_ways_exactly(floatx):
    ours, theirs = build_pair(4, [(3, "relu"), (2, None)])
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    theirs_fresh = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "relu"),
                                     keras.layers.Dense(2)])
    ours.set_weights(theirs_fresh.get_weights())
    for a, b in zip(ours.get_weights(), theirs_fresh.get_weights()):
        assert a.dtype == np.dtype(floatx)
        np.testing.assert_array_equal(a, b)
