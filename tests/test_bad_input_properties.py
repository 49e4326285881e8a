"""Property tests over random models and random inputs (fixed example counts, no deadline):
bad data and arguments raise only our error types and change nothing; random layer stacks
keep forward and backward shapes, match finite differences, and batch-independent predict."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from state_snapshot import changed, snapshot

import tinykeras as tk
from tinykeras.errors import TinykerasError
from tinykeras.layers import (
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Input,
    LayerNormalization,
)
from tinykeras.models import Sequential
from tinykeras.utils.gradient_check import numerical_gradient, relative_error

ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "elu", "softplus", "gelu"]


def _trained(features=3, units=2, loss="mse", optimizer="adam"):
    model = Sequential([Input(shape=(features,)), Dense(4, activation="tanh"), Dense(units)])
    model.compile(optimizer=optimizer, loss=loss)
    rng = np.random.default_rng(0)
    model.fit(rng.random((8, features)), rng.random((8, units)), epochs=1, verbose=0)
    return model


# -- random bad data -------------------------------------------------------------------------------
corruptions = st.sampled_from(["nan", "inf", "-inf", "width", "rank1", "rank3", "empty", "text",
                               "rows", "object"])


def _corrupt(x, how, where):
    x = np.array(x, dtype=np.float64)
    if how in ("nan", "inf", "-inf"):
        x.flat[where % x.size] = float(how)
        return x
    return {
        "width": lambda: np.hstack([x, x[:, :1]]), "rank1": lambda: x[:, 0],
        "rank3": lambda: x[:, None, :], "empty": lambda: x[:0], "text": lambda: x.astype(str),
        "rows": lambda: x[:-1], "object": lambda: np.array([[None] * x.shape[1]] * len(x)),
    }[how]()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(how=corruptions, where=st.integers(0, 10**6), target=st.sampled_from(["x", "y"]),
       method=st.sampled_from(["fit", "evaluate", "train_on_batch", "test_on_batch"]),
       rows=st.integers(2, 9))
def test_random_bad_data_raises_ours_and_changes_nothing(how, where, target, method, rows):
    model = _trained()
    rng = np.random.default_rng(where)
    data = {"x": rng.random((rows, 3)), "y": rng.random((rows, 2))}
    data[target] = _corrupt(data[target], how, where)
    before = snapshot(model)
    kwargs = {"verbose": 0} if method in ("fit", "evaluate") else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(model, method)(data["x"], data["y"], **kwargs)
    except TinykerasError:
        pass
    else:
        raise AssertionError(f"{method} accepted {target} corrupted by {how!r}")
    assert not changed(before, snapshot(model))


bad_values = st.one_of(st.integers(-5, 0), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=3), st.just(None), st.just([1, 2]), st.booleans())


@settings(max_examples=80, deadline=None, derandomize=True)
@given(arg=st.sampled_from(["batch_size", "epochs", "verbose", "steps_per_epoch",
                            "validation_split", "validation_freq", "shuffle", "initial_epoch",
                            "class_weight", "callbacks", "validation_data"]),
       value=bad_values)
def test_random_fit_arguments_are_accepted_or_refused_by_us_without_side_effects(arg, value):
    model = _trained(units=1, loss="binary_crossentropy")
    x, y = np.random.default_rng(1).random((6, 3)), np.array([[0], [1]] * 3, dtype="float32")
    before = snapshot(model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y, **{"verbose": 0, arg: value})
    except TinykerasError:
        assert not changed(before, snapshot(model)), f"refused {arg}={value!r} changed state"
    # Accepted values (batch_size=None, shuffle=False...) simply train: any other error fails.


@settings(max_examples=30, deadline=None, derandomize=True)
@given(class_weight=st.dictionaries(st.one_of(st.integers(-2, 4), st.text(max_size=1)),
                                    st.one_of(st.floats(), st.text(max_size=1)), max_size=3))
def test_random_class_weights_are_used_or_refused_cleanly(class_weight):
    model = _trained(units=1, loss="binary_crossentropy")
    x, y = np.random.default_rng(2).random((6, 3)), np.array([[0], [1]] * 3, dtype="float32")
    before = snapshot(model)
    try:
        model.fit(x, y, verbose=0, class_weight=class_weight)
    except TinykerasError:
        assert not changed(before, snapshot(model))
    else:  # accepted: only known classes with finite non-negative weights
        assert all(isinstance(k, int) and k in (0, 1) for k in class_weight)
        assert all(isinstance(v, float) and np.isfinite(v) and v >= 0
                   for v in class_weight.values())


@settings(max_examples=40, deadline=None, derandomize=True)
@given(index=st.integers(0, 3), how=st.sampled_from(["shape", "nan", "text", "none"]))
def test_random_bad_weight_lists_change_no_weight(index, how):
    model = _trained()
    weights = model.get_weights()
    before = snapshot(model)
    bad = list(weights)
    bad[index] = {"shape": np.zeros(weights[index].shape + (1,)), "none": None,
                  "nan": np.full(weights[index].shape, np.nan),
                  "text": np.full(weights[index].shape, "w")}[how]
    try:
        model.set_weights(bad)
    except TinykerasError:
        pass
    else:
        raise AssertionError(f"set_weights accepted weight {index} as {how}")
    assert not changed(before, snapshot(model))


# -- random valid stacks ---------------------------------------------------------------------------
layer_specs = st.lists(st.one_of(
    st.tuples(st.just("dense"), st.integers(1, 5), st.sampled_from(ACTIVATIONS)),
    st.tuples(st.just("activation"), st.just(0), st.sampled_from(ACTIVATIONS)),
    st.tuples(st.just("dropout"), st.just(0), st.just("")),
    st.tuples(st.just("batchnorm"), st.just(0), st.just("")),
    st.tuples(st.just("layernorm"), st.just(0), st.just("")),
), min_size=1, max_size=4)


def _stack(features, specs):
    layers = [Input(shape=(features,))]
    for kind, units, act in specs:
        if kind == "dense":
            layers.append(Dense(units, activation=act))
        elif kind == "activation":
            layers.append(Activation(act))
        else:
            layers.append({"dropout": lambda: Dropout(0.3), "batchnorm": BatchNormalization,
                           "layernorm": LayerNormalization}[kind]())
    layers.append(Dense(2))
    return Sequential(layers)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(features=st.integers(1, 4), rows=st.integers(1, 11), specs=layer_specs,
       batch=st.integers(1, 12))
def test_predict_equals_the_whole_batch_forward_for_any_batch_size(features, rows, specs, batch):
    model = _stack(features, specs)
    x = np.random.default_rng(rows).standard_normal((rows, features))
    whole = model(x).numpy()  # inference mode: dropout off, batchnorm on moving statistics
    out = model.predict(x, batch_size=batch, verbose=0)
    assert out.shape == (rows, 2) == whole.shape
    np.testing.assert_allclose(out, whole, rtol=1e-5, atol=1e-6)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(features=st.integers(1, 3), rows=st.integers(2, 5),
       specs=st.lists(st.tuples(st.just("dense"), st.integers(1, 3),
                                st.sampled_from(["linear", "tanh", "sigmoid", "softplus",
                                                 "softmax", "elu"])), min_size=1, max_size=3))
def test_random_stack_gradients_match_finite_differences(features, rows, specs):
    tk.config.set_floatx("float64")
    model = _stack(features, specs)
    rng = np.random.default_rng(features * 10 + rows)
    x, target = rng.standard_normal((rows, features)), rng.standard_normal((rows, 2))
    loss_fn = tk.losses.MeanSquaredError()
    with tk.GradientTape() as tape:
        loss = loss_fn(target, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    for var, grad in zip(model.trainable_variables, grads):
        assert grad.shape == var.shape  # backward keeps the forward's shapes

        def f(value, var=var):
            saved = var.numpy()
            var.assign(value)
            out = loss_fn(target, model(x, training=True)).numpy()
            var.assign(saved)
            return out

        assert relative_error(grad.numpy(), numerical_gradient(f, var.numpy())) < 1e-6


# -- random calls of the public ops ----------------------------------------------------------------
_OPS = ["abs", "add", "argmax", "argsort", "clip", "concatenate", "cumsum", "divide", "dot",
        "exp", "expand_dims", "log", "logsumexp", "matmul", "max", "maximum", "mean", "multiply",
        "one_hot", "pad", "power", "relu", "repeat", "reshape", "sigmoid", "softmax", "sort",
        "split", "sqrt", "squeeze", "stack", "std", "subtract", "sum", "take", "tile", "top_k",
        "transpose", "where", "sigmoid_crossentropy_with_logits",
        "sparse_softmax_crossentropy_with_logits"]
_ODD = ["abc", None, [[1], [1, 2]], 1.5, -1, 7, (0, 0), [0, 5], True, np.array(["a", "b"])]


def _array(shape):
    return np.random.default_rng(len(shape)).random(shape)


_values = st.one_of(
    st.lists(st.integers(0, 4), max_size=3).map(lambda s: _array(tuple(s))),
    st.sampled_from(_ODD),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(name=st.sampled_from(_OPS), args=st.lists(_values, min_size=1, max_size=3),
       axis=st.one_of(st.none(), st.integers(-4, 4), st.sampled_from([1.5, "a", (0, 0)])))
def test_random_op_calls_succeed_or_raise_only_our_errors(name, args, axis):
    fn = getattr(tk.ops, name)
    for kwargs in ({}, {"axis": axis}):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(*args, **kwargs)
        except TinykerasError:
            pass
        except TypeError as exc:  # only Python's own call check (an argument it does not take)
            assert "argument" in str(exc) and type(exc) is TypeError, exc
