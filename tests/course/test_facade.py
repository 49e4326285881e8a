"""``import tinykeras as tf``: the TensorFlow names course code calls, their values, dtypes and
gradients (finite differences in float64)."""

import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinykeras as tf
from tinykeras import keras
from tinykeras.autodiff import Tensor
from tinykeras.utils.gradient_check import check_gradients


def test_tf_keras_is_tinykeras_itself():
    assert tf.keras is tf and keras is tf
    for name in ("models", "layers", "losses", "optimizers", "activations", "regularizers",
                 "initializers", "metrics", "callbacks", "backend", "utils"):
        assert getattr(tf.keras, name) is getattr(tf, name)
    assert tf.keras.Input is tf.layers.Input and tf.keras.Model is tf.models.Model
    assert tf.keras.Sequential is tf.models.Sequential
    assert tf.keras.backend.set_floatx is tf.config.set_floatx


def test_softmax_matches_the_course_formula_within_1e_10_and_keeps_float64():
    for z in (np.array([1.0, 2.0, 3.0, 4.0]), np.log(np.full(10, 0.1))):
        ez = np.exp(z - z.max())
        out = tf.nn.softmax(z)
        assert out.dtype == "float64"
        np.testing.assert_allclose(out.numpy(), ez / ez.sum(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("value", [np.float64(0.3), np.array(0.3), 0.3, [0.3], np.float32(0.3)])
def test_activations_accept_numpy_scalars_0d_arrays_lists_and_floats(value):
    for fn in (tf.keras.activations.sigmoid, tf.nn.sigmoid, tf.math.sigmoid, tf.nn.relu,
               tf.keras.activations.linear, tf.keras.activations.relu, tf.nn.softmax):
        out = fn(value)
        assert isinstance(out, Tensor)
        assert float(np.ravel(out.numpy())[0]) == pytest.approx(
            float(np.ravel(np.asarray(fn(np.asarray(value, dtype=np.float64))))[0]), rel=1e-6)
    assert tf.keras.activations.sigmoid(value).numpy() == pytest.approx(1 / (1 + np.exp(-0.3)))


def test_numpy_scalars_keep_their_dtype_python_floats_become_float32():
    assert tf.keras.activations.sigmoid(np.float64(0.3)).dtype == "float64"
    assert tf.keras.activations.sigmoid(0.3).dtype == "float32"
    assert tf.constant(1.0).dtype == tf.float32
    assert tf.constant(np.zeros(2)).dtype == tf.float64


def test_sigmoid_result_goes_into_a_numpy_grid_cell_and_formats():
    grid = np.zeros((2, 2))
    grid[0, 1] = tf.keras.activations.sigmoid(np.dot(np.ones(2), np.ones(2)) - 2.0)
    assert grid[0, 1] == pytest.approx(0.5)
    assert f"{tf.math.sigmoid(np.float64(0.0)):0.2f}" == "0.50"


def test_reductions_matmul_transpose_and_their_gradients():
    x = np.arange(6.0).reshape(2, 3)
    assert float(tf.reduce_sum(x)) == 15.0
    np.testing.assert_allclose(tf.reduce_mean(x, axis=0).numpy(), [1.5, 2.5, 3.5])
    np.testing.assert_allclose(tf.reduce_max(x, axis=-1).numpy(), [2.0, 5.0])
    np.testing.assert_allclose(tf.math.reduce_min(x, axis=[0, 1]).numpy(), 0.0)
    np.testing.assert_allclose(tf.matmul(x, x, transpose_b=True).numpy(), x @ x.T)
    np.testing.assert_allclose(tf.linalg.matmul(x, x, transpose_a=True).numpy(), x.T @ x)
    np.testing.assert_allclose(tf.transpose(x).numpy(), x.T)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    errors = check_gradients(lambda p, q: tf.reduce_sum(
        tf.linalg.matmul(p, q, transpose_b=True) ** 2) + tf.reduce_max(p), a, b)
    assert max(errors) < 1e-6, errors
    errors = check_gradients(lambda p: tf.reduce_mean(tf.transpose(p) * 3.0, axis=1), a)
    assert max(errors) < 1e-6, errors


def test_l2_normalize_values_and_gradient():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(4, 3))
    out = tf.linalg.l2_normalize(v, axis=1).numpy()
    np.testing.assert_allclose(out, v / np.linalg.norm(v, axis=1, keepdims=True), rtol=1e-12)
    errors = check_gradients(lambda p: tf.linalg.l2_normalize(p, axis=1)[:, 0] * 2.0, v)
    assert max(errors) < 1e-6, errors


def test_gather_nd_with_stack_range_cast_picks_q_values_and_differentiates():
    q = np.arange(12.0).reshape(4, 3)
    actions = np.array([0.0, 2.0, 1.0, 1.0])
    idx = tf.stack([tf.range(q.shape[0]), tf.cast(actions, tf.int32)], axis=1)
    assert idx.dtype == "int32"
    np.testing.assert_allclose(tf.gather_nd(q, idx).numpy(), [0.0, 5.0, 7.0, 10.0])
    errors = check_gradients(lambda p: tf.gather_nd(p, idx.numpy()) ** 2, q)
    assert max(errors) < 1e-6, errors


def test_argsort_descending_indexes_lists_and_dataframes():
    pred = np.array([0.2, 3.0, 1.5, 3.0])
    order = tf.argsort(pred, direction="DESCENDING")
    assert order.dtype == "int32"
    assert list(order.numpy()) == [1, 3, 2, 0]  # ties keep their order, as TensorFlow
    titles = ["a", "b", "c", "d"]
    assert [titles[order[i]] for i in range(4)] == ["b", "d", "c", "a"]
    import pandas as pd
    frame = pd.DataFrame({"title": titles})
    assert list(frame.iloc[order.numpy()]["title"]) == ["b", "d", "c", "a"]
    assert list(frame.loc[np.asarray(order), "title"]) == ["b", "d", "c", "a"]


def test_variable_tape_and_adam_apply_gradients_as_in_collaborative_filtering():
    tf.random.set_seed(1234)
    W = tf.Variable(tf.random.normal((3, 2), dtype=tf.float64), name="W")
    X = tf.Variable(tf.random.normal((4, 2), dtype=tf.float64), name="X")
    assert W.dtype == "float64" and X.dtype == "float64"
    Y = np.arange(12.0).reshape(4, 3) / 12
    opt = keras.optimizers.Adam(learning_rate=1e-1)
    costs = []
    for _ in range(50):
        with tf.GradientTape() as tape:
            cost = 0.5 * tf.reduce_sum((tf.linalg.matmul(X, tf.transpose(W)) - Y) ** 2)
        grads = tape.gradient(cost, [X, W])
        opt.apply_gradients(zip(grads, [X, W]))
        costs.append(float(cost))
    assert costs[-1] < 0.1 * costs[0]
    assert f"{cost:0.1f}" == f"{float(cost):0.1f}"


def test_random_is_seeded_and_shaped():
    tf.random.set_seed(7)
    a = tf.random.normal((2, 3)).numpy()
    tf.random.set_seed(7)
    b = tf.random.normal((2, 3)).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32
    u = tf.random.uniform((1000,), minval=2.0, maxval=3.0).numpy()
    assert 2.0 <= u.min() and u.max() < 3.0


def test_logging_switches_function_and_version_exist():
    tf.autograph.set_verbosity(0)
    tf.get_logger().setLevel("ERROR")
    assert tf.get_logger() is logging.getLogger("tensorflow")

    @tf.function
    def double(x):
        return x * 2

    @tf.function(reduce_retracing=True)
    def triple(x):
        return x * 3

    assert float(double(tf.constant(2.0))) == 4.0 and float(triple(tf.constant(2.0))) == 6.0
    assert tf.version.VERSION == tf.__version__


def test_saved_model_is_refused_with_the_keras_file_as_the_fix():
    with pytest.raises(NotImplementedError, match=r'model.save\("m.keras"\)'):
        tf.saved_model.save(object(), "dir")
    with pytest.raises(NotImplementedError, match="m.keras"):
        tf.saved_model.load("dir")


def test_small_helpers():
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert tf.expand_dims(tf.constant([1.0, 2.0]), 0).shape.as_list() == [1, 2]
    assert float(tf.add_n([tf.constant(1.0), 2.0, np.float32(3.0)])) == 6.0
    assert tf.convert_to_tensor(np.ones(2), dtype=tf.float32).dtype == "float32"
    assert tf.range(5).dtype == "int32" and tf.range(0.0, 1.0, 0.5).dtype == "float32"
    assert tf.zeros((2, 2)).dtype == tf.float32


def test_tensor_and_variable_reprs_look_like_tensorflow():
    assert repr(tf.constant([[1.37]])) == "tf.Tensor([[1.37]], shape=(1, 1), dtype=float32)"
    layer = tf.keras.layers.Dense(1, name="dense_2")
    layer.build((None, 2))
    text = repr(layer.kernel)
    assert text.startswith("<tf.Variable 'dense_2/kernel:0' shape=(2, 1) dtype=float32, numpy=")
    assert "array(" in text


def test_variable_keeps_an_arrays_dtype_and_puts_floats_in_floatx():
    assert tf.Variable(np.zeros(2)).dtype == "float64"
    assert tf.Variable([1.0, 2.0]).dtype == "float32"
    assert tf.Variable(tf.constant([1.0])).dtype == "float32"


def test_facade_functions_on_symbolic_tensors_become_layers():
    inp = tf.keras.Input(shape=(3,))
    out = tf.linalg.l2_normalize(tf.keras.layers.Dense(4)(inp), axis=1)
    assert out.shape.as_list() == [None, 4]
    model = tf.keras.Model(inp, out)
    pred = model.predict(np.ones((2, 3)))
    np.testing.assert_allclose(np.linalg.norm(pred, axis=1), 1.0, rtol=1e-6)


def test_tf_function_delegates_to_tinykeras_trace_function_when_present(monkeypatch):
    calls = []

    def fake_trace(func=None, **kwargs):
        calls.append(kwargs)
        return func if func is not None else (lambda f: f)

    monkeypatch.setattr(tf, "_trace_function", fake_trace, raising=False)

    @tf.function
    def step(x):
        return x + 1

    @tf.function(jit_compile=True)
    def other(x):
        return x

    assert calls == [{}, {"jit_compile": True}] and float(step(tf.constant(1.0))) == 2.0


def test_multi_line_tensors_print_as_tensorflow_does():
    assert repr(tf.constant([[1.0, 2.0], [3.0, 4.0]])) == (
        "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float32)")
    assert str(tf.constant(2.0)) == "tf.Tensor(2.0, shape=(), dtype=float32)"


def test_a_q_learning_step_with_gather_nd_is_traced_and_matches_the_eager_step():
    def make():
        tf.random.set_seed(5)
        net = tf.keras.Sequential([tf.keras.Input(shape=(4,)),
                                   tf.keras.layers.Dense(8, activation="relu"),
                                   tf.keras.layers.Dense(2)])
        return net, tf.keras.optimizers.Adam(1e-2)

    def step(net, opt, states, actions, y):
        with tf.GradientTape() as tape:
            q = net(states)
            q = tf.gather_nd(q, tf.stack([tf.range(q.shape[0]), tf.cast(actions, tf.int32)],
                                         axis=1))
            loss = tf.keras.losses.MSE(y, q)
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables))
        return loss

    traced_net, traced_opt = make()
    eager_net, eager_opt = make()
    traced = tf.function(lambda s, a, y: step(traced_net, traced_opt, s, a, y))
    rng = np.random.default_rng(0)
    for _ in range(4):
        s = rng.random((16, 4)).astype("float32")
        a = rng.integers(0, 2, 16).astype("float32")
        y = rng.random(16).astype("float32")
        assert float(traced(s, a, y)) == pytest.approx(float(step(eager_net, eager_opt, s, a, y)),
                                                       rel=1e-6)
    if hasattr(traced, "last_reason"):  # tinykeras.function: the step was traced, not refused
        assert traced.last_reason is None
    for w_t, w_e in zip(traced_net.get_weights(), eager_net.get_weights()):
        np.testing.assert_allclose(w_t, w_e, rtol=1e-6)


