"""``tinykeras.ops`` behaviour that needs no oracle: Keras 3's dtype rules (including the
64-bit types we keep), definitions where Keras on PyTorch is wrong, loops, ``custom_gradient``
and ``jvp`` on a tape."""

import numpy as np
import pytest

import tinykeras as tk
from tinykeras import ops


@pytest.mark.parametrize("a, b, expected", [
    ("int32", "float32", "float32"),    # NumPy would say float64
    ("int64", "float16", "float16"),    # the float type wins, whatever the integer width
    ("int8", "uint8", "int16"),
    ("int64", "int32", "int64"),        # kept at 64 bits (Keras on PyTorch: int32)
    ("float64", "float32", "float64"),
    ("bool", 1, "int32"),               # Python scalars are weak
    ("int32", 1.5, "float32"),
    ("float16", 1.5, "float16"),
    ("uint8", 3, "uint8"),
])
def test_result_type_follows_keras_3(a, b, expected):
    assert ops.result_type(a, b) == expected
    x = np.ones(2, a)
    y = np.ones(2, b) if isinstance(b, str) else b
    assert ops.add(x, y).dtype == expected


def test_python_floats_with_integers_follow_floatx():
    tk.config.set_floatx("float64")
    assert ops.multiply(np.arange(3, dtype="int32"), 0.5).dtype == "float64"
    assert ops.divide(np.arange(3, dtype="int32"), 2).dtype == "float64"


def test_integer_and_boolean_results_carry_no_gradient():
    w = tk.Variable([1.5, -2.0, 0.2])
    with tk.GradientTape() as tape:
        flags = ops.greater(w, 0)
        idx = ops.argmax(w)
        y = ops.sum(ops.where(flags, w, 0.0)) + ops.cast(idx, "float32")
    assert tape.gradient(y, w).numpy().tolist() == [1.0, 0.0, 1.0]
    assert flags.dtype == "bool" and idx.dtype == "int32"


def test_sparsemax_is_the_projection_onto_the_simplex():
    z = np.array([[1.0, 2.0, 3.0], [0.5, 0.4, 0.1], [-0.3, 0.6, 0.5]], "float32")
    p = ops.sparsemax(z).numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    assert (p >= 0).all()
    np.testing.assert_allclose(p[1], z[1], rtol=1e-6)  # already on the simplex: unchanged
    np.testing.assert_allclose(p[2], [0.0, 0.55, 0.45], rtol=1e-6)


def test_argpartition_puts_the_kth_smallest_at_k():
    x = np.array([[3.0, 1.0, 2.0, 0.5], [0.1, 0.3, 0.2, 0.0]])
    idx = ops.argpartition(x, 1, axis=1).numpy()
    kth = np.take_along_axis(x, idx, axis=1)
    np.testing.assert_array_equal(kth[:, 1], np.sort(x, axis=1)[:, 1])
    assert (kth[:, :1] <= kth[:, 1:2]).all() and (kth[:, 2:] >= kth[:, 1:2]).all()


def test_while_loop_differentiates_through_every_iteration():
    x = tk.Variable(1.1)
    with tk.GradientTape() as tape:
        _, y = ops.while_loop(lambda i, v: i < 4, lambda i, v: (i + 1, v * x), (0, x))
    assert float(y) == pytest.approx(1.1 ** 5, rel=1e-6)
    assert float(tape.gradient(y, x)) == pytest.approx(5 * 1.1 ** 4, rel=1e-5)


def test_custom_gradient_replaces_the_backward_pass():
    @ops.custom_gradient
    def clip_gradient(x):
        def grad(upstream):
            return ops.clip(upstream, -0.1, 0.1)

        return x * 1.0, grad

    w = tk.Variable([1.0, 2.0])
    with tk.GradientTape() as tape:
        y = ops.sum(clip_gradient(w) * 5.0)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), [0.1, 0.1])


def test_custom_gradient_names_a_wrong_gradient_count():
    @ops.custom_gradient
    def f(x, y):
        return x * y, lambda g: g

    a, b = tk.Variable(1.0), tk.Variable(2.0)
    with tk.GradientTape() as tape:
        out = f(a, b)
    with pytest.raises(ValueError, match="returned 1 gradients for 2 inputs"):
        tape.gradient(out, [a, b])


def test_jvp_is_the_jacobian_times_the_tangent():
    x = np.array([0.3, -1.2, 2.0])
    t = np.array([1.0, 0.5, -2.0])
    out, tangent = ops.jvp(lambda v: ops.sin(v) * v, (x,), (t,))
    np.testing.assert_allclose(out.numpy(), np.sin(x) * x)
    np.testing.assert_allclose(tangent.numpy(), (np.cos(x) * x + np.sin(x)) * t, rtol=1e-6)


def test_scan_carries_and_stacks():
    carry, ys = ops.scan(lambda c, x: (c + x, c * 2), 0.0, np.array([1.0, 2.0, 3.0]))
    assert float(carry) == 6.0
    np.testing.assert_array_equal(ys.numpy(), [0.0, 2.0, 6.0])


def test_out_of_scope_error_names_the_op_and_the_reason():
    with pytest.raises(NotImplementedError, match=r"`ops.nn.conv` is not available|ops.conv"):
        ops.nn.conv(np.ones((1, 4, 1)), np.ones((2, 1, 1)))
    with pytest.raises(NotImplementedError, match="convolution is out of scope"):
        ops.conv(np.ones((1, 4, 1)), np.ones((2, 1, 1)))


