"""Property tests: shapes, dtypes and bad input over many random models and arrays."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinykeras as tk
from tinykeras.layers import Dense, Input
from tinykeras.models import Sequential

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "softplus", "gelu"]

stacks = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(ACTIVATIONS)), min_size=1,
                  max_size=3)


@settings(max_examples=40, deadline=None)
@given(features=st.integers(1, 5), rows=st.integers(1, 9), stack=stacks,
       dtype=st.sampled_from(["float32", "float64"]), batch=st.integers(1, 4))
def test_any_dense_stack_gives_the_declared_shape_and_dtype(features, rows, stack, dtype, batch):
    tk.config.set_floatx(dtype)
    model = Sequential([Input(shape=(features,))] + [Dense(u, activation=a) for u, a in stack])
    x = np.random.default_rng(0).standard_normal((rows, features))
    out = model.predict(x, batch_size=batch)
    assert out.shape == (rows, stack[-1][0]) and out.dtype == dtype
    assert model.output.shape.as_list() == [None, stack[-1][0]]
    # Batching never changes the numbers.
    np.testing.assert_allclose(out, model.predict(x, batch_size=rows), rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(out))


@settings(max_examples=25, deadline=None)
@given(features=st.integers(1, 4), rows=st.integers(2, 12), units=st.integers(1, 3),
       loss=st.sampled_from(["mse", "mae", "huber", "log_cosh"]))
def test_one_fit_step_keeps_shapes_dtypes_and_finite_weights(features, rows, units, loss):
    rng = np.random.default_rng(rows)
    model = Sequential([Input(shape=(features,)), Dense(units, activation="tanh")])
    model.compile(optimizer="adam", loss=loss)
    shapes = [w.shape for w in model.get_weights()]
    history = model.fit(rng.standard_normal((rows, features)),
                        rng.standard_normal((rows, units)), epochs=1, verbose=0)
    assert [w.shape for w in model.get_weights()] == shapes
    assert all(w.dtype == np.float32 and np.all(np.isfinite(w)) for w in model.get_weights())
    assert np.isfinite(history.history["loss"][0])


bad_arrays = st.one_of(
    st.just(np.array([["a", "b"]])),
    st.just(np.array([[object(), 1.0]], dtype=object)),
    st.just(np.array([[1 + 2j, 0j]])),
    st.just(np.array(3.0)),
)


@settings(max_examples=10, deadline=None)
@given(bad=bad_arrays)
def test_non_numeric_or_scalar_x_is_refused_and_nothing_changes(bad):
    model = Sequential([Input(shape=(2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match="`x`"):
        model.fit(bad, np.zeros((1, 1)), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=20, deadline=None)
@given(n_x=st.integers(1, 8), n_y=st.integers(1, 8))
def test_mismatched_lengths_are_refused_naming_both_sizes(n_x, n_y):
    if n_x == n_y:
        return
    model = Sequential([Input(shape=(2,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=f"x sizes: {n_x}, y sizes: {n_y}"):
        model.fit(np.zeros((n_x, 2)), np.zeros((n_y, 1)), verbose=0)


@settings(max_examples=20, deadline=None)
@given(width=st.integers(1, 6).filter(lambda w: w != 3))
def test_wrong_feature_count_is_refused_with_both_numbers(width):
    model = Sequential([Input(shape=(3,)), Dense(1, name="d")])
    with pytest.raises(ValueError, match=rf"expected axis -1 of input shape to have value 3, "
                       rf"but received input with shape \(2, {width}\)"):
        model.predict(np.zeros((2, width)))
