"""The fused ops the replay work added compute what the chains of ops they replace compute,
bit for bit, forward and gradient: L1/L2 penalties, mean squared error, a loss plus its
penalties, and the sparse crossentropy written with row indexing."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import losses, ops, regularizers
from tinykeras.autodiff import math_ops

R = np.random.default_rng(7)


def _value_and_grads(fn, *arrays):
    variables = [tk.Variable(a) for a in arrays]
    with tk.GradientTape() as tape:
        out = fn(*variables)
    return [out.numpy()] + [g.numpy() for g in tape.gradient(out, variables)]


def _same(a, b):
    for x, y in zip(a, b):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_penalties_equal_the_op_chains(dtype):
    x = R.standard_normal((13, 7)).astype(dtype)
    l1, l2 = np.asarray(0.013, dtype), np.asarray(0.027, dtype)
    _same(_value_and_grads(lambda v: regularizers.L2(0.027)(v) * 3.0, x),
          _value_and_grads(lambda v: ops.multiply(l2, ops.sum(ops.square(v))) * 3.0, x))
    _same(_value_and_grads(lambda v: regularizers.L1(0.013)(v) * 3.0, x),
          _value_and_grads(lambda v: ops.multiply(l1, ops.sum(ops.abs(v))) * 3.0, x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(32, 1), (16, 3), (4, 5, 2)])
def test_mean_squared_error_equals_the_op_chain(dtype, shape):
    pred, true = R.standard_normal(shape).astype(dtype), R.standard_normal(shape).astype(dtype)
    # Labels are data to a loss function: the gradient is the predictions'.
    _same(_value_and_grads(lambda p: ops.mean(losses.mean_squared_error(true, p)), pred),
          _value_and_grads(lambda p: ops.mean(ops.mean(ops.square(p - true), axis=-1)), pred))


def test_a_loss_and_its_penalties_add_as_a_chain_of_adds():
    terms = [R.standard_normal(()).astype("float32") for _ in range(4)]
    _same(_value_and_grads(lambda *t: math_ops._add_in_order(*t) * 2.0, *terms),
          _value_and_grads(lambda a, b, c, d: (((a + b) + c) + d) * 2.0, *terms))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sparse_crossentropy_equals_the_one_hot_route(dtype):
    logits = (R.standard_normal((9, 5)) * 3).astype(dtype)
    labels = R.integers(0, 5, 9)
    onehot = np.eye(5, dtype=dtype)[labels]
    sparse = _value_and_grads(
        lambda z: ops.sum(ops.sparse_softmax_crossentropy_with_logits(labels, z)), logits)
    dense = _value_and_grads(
        lambda z: ops.sum(ops.softmax_crossentropy_with_logits(onehot, z)), logits)
    np.testing.assert_allclose(sparse[0], dense[0], rtol=1e-6)
    np.testing.assert_allclose(sparse[1], dense[1], rtol=1e-5, atol=1e-7)
