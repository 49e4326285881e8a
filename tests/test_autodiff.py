"""The autodiff engine: every op's vjp against central finite differences (float64)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinykeras import ops
from tinykeras.autodiff import GradientTape, Tensor, Variable
from tinykeras.autodiff import math_ops as autodiff_math
from tinykeras.utils.gradient_check import check_gradients

TOL = 1e-6
R = np.random.default_rng(42)


def randn(*shape):
    return R.standard_normal(shape)


_CONSTANTS = {}


def const(*shape):
    """A fixed random array per shape: the functions under test must be deterministic."""
    if shape not in _CONSTANTS:
        _CONSTANTS[shape] = randn(*shape)
    return _CONSTANTS[shape]


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def assert_grads_ok(fn, *inputs):
    errors = check_gradients(fn, *inputs)
    for i, err in enumerate(errors):
        assert err < TOL, f"backward pass tensor {i}: relative error {err:.2e} >= {TOL}"


WEIGHTS = randn(3, 4)

# (name, function of Tensors, inputs) -- broadcasting cases included.
BINARY_CASES = [
    ("add", ops.add, (randn(3, 4), randn(4))),
    ("add_col", ops.add, (randn(3, 4), randn(3, 1))),
    ("subtract", ops.subtract, (randn(2, 3), randn(1, 3))),
    ("multiply", ops.multiply, (randn(3, 4), randn(3, 4))),
    ("multiply_bcast", ops.multiply, (randn(2, 1, 3), randn(4, 1))),
    ("divide", ops.divide, (randn(3, 4), pos(4))),
    ("power", ops.power, (pos(3, 2), randn(3, 2))),
    ("maximum", ops.maximum, (randn(3, 4), randn(3, 4))),
    ("minimum", ops.minimum, (randn(3, 4), randn(1, 4))),
    ("matmul", ops.matmul, (randn(3, 4), randn(4, 2))),
    ("matmul_batched", ops.matmul, (randn(2, 3, 4), randn(4, 5))),
    ("matmul_vec", ops.matmul, (randn(3, 4), randn(4))),
    ("matmul_vecmat", ops.matmul, (randn(4), randn(4, 2))),
    ("dot", ops.dot, (randn(3, 4), randn(4, 2))),
]

UNARY_CASES = [
    ("negative", ops.negative, randn(3, 4)),
    ("square", ops.square, randn(3, 4)),
    ("sqrt", ops.sqrt, pos(3, 4)),
    ("exp", ops.exp, randn(3, 4)),
    ("log", ops.log, pos(3, 4)),
    ("log1p", ops.log1p, pos(3, 4)),
    ("abs", ops.abs, randn(3, 4)),
    ("sigmoid", ops.sigmoid, randn(3, 4) * 3),
    ("tanh", ops.tanh, randn(3, 4)),
    ("relu", ops.relu, randn(3, 4)),
    ("softplus", ops.softplus, randn(3, 4) * 5),
    ("softmax", lambda x: ops.softmax(x) * np.arange(4.0), randn(3, 4)),
    ("softmax_axis0", lambda x: ops.softmax(x, axis=0) * WEIGHTS, randn(3, 4)),
    ("log_softmax", lambda x: ops.log_softmax(x) * np.arange(4.0), randn(3, 4)),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), randn(3, 4)),
    ("logsumexp_all", ops.logsumexp, randn(3, 4)),
    ("sum_axis", lambda x: ops.sum(x, axis=0) * np.arange(4.0), randn(3, 4)),
    ("sum_keepdims", lambda x: ops.sum(x, axis=1, keepdims=True) * const(3, 1), randn(3, 4)),
    ("mean", lambda x: ops.mean(x, axis=-1) * np.arange(3.0), randn(3, 4)),
    ("mean_all", ops.mean, randn(3, 4)),
    ("max", lambda x: ops.max(x, axis=1) * np.arange(3.0), randn(3, 4)),
    ("min", lambda x: ops.min(x, axis=0), randn(3, 4)),
    ("transpose", lambda x: ops.transpose(x) * const(4, 3), randn(3, 4)),
    ("reshape", lambda x: ops.reshape(x, (2, 6)) * const(2, 6), randn(3, 4)),
    ("expand_dims", lambda x: ops.expand_dims(x, 1) * const(3, 1, 4), randn(3, 4)),
    ("squeeze", lambda x: ops.squeeze(x, 1) * const(3, 4), randn(3, 1, 4)),
    ("getitem", lambda x: x[1:, ::2] * const(2, 2), randn(3, 4)),
    ("getitem_fancy", lambda x: x[np.array([0, 2, 0])] * const(3, 4), randn(3, 4)),
    ("take", lambda x: ops.take(x, np.array([2, 0, 2]), axis=1) * const(3, 3), randn(3, 4)),
    ("take_flat", lambda x: ops.take(x, np.array([5, 1, 5])), randn(3, 4)),
    (
        "take_along_axis",
        lambda x: ops.take_along_axis(x, np.array([[1], [3], [0]]), axis=1),
        randn(3, 4),
    ),
    ("clip", lambda x: ops.clip(x, -0.5, 0.5) * const(3, 4), randn(3, 4)),
    ("where", lambda x: ops.where(x.value > 0, x * 2.0, ops.square(x)), randn(3, 4)),
    ("concatenate", lambda x: ops.concatenate([x, 2 * x], axis=1) * const(3, 8), randn(3, 4)),
    ("stack", lambda x: ops.stack([x, x * x]) * const(2, 3, 4), randn(3, 4)),
    ("cast", lambda x: ops.cast(x, "float64") * 3.0, randn(3, 4)),
    ("pow_operator", lambda x: x**3, randn(3, 4)),
    ("rsub_rdiv", lambda x: (1.0 - x) / (2.0 + x * x), randn(3, 4)),
]


@pytest.mark.parametrize("name,fn,inputs", BINARY_CASES, ids=[c[0] for c in BINARY_CASES])
def test_binary_op_gradients_match_finite_differences(name, fn, inputs):
    assert_grads_ok(fn, *inputs)


@pytest.mark.parametrize("name,fn,x", UNARY_CASES, ids=[c[0] for c in UNARY_CASES])
def test_unary_op_gradients_match_finite_differences(name, fn, x):
    assert_grads_ok(fn, x)


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh", "selu", "softplus", "gelu",
                                        "silu", "mish", "softsign", "elu", "exponential"])
def test_fused_dense_gradients_match_finite_differences(activation):
    assert_grads_ok(lambda x, k, b: ops.dense(x, k, b, activation=activation),
                    randn(5, 4), randn(4, 3) * 0.5, randn(3) * 0.1)


def test_fused_dense_on_3d_input():
    assert_grads_ok(lambda x, k, b: ops.dense(x, k, b, activation="tanh"),
                    randn(2, 5, 4), randn(4, 3), randn(3))


def test_fused_dense_matches_composition():
    x, k, b = randn(6, 4), randn(4, 3), randn(3)
    fused = ops.dense(x, k, b, activation="tanh").value
    plain = ops.tanh(ops.add(ops.matmul(x, k), b)).value
    np.testing.assert_allclose(fused, plain, rtol=1e-12, err_msg="forward pass")
    kv, bv = Variable(k, dtype="float64"), Variable(b, dtype="float64")
    g = randn(6, 3)
    with GradientTape(persistent=True) as tape:
        f = ops.sum(ops.dense(x, kv, bv, activation="tanh") * g)
        p = ops.sum(ops.tanh(ops.matmul(x, kv) + bv) * g)
    for a, c in zip(tape.gradient(f, [kv, bv]), tape.gradient(p, [kv, bv])):
        np.testing.assert_allclose(a.value, c.value, rtol=1e-12, err_msg="backward pass")


def test_crossentropy_with_logits_ops_match_composition():
    z, y = randn(5, 3) * 4, R.uniform(0, 1, (5, 3))
    assert_grads_ok(lambda z: ops.sigmoid_crossentropy_with_logits(y, z), z)
    np.testing.assert_allclose(
        ops.sigmoid_crossentropy_with_logits(y, z).value,
        -(y * np.log(1 / (1 + np.exp(-z))) + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z)))),
        rtol=1e-10,
    )
    onehot = np.eye(3)[[0, 2, 1, 1, 0]]
    assert_grads_ok(lambda z: ops.softmax_crossentropy_with_logits(onehot, z), z)
    np.testing.assert_allclose(
        ops.softmax_crossentropy_with_logits(onehot, z).value,
        -np.sum(onehot * ops.log_softmax(z).value, axis=-1), rtol=1e-12)
    labels = np.array([0, 2, 1, 1, 0])
    assert_grads_ok(lambda z: ops.sparse_softmax_crossentropy_with_logits(labels, z), z)
    np.testing.assert_allclose(
        ops.sparse_softmax_crossentropy_with_logits(labels, z).value,
        ops.softmax_crossentropy_with_logits(onehot, z).value, rtol=1e-12)


def test_sparse_softmax_crossentropy_with_logits_handles_any_rank_and_refuses_bad_labels():
    z = np.random.default_rng(3).standard_normal((2, 3, 4))
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    assert_grads_ok(lambda t: ops.sparse_softmax_crossentropy_with_logits(labels, t), z)
    per_row = ops.sparse_softmax_crossentropy_with_logits(labels.reshape(-1), z.reshape(6, 4))
    np.testing.assert_array_equal(
        ops.sparse_softmax_crossentropy_with_logits(labels, z).value.reshape(-1), per_row.value)
    with pytest.raises(ValueError, match=r"labels of shape \(2, 3\) for logits"):
        ops.sparse_softmax_crossentropy_with_logits(labels[:, :, None], z)


def test_sigmoid_crossentropy_with_logits_is_exact_at_saturation():
    z = np.array([-1000.0, -40.0, 40.0, 1000.0])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(ops.sigmoid_crossentropy_with_logits(y, z).value,
                               [1000.0, 40.0, 40.0, 1000.0], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.data())
def test_broadcast_gradients_have_input_shapes(shape, data):
    # Any broadcastable pair: each gradient must come back in its own input's shape.
    other = [data.draw(st.sampled_from([1, d])) for d in shape]
    other = other[data.draw(st.integers(0, len(other) - 1)):]
    a, b = Variable(randn(*shape), dtype="float64"), Variable(randn(*other), dtype="float64")
    with GradientTape() as tape:
        out = ops.sum(a * b + a / (1.0 + b * b))
    ga, gb = tape.gradient(out, [a, b])
    assert ga.shape == tuple(shape) and gb.shape == tuple(other)


# -- tape semantics ----------------------------------------------------------------------------
def test_gradient_of_unconnected_source_is_none_or_zero():
    a, b = Variable([1.0, 2.0]), Variable([3.0])
    with GradientTape(persistent=True) as tape:
        y = ops.sum(a * a)
    assert tape.gradient(y, [a, b])[1] is None
    np.testing.assert_array_equal(tape.gradient(y, b, unconnected_gradients="zero").value, [0.0])


def test_non_persistent_tape_refuses_second_gradient():
    a = Variable([1.0])
    with GradientTape() as tape:
        y = a * a
    tape.gradient(y, a)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, a)


def test_watch_makes_a_constant_differentiable_and_nested_sources_keep_structure():
    x = Tensor(np.array([1.0, 2.0]))
    w = Variable(np.array([3.0]))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x * x * w)
    gx, (gw,) = tape.gradient(y, [x, [w]])
    np.testing.assert_allclose(gx.value, [6.0, 12.0])
    np.testing.assert_allclose(gw.value, [5.0])


def test_non_trainable_variable_is_not_watched():
    w = Variable([2.0], trainable=False)
    with GradientTape() as tape:
        y = w * w
    assert tape.gradient(y, w) is None


def test_stop_recording_and_stop_gradient():
    w = Variable([2.0])
    with GradientTape() as tape:
        with tape.stop_recording():
            c = w * 10.0
        y = w * w + c + ops.stop_gradient(w * 5.0)
    np.testing.assert_allclose(tape.gradient(y, w).value, [4.0])


def test_fan_out_accumulates_gradients():
    w = Variable([3.0])
    with GradientTape() as tape:
        a = w * 2.0
        y = a * a + a  # dy/dw = (2a + 1) * 2 = 26
    np.testing.assert_allclose(tape.gradient(y, w).value, [26.0])


def test_output_gradients_seed_the_backward_pass():
    w = Variable([1.0, 2.0])
    with GradientTape() as tape:
        y = w * 3.0
    np.testing.assert_allclose(tape.gradient(y, w, output_gradients=[np.array([1.0, 10.0])]).value,
                               [3.0, 30.0])


def test_nothing_is_recorded_without_a_tape():
    from tinykeras.autodiff import tape as tape_module

    w = Variable([1.0])
    with GradientTape() as tape:
        pass
    _ = w * w
    assert tape._nodes == [] and not tape_module.is_recording()


def test_backward_leaves_upstream_gradient_unchanged():
    # Backward must never modify the gradient it is given (no hidden in-place updates).
    for fn in (ops.relu, ops.sigmoid, ops.tanh, lambda v: ops.dense(v, np.ones((3, 2)))):
        x = Variable(randn(4, 3), dtype="float64")
        g = randn(*fn(x).shape)
        before = g.copy()
        with GradientTape() as tape:
            y = fn(x)
        tape.gradient(y, x, output_gradients=[g])
        np.testing.assert_array_equal(g, before)


# -- Tensor and Variable ------------------------------------------------------------------------
def test_tensor_behaves_like_an_array_for_numpy_code():
    t = ops.sigmoid(np.array([[0.0, 1.0]], dtype=np.float32))
    assert isinstance(t.numpy(), np.ndarray) and t.dtype == "float32"
    assert t.shape.as_list() == [1, 2] and t.shape == (1, 2)
    assert float(np.max(t)) == pytest.approx(0.7310586)
    assert np.tile(t, (2, 1)).shape == (2, 2)
    np.testing.assert_allclose(np.dot(t, np.ones(2)), [1.2310586], rtol=1e-6)
    assert float(t[0, 0]) == 0.5 and len(t) == 1
    assert "tf.Tensor" in repr(t) and "shape=(1, 2)" in repr(t)
    assert bool(t[0, 1] >= 0.5)


def test_ndarray_operator_tensor_is_recorded():
    w = Variable([2.0])
    with GradientTape() as tape:
        y = np.array([3.0], dtype=np.float32) * w
    assert isinstance(y, Tensor)
    np.testing.assert_allclose(tape.gradient(y, w).value, [3.0])


def test_variable_assign_is_in_place_and_checks_shape():
    v = Variable(np.zeros((2, 2), dtype="float32"), name="kernel")
    storage = v.value
    v.assign(np.ones((2, 2)))
    v.assign_add(np.ones((2, 2)))
    v.assign_sub(0.5 * np.ones((2, 2)))
    assert v.value is storage and v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 1.5))
    with pytest.raises(ValueError, match=r"shape \(3,\).*kernel.*\(2, 2\)"):
        v.assign(np.ones(3))
    copy = v.numpy()
    v.assign(np.zeros((2, 2)))
    assert copy[0, 0] == 1.5  # numpy() is a snapshot


def test_python_float_becomes_floatx_and_float64_request_is_honoured():
    assert Tensor(1.5).dtype == "float32"
    assert Variable([1.0], dtype="float64").dtype == "float64"


@pytest.mark.parametrize("fn, shapes", [
    (lambda a: autodiff_math.take(a, 1, axis=1), [(3, 4)]),
    (lambda a: autodiff_math.take(a, -1, axis=0) * 2.0, [(3, 4)]),
    (lambda a, b: autodiff_math.matmul(a, b), [(4,), (4,)]),
    (lambda a, b: autodiff_math.matmul(a, b), [(4,), (4, 3)]),
    (lambda a, b: autodiff_math.matmul(a, b), [(3, 4), (4,)]),
], ids=["take-scalar-axis1", "take-scalar-axis0", "matmul-1d-1d", "matmul-1d-2d",
        "matmul-2d-1d"])
def test_scalar_index_take_and_vector_matmul_gradients(fn, shapes):
    rng = np.random.default_rng(3)
    inputs = [rng.normal(size=s) for s in shapes]
    assert max(check_gradients(fn, *inputs)) < 1e-6