def test_course_import_lines_work_with_tensorflow_replaced_by_tinykeras():
    # The import lines the course notebooks use (reference/course-usage.md), with the word
    # "tensorflow" replaced by "tinykeras": a learner's search-and-replace must be enough.
    lines = [
        "import tensorflow as tf",
        "from tensorflow import keras",
        "from tensorflow.keras import Sequential",
        "from tensorflow.keras.models import Sequential",
        "from tensorflow.keras.layers import Dense, Input",
        "from tensorflow.keras.losses import MeanSquaredError, BinaryCrossentropy",
        "from tensorflow.keras.activations import linear, relu, sigmoid",
        "from tensorflow.keras.optimizers import Adam",
        "from tensorflow.keras.regularizers import l2",
        "from tensorflow.keras.losses import SparseCategoricalCrossentropy",
    ]
    namespace = {}
    for line in lines:
        exec(line.replace("tensorflow", "tinykeras"), namespace)
    assert namespace["Sequential"] is tf.keras.models.Sequential
    assert namespace["sigmoid"] is tf.keras.activations.sigmoid
    assert namespace["keras"] is tf.keras
    model = namespace["Sequential"]([namespace["Input"](shape=(2,)), namespace["Dense"](1)])
    assert model.predict(np.ones((3, 2)), verbose=0).shape == (3, 1)