def test_ops_accept_python_numbers_lists_and_tensors_alike():
    assert ops.add(1, 2).dtype == "int32"
    assert ops.add([1.0, 2.0], 1).dtype == "float32"
    np.testing.assert_array_equal(ops.ones((2,)).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(ops.arange(3).numpy(), [0, 1, 2])
    assert ops.arange(3).dtype == "int32"


def _public_functions():
    """(name, function) for every public function of ops, ops.nn, ops.linalg, ops.numpy and
    the tf.* facade (and tf.nn, tf.math, tf.linalg), out-of-scope stand-ins left out."""
    import inspect

    found = {}
    for prefix, space in (("ops", ops), ("ops.nn", ops.nn), ("ops.linalg", ops.linalg),
                          ("ops.numpy", ops.numpy), ("tf", tk), ("tf.nn", tk.nn),
                          ("tf.math", tk.math), ("tf.linalg", tk.linalg)):
        for name in dir(space):
            fn = getattr(space, name)
            if name.startswith("_") or inspect.isclass(fn) or not inspect.isfunction(fn) or \
                    getattr(fn, "out_of_scope", None) or not hasattr(fn, "__wrapped__"):
                continue
            found[f"{prefix}.{name}"] = fn
    return sorted(found.items())


def _first_tensor_parameter(fn):
    import inspect

    from tinykeras.ops._scope import _ANY_OBJECT, _TENSOR_NAMES

    if fn.__name__ in _ANY_OBJECT:
        return None
    params = list(inspect.signature(fn).parameters.values())
    first = params[0] if params else None
    if first is None or first.name not in _TENSOR_NAMES:
        return None
    if first.kind == first.VAR_POSITIONAL:
        return "x" if first.name == "args" else first.name
    return first.name if first.default is inspect.Parameter.empty else None


PUBLIC = [(n, f, p) for n, f in _public_functions() if (p := _first_tensor_parameter(f))]


def test_every_public_op_with_a_tensor_argument_is_checked():
    # The check is one guard around every public op (ops/_scope.py); this pins its reach.
    assert len(PUBLIC) > 250, len(PUBLIC)


@pytest.mark.parametrize("name, fn, param", PUBLIC, ids=[n for n, _, _ in PUBLIC])
def test_none_or_objects_as_a_tensor_argument_are_refused_naming_it(name, fn, param):
    # Keras refuses both; NumPy would make an object-dtype tensor (sum(None)) or, asked for
    # floats, a NaN (relu(None), mean([None, 1.0])).
    for bad, said in ((None, "Received None"), ([1.0, None], "None inside"),
                      (np.array([1, None], dtype=object), "array of dtype object"),
                      (object(), "an object of type object")):
        with pytest.raises(tk.errors.NonNumericInputError,
                           match=rf"argument `{param}` must be numeric.*{said}"):
            fn(bad)


def test_optional_tensor_arguments_may_be_none_and_questions_take_anything():
    np.testing.assert_array_equal(ops.where(np.array([0, 1, 1]))[0], [1, 2])  # x1=None
    assert ops.is_tensor(None) is False  # as Keras
    assert ops.convert_to_numpy(None).dtype == object  # NumPy's answer, as Keras's
    assert float(ops.sum([[1.0, 2.0], (3.0, np.float32(4.0))])) == 10.0  # nested numbers
    assert ops.getitem(np.arange(6).reshape(2, 3), (slice(None), None)).shape == (2, 1, 3)
    with pytest.raises(ValueError, match="must be numeric"):  # a ValueError and a TypeError,
        ops.sum(None)                                          # as Keras's backends raise
    with pytest.raises(TypeError, match="must be numeric"):
        ops.sum(None)


SPARSE_CALLS = {
    "ops.one_hot": lambda **kw: ops.one_hot(np.array([0, 2]), 3, **kw),
    "ops.nn.one_hot": lambda **kw: ops.nn.one_hot(np.array([0, 2]), 3, **kw),
    "ops.multi_hot": lambda **kw: ops.multi_hot(np.array([[0, 2]]), 3, **kw),
    "ops.bincount": lambda **kw: ops.bincount(np.array([0, 2, 2]), **kw),
    "ops.convert_to_tensor": lambda **kw: ops.convert_to_tensor([0.0, 1.0], **kw),
    "Input": lambda **kw: tk.Input((3,), **kw),
}


@pytest.mark.parametrize("call", SPARSE_CALLS, ids=list(SPARSE_CALLS))
def test_sparse_true_is_refused_as_kerass_numpy_backend_refuses_it(call):
    # keras/src/backend/numpy (nn.one_hot, nn.multi_hot, numpy.bincount, core.
    # convert_to_tensor) raises ValueError for sparse=True: NumPy has no sparse tensors.
    # tinykeras ignored the flag and returned a dense array.
    fn = SPARSE_CALLS[call]
    with pytest.raises(ValueError, match=r"`sparse=True` is not supported.*sparse=False"):
        fn(sparse=True)
    dense = fn(sparse=False)
    if call != "Input":
        np.testing.assert_array_equal(dense.numpy(), fn().numpy())


def test_ragged_true_is_refused_by_convert_to_tensor():
    with pytest.raises(ValueError, match=r"`ragged=True` is not supported.*ragged=False"):
        ops.convert_to_tensor([0.0, 1.0], ragged=True)
    assert ops.convert_to_tensor([0.0, 1.0], ragged=False).shape == (2,)