# -- tf.math: rounding, scans, statistics, tests and counting (TF's documented examples) --------
def test_tf_math_rounding_follows_tf_with_bankers_round_and_float32_for_python_floats():
    x = [0.9, 2.5, 2.3, 1.5, -4.5]
    out = tf.math.round(x)
    assert out.dtype == "float32"  # Python floats become float32, as in TF
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 2.0, 2.0, -4.0])  # TF's example
    assert tf.round is tf.math.round
    x = [1.3324, -1.5, 5.555, -2.532, 0.99, float("inf")]
    np.testing.assert_array_equal(tf.floor(x).numpy(), [1.0, -2.0, 5.0, -3.0, 0.0, np.inf])
    np.testing.assert_array_equal(tf.math.ceil(x).numpy(), [2.0, -1.0, 6.0, -2.0, 1.0, np.inf])
    np.testing.assert_array_equal(tf.math.ceil([-1.7, -1.5, -0.2, 0.2, 1.5, 1.7, 2.0]).numpy(),
                                  [-1.0, -1.0, -0.0, 1.0, 2.0, 2.0, 2.0])  # TF's example
    assert tf.math.floor(np.array([0.5])).dtype == "float64"  # arrays keep their dtype


def test_tf_math_cumsum_and_cumprod_exclusive_reverse_axis_and_gradients():
    x = tf.constant([2, 4, 6, 8])  # TF's documented examples, int32 kept
    np.testing.assert_array_equal(tf.cumsum(x).numpy(), [2, 6, 12, 20])
    assert tf.cumsum(x).dtype == "int32"
    np.testing.assert_array_equal(tf.math.cumsum(x, exclusive=True).numpy(), [0, 2, 6, 12])
    np.testing.assert_array_equal(tf.math.cumsum(x, reverse=True).numpy(), [20, 18, 14, 8])
    np.testing.assert_array_equal(tf.math.cumsum(x, exclusive=True, reverse=True).numpy(),
                                  [18, 14, 8, 0])
    y = tf.constant([[2, 4, 6, 8], [1, 3, 5, 7]])
    np.testing.assert_array_equal(tf.cumsum(y, axis=0).numpy(), [[2, 4, 6, 8], [3, 7, 11, 15]])
    np.testing.assert_array_equal(tf.cumsum(y, axis=1).numpy(), [[2, 6, 12, 20], [1, 4, 9, 16]])
    # cumprod: [a, ab, abc]; exclusive [1, a, ab] stays exact across a zero (nothing divided)
    v = [2.0, 3.0, 0.0, 5.0]
    np.testing.assert_array_equal(tf.math.cumprod(v).numpy(), [2.0, 6.0, 0.0, 0.0])
    np.testing.assert_array_equal(tf.math.cumprod(v, exclusive=True).numpy(), [1, 2, 6, 0])
    np.testing.assert_array_equal(tf.math.cumprod(v, reverse=True).numpy(), [0, 0, 0, 5])
    np.testing.assert_array_equal(tf.math.cumprod(v, exclusive=True, reverse=True).numpy(),
                                  [0.0, 0.0, 5.0, 1.0])
    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 1.5, size=(3, 4))
    for fn in (lambda p: tf.math.cumsum(p, axis=1, exclusive=True, reverse=True) ** 2,
               lambda p: tf.math.cumprod(p, axis=-1, exclusive=True),
               lambda p: tf.math.cumprod(p, reverse=True)):
        errors = check_gradients(fn, a)
        assert max(errors) < 1e-6, errors


def test_tf_math_reductions_prod_any_all_std_variance_and_count_nonzero():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    # TF's examples: population statistics (divided by n)
    assert float(tf.math.reduce_std(x)) == pytest.approx(1.1180339887498949)
    np.testing.assert_allclose(tf.math.reduce_std(x, axis=0).numpy(), [1.0, 1.0])
    np.testing.assert_allclose(tf.math.reduce_std(x, 1, keepdims=True).numpy(), [[0.5], [0.5]])
    assert float(tf.math.reduce_variance(x)) == pytest.approx(1.25)
    np.testing.assert_allclose(tf.math.reduce_variance(x, axis=[0, 1]).numpy(), np.var(x))
    assert tf.math.reduce_std([1.0, 2.0]).dtype == "float32"
    np.testing.assert_allclose(tf.reduce_prod(x, axis=1).numpy(), [2.0, 12.0])
    assert tf.math.reduce_prod([1, 2, 3]).dtype == "int32" and int(tf.reduce_prod([1, 2, 3])) == 6
    b = np.array([[True, True], [False, False]])
    assert bool(tf.reduce_all(b)) is False and bool(tf.math.reduce_any(b)) is True
    np.testing.assert_array_equal(tf.math.reduce_all(b, axis=0).numpy(), [False, False])
    np.testing.assert_array_equal(tf.reduce_any(b, axis=1).numpy(), [True, False])
    # count_nonzero: int64 by default, axis and keepdims as in TF
    c = tf.math.count_nonzero([[0, 1, 0], [1, 1, 0]])
    assert c.dtype == "int64" and int(c) == 3
    np.testing.assert_array_equal(tf.math.count_nonzero([[0, 1, 0], [1, 1, 0]], axis=0).numpy(),
                                  [1, 2, 0])
    out = tf.math.count_nonzero([[0.0, 1.5], [2.0, 0.0]], axis=1, keepdims=True)
    np.testing.assert_array_equal(out.numpy(), [[1], [1]])
    assert tf.math.count_nonzero([1, 0], dtype=tf.int32).dtype == "int32"
    rng = np.random.default_rng(4)
    a = rng.normal(size=(3, 4))
    for fn in (lambda p: tf.math.reduce_std(p, axis=0), lambda p: tf.math.reduce_variance(p),
               lambda p: tf.math.reduce_prod(p, axis=1)):
        errors = check_gradients(fn, a)
        assert max(errors) < 1e-6, errors


def test_tf_math_elementwise_tests_and_special_functions():
    x = [1.0, np.nan, np.inf, -np.inf, 0.0]
    np.testing.assert_array_equal(tf.math.is_nan(x).numpy(), [0, 1, 0, 0, 0])
    np.testing.assert_array_equal(tf.math.is_inf(x).numpy(), [0, 0, 1, 1, 0])
    np.testing.assert_array_equal(tf.math.is_finite(x).numpy(), [1, 0, 0, 0, 1])
    assert tf.math.is_nan(x).dtype == "bool"
    np.testing.assert_allclose(tf.math.rsqrt([4.0, 0.25]).numpy(), [0.5, 2.0])
    np.testing.assert_allclose(tf.math.erf([0.0, 1.0, -2.0]).numpy(),
                               [0.0, 0.8427007929497149, -0.9953222650189527], rtol=1e-6)
    z = np.array([-50.0, -1.0, 0.0, 1.0, 50.0])
    np.testing.assert_allclose(tf.math.log_sigmoid(z).numpy(), -np.logaddexp(0.0, -z),
                               rtol=1e-12)
    np.testing.assert_allclose(tf.math.squared_difference([1.0, 5.0], 3.0).numpy(), [4.0, 4.0])
    rng = np.random.default_rng(5)
    a, b = rng.uniform(0.5, 2.0, size=(2, 3)), rng.uniform(0.5, 2.0, size=(2, 3))
    for fn in (tf.math.rsqrt, tf.math.erf, tf.math.log_sigmoid):
        errors = check_gradients(fn, a)
        assert max(errors) < 1e-6, errors
    errors = check_gradients(tf.math.squared_difference, a, b)
    assert max(errors) < 1e-6, errors


def test_tf_math_no_nan_divisions_products_and_xlogy():
    # divide_no_nan: 0 wherever y is 0, even 0 / 0 and inf / 0
    out = tf.math.divide_no_nan([3.0, 0.0, np.inf, 1.0], [0.0, 0.0, 0.0, 4.0])
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.0, 0.25])
    assert float(tf.math.divide_no_nan(3.0, 0.0)) == 0.0
    # multiply_no_nan: 0 wherever y is 0, even for x = inf or NaN
    out = tf.math.multiply_no_nan([np.inf, np.nan, 2.0], [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 6.0])
    # xlogy: 0 wherever x is 0, even where log(y) is -inf or NaN would follow
    out = tf.math.xlogy([0.0, 0.0, 2.0, 3.0], [0.0, 5.0, np.e, 1.0])
    np.testing.assert_allclose(out.numpy(), [0.0, 0.0, 2.0, 0.0], rtol=1e-6)
    # Their gradients stay finite at the masked entries and match differences elsewhere.
    x = tf.Variable(np.array([0.0, 2.0]))
    y = tf.Variable(np.array([0.0, 3.0]))
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.math.xlogy(x, y) + tf.math.multiply_no_nan(x, y))
    gx, gy = tape.gradient(total, [x, y])
    assert np.all(np.isfinite(gx.numpy())) and np.all(np.isfinite(gy.numpy()))
    np.testing.assert_allclose(gx.numpy()[1], np.log(3.0) + 3.0)
    np.testing.assert_allclose(gy.numpy()[1], 2.0 / 3.0 + 2.0)
    rng = np.random.default_rng(6)
    a, b = rng.uniform(0.5, 2.0, size=(2, 3)), rng.uniform(0.5, 2.0, size=(2, 3))
    for fn in (tf.math.xlogy, tf.math.multiply_no_nan, tf.math.divide_no_nan):
        errors = check_gradients(fn, a, b)
        assert max(errors) < 1e-6, errors


def test_tf_math_top_k_and_in_top_k_as_tf2_orders_them():
    values, indices = tf.math.top_k([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], k=2)
    np.testing.assert_array_equal(values.numpy(), [[5.0, 3.0], [6.0, 4.0]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 2], [2, 0]])
    assert indices.dtype == "int32" and values.dtype == "float32"
    result = tf.nn.top_k(np.array([2.0, 9.0, 4.0]))  # k=1 by default, readable by name
    assert result.values.numpy().tolist() == [9.0] and result.indices.numpy().tolist() == [1]
    assert repr(result).startswith("TopKV2(values=tf.Tensor([9.]")
    assert tf.math.top_k([3, 1, 2], 3, index_type=tf.int64).indices.dtype == "int64"
    # TF's documented example: targets first, then predictions (TF2's order)
    pred = tf.constant([[1.2, -0.3, 2.8, 5.2], [0.1, 0.0, 0.0, 0.0], [0.0, 0.5, 0.3, 0.3]])
    out = tf.math.in_top_k(tf.constant([0, 1, 3]), pred, 2)
    assert out.dtype == "bool"
    np.testing.assert_array_equal(out.numpy(), [False, True, True])  # ties at k count as in
    assert tf.nn.in_top_k is tf.math.in_top_k
    # a target whose prediction is not finite is never in the top k
    out = tf.math.in_top_k([0, 1], [[np.nan, 1.0, 2.0], [0.0, np.inf, 1.0]], 2)
    np.testing.assert_array_equal(out.numpy(), [False, False])


def test_tf_math_bincount_and_confusion_matrix():
    values = tf.constant([1, 1, 2, 3, 2, 4, 4, 5])  # TF's example
    out = tf.math.bincount(values)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(out.numpy(), [0, 2, 2, 1, 2, 1])
    weighted = tf.math.bincount(values, weights=tf.constant([1, 5, 0, 1, 0, 5, 4, 5]))
    np.testing.assert_array_equal(weighted.numpy(), [0, 6, 0, 1, 9, 5])  # TF's example
    data = np.array([[1, 2, 3, 0], [0, 0, 1, 2]], dtype=np.int32)  # TF's example, per row
    np.testing.assert_array_equal(tf.math.bincount(data, axis=-1).numpy(),
                                  [[1, 1, 1, 1], [2, 1, 1, 0]])
    np.testing.assert_array_equal(tf.math.bincount([1, 1], minlength=4).numpy(), [0, 2, 0, 0])
    np.testing.assert_array_equal(tf.math.bincount([0, 3, 1, 3], maxlength=3).numpy(),
                                  [1, 1, 0])
    weighted = tf.math.bincount(np.array([0, 2, 2]), weights=np.array([0.5, 1.0, 2.0]))
    np.testing.assert_allclose(weighted.numpy(), [0.5, 0.0, 3.0])
    rows = tf.math.bincount(np.array([[1, 1, 0], [2, 2, 2]]), axis=-1)
    np.testing.assert_array_equal(rows.numpy(), [[1, 2, 0], [0, 0, 3]])
    binary = tf.math.bincount([1, 1, 3], binary_output=True)
    np.testing.assert_array_equal(binary.numpy(), [0, 1, 0, 1])
    # TF's example: rows are labels, columns predictions; size max + 1 by default
    cm = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    expected = np.zeros((5, 5), dtype=np.int32)
    expected[1, 2] = expected[2, 2] = expected[4, 4] = 1
    np.testing.assert_array_equal(cm.numpy(), expected)
    assert cm.dtype == "int32"
    cm = tf.math.confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), num_classes=3,
                                  weights=np.array([1.0, 2.0, 3.0]), dtype=tf.float32)
    np.testing.assert_array_equal(cm.numpy(), [[1, 0, 0], [2, 3, 0], [0, 0, 0]])
    assert cm.dtype == "float32"


@pytest.mark.parametrize("call, match", [
    (lambda: tf.math.reduce_std([1, 2, 3]), r"reduce_std: `input_tensor` must be a float"),
    (lambda: tf.math.reduce_variance(np.array([1, 2])), r"tf.cast\(x, tf.float32\)"),
    (lambda: tf.math.cumsum([1.0, 2.0], axis=1), r"`axis` must be in \[-1, 1\)"),
    (lambda: tf.math.cumprod([1.0, 2.0], axis=0.5), r"`axis` must be an integer"),
    (lambda: tf.math.top_k([1.0, 2.0], k=-1), r"`k` must be a non-negative integer"),
    (lambda: tf.math.top_k([1.0, 2.0], k=5), r"`k`"),
    (lambda: tf.math.in_top_k([[0.1, 0.9]], [0, 1], 1), r"`targets` must hold integer"),
    (lambda: tf.math.in_top_k([0, 1, 2], [[0.1, 0.9]], 1), r"`predictions` must be"),
    (lambda: tf.math.in_top_k([0, 4], [[0.1, 0.9], [0.5, 0.5]], 1), r"in \[0, 2\)"),
    (lambda: tf.math.bincount([1, -1]), r"`arr` must be non-negative"),
    (lambda: tf.math.bincount(np.zeros((2, 2, 2), int), axis=-1), r"1-D or 2-D `arr`"),
    (lambda: tf.math.bincount([0.5, 1.0]), r"`arr` must hold integer class ids"),
    (lambda: tf.math.bincount([1, 2], weights=[1.0]), r"`weights` must have the shape"),
    (lambda: tf.math.confusion_matrix([0, 3], [0, 1], num_classes=3),
     r"must be < num_classes=3.*class id of 3"),
    (lambda: tf.math.confusion_matrix([0, 1], [0]), r"same length"),
    (lambda: tf.math.top_k(tf.keras.Input(shape=(3,)), 2), r"top_k needs concrete tensors"),
    (lambda: tf.math.confusion_matrix(tf.keras.Input(shape=(1,)), [0]), r"symbolic tensor"),
    (lambda: tf.math.is_nan("abc"), r"tf.math.is_nan"),
    (lambda: tf.math.xlogy(None, [1.0]), r"argument `x` must be numeric"),
])
def test_tf_math_refuses_bad_input_with_clear_errors(call, match):
    with pytest.raises(tf.errors.TinykerasError, match=match):
        call()


def test_tf_math_elementwise_names_become_layers_on_symbolic_tensors():
    inp = tf.keras.Input(shape=(3,))
    out = tf.math.cumsum(tf.math.round(inp), axis=1, reverse=True)
    model = tf.keras.Model(inp, out)
    pred = model.predict(np.array([[0.4, 1.6, 2.5]]), verbose=0)
    np.testing.assert_allclose(pred, [[4.0, 4.0, 2.0]])


@settings(max_examples=40, deadline=None, derandomize=True)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), data=st.data(),
       exclusive=st.booleans(), reverse=st.booleans())
def test_tf_math_scans_match_a_numpy_reference_on_any_shape_axis_and_flags(
        shape, data, exclusive, reverse):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = np.random.default_rng(len(shape)).integers(-3, 4, size=shape).astype(np.float64)
    for fn, np_scan, start in ((tf.math.cumsum, np.cumsum, 0.0), (tf.math.cumprod, np.cumprod,
                                                                   1.0)):
        # Reference: flip for reverse, prepend the identity and drop the last for exclusive.
        ref = np.flip(x, axis) if reverse else x
        if exclusive:
            ref = np.delete(np.insert(ref, 0, start, axis=axis), -1, axis=axis)
        ref = np_scan(ref, axis=axis)
        ref = np.flip(ref, axis) if reverse else ref
        out = fn(x, axis=axis, exclusive=exclusive, reverse=reverse)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
