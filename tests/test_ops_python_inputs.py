"""Python numbers and lists given to the ops take Keras's dtypes, as ``convert_to_tensor``
gives them: floats floatx, ints int32, bools bool (NumPy alone makes float64 and int64 of
them). NumPy arrays keep theirs. The oracle compares every case with Keras itself
(tests/oracle/test_oracle_ops.py); these checks need no Keras."""

import numpy as np
import pytest
from ops_cases import CASES, case_code_takes_lists, python_lists
from test_ops_gradients import leaves

import tinykeras as tf
import tinykeras as tk
from tinykeras import ops


def _dtypes(out):
    return [np.asarray(leaf).dtype.name if not isinstance(leaf, tk.Tensor) else leaf.dtype
            for leaf in leaves(out)]


@pytest.mark.parametrize("call, expected", [
    (lambda: ops.sum([1.0, 2.0]), "float32"),
    (lambda: ops.max([1.0, 2.0]), "float32"),
    (lambda: ops.min([1.0, 2.0]), "float32"),
    (lambda: ops.prod([1.0, 2.0]), "float32"),
    (lambda: ops.abs([1.0, -2.0]), "float32"),
    (lambda: ops.abs(-2.0), "float32"),
    (lambda: ops.square(2.0), "float32"),
    (lambda: ops.cumsum([1.0, 2.0]), "float32"),
    (lambda: ops.sort([2.0, 1.0]), "float32"),
    (lambda: ops.reshape([1.0, 2.0], (2, 1)), "float32"),
    (lambda: ops.transpose([[1.0, 2.0]]), "float32"),
    (lambda: ops.clip([1.0, 2.0], 0, 1), "float32"),
    (lambda: ops.clip(0.5, 0, 1), "float32"),  # all weak: the float wins, in floatx
    (lambda: ops.sign([1.0]), "float32"),
    (lambda: ops.floor([1.5]), "float32"),
    (lambda: ops.append(1.0, 2.0), "float32"),
    (lambda: ops.concatenate([[1.0], [2.0, 3.0]]), "float32"),  # ragged: item by item
    (lambda: ops.sum([1, 2]), "int32"),
    (lambda: ops.cumsum([True, False]), "int32"),
    (lambda: ops.sort([True, False]), "bool"),
    (lambda: ops.add(1, 2.5), "float32"),
    (lambda: ops.full((2,), 1.0), "float32"),
    (lambda: ops.sum([]), "float32"),
    (lambda: ops.unravel_index([1, 2], (2, 2))[0], "int32"),
    (lambda: ops.sum(np.array([1, 2], dtype=np.int64)), "int64"),  # arrays keep their dtype
    (lambda: ops.sum(np.float64(2.0)), "float64"),
    (lambda: ops.sum([2**40, 1]), "int64"),  # does not fit int32 (Keras would overflow)
])
def test_python_numbers_and_lists_take_kerass_dtypes(call, expected):
    assert call().dtype == expected


def test_a_python_number_beside_a_tensor_stays_weak():
    half = np.ones(3, "float16")
    assert ops.add(half, 1.5).dtype == "float16"
    assert ops.append(half, 2.0).dtype == "float16"
    assert ops.append(np.ones(2, "int8"), 2).dtype == "int8"
    assert ops.vectorize(lambda u, v: u * v + u)(half, 2.0).dtype == "float16"
    assert ops.multiply(np.arange(3, dtype="int32"), 0.5).dtype == "float32"


def test_a_named_dtype_converts_the_python_numbers_exactly():
    # Not through float32 first: 0.1 stays the float64 nearest to 0.1.
    assert ops.convert_to_tensor([0.1], dtype="float64").numpy()[0] == 0.1
    assert ops.full((1,), 0.1, dtype="float64").numpy()[0] == 0.1
    assert ops.cumsum([0.1, 0.2], dtype="float64").numpy()[1] == 0.1 + 0.2
    assert tf.constant([0.1], dtype=tf.float64).numpy()[0] == 0.1
    assert tf.convert_to_tensor([1], dtype_hint=tf.float32).dtype == "float32"


def test_python_floats_follow_floatx():
    tk.config.set_floatx("float64")
    assert ops.sum([1.0, 2.0]).dtype == "float64"
    assert ops.abs(-0.1).numpy() == 0.1
    tk.config.set_floatx("float16")
    assert ops.sort([2.0, 1.0]).dtype == "float16"


def test_the_tf_facade_converts_as_tensorflow():
    assert tf.reduce_sum([1.0, 2.0]).dtype == "float32"
    assert tf.constant([1.0]).dtype == "float32"
    assert tf.constant([1]).dtype == "int32"
    assert tf.constant(1).dtype == "int32"
    assert tf.reduce_sum([1, 2]).dtype == "int32"
    assert tf.reduce_max([1, 2]).dtype == "int32"
    assert tf.abs(-1).dtype == "int32"
    assert tf.add([1], [2]).dtype == "int32"
    assert tf.square(2.0).dtype == "float32"
    assert tf.clip_by_value([1.0], 0, 1).dtype == "float32"
    assert tf.concat([[1.0], [2.0, 3.0]], 0).dtype == "float32"
    assert tf.constant(np.array([1, 2])).dtype == "int64"  # arrays keep their dtype
    # TensorFlow's integer mean is an integer, truncated (its example: [1, 0, 1, 0] -> 0).
    assert tf.reduce_mean([1, 0, 1, 0]).numpy() == 0
    assert tf.reduce_mean([[1, 2], [3, 5]], axis=1).numpy().tolist() == [1, 4]
    assert tf.reduce_mean([-1, -2]).numpy() == -1 and tf.reduce_mean([-1, -2]).dtype == "int32"
    assert tf.reduce_mean(np.array([1, 2], dtype=np.int32)).dtype == "int32"
    assert tf.reduce_sum(np.array([1, 2], dtype=np.int32)).dtype == "int32"


def test_loops_start_from_python_numbers_in_kerass_dtypes():
    i, v = ops.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), (0, 0.5))
    assert (i.dtype, v.dtype) == ("int32", "float32") and float(v) == 4.0
    assert ops.fori_loop(0, 3, lambda i, v: v * 2.0, 0.5).dtype == "float32"


def test_custom_gradient_takes_lists_in_floatx():
    @ops.custom_gradient
    def double(x):
        return ops.multiply(x, 2.0), lambda upstream: ops.multiply(upstream, 2.0)

    assert double([1.0, 2.0]).dtype == "float32"


def test_scalars_stack_and_sort_as_numpy_and_keras():
    assert ops.hstack([0.5, 0.3]).numpy().tolist() == [0.5, 0.30000001192092896]
    assert ops.vstack([0.5, 0.3]).shape == (2, 1)
    assert ops.argsort(np.float32(0.5), axis=1).numpy().tolist() == [0]
    assert float(ops.corrcoef(np.array([1.0, 2.0, 4.0]))) == pytest.approx(1.0)
    assert ops.corrcoef(np.array([1.0, 2.0, 4.0])).shape == ()


_WITH_ARRAYS = [c for c in CASES if c.dtype and not c.tags.get("x64")
                and any(isinstance(a, np.ndarray) for a in c.args)]
LIST_CASES = [c for c in _WITH_ARRAYS if case_code_takes_lists(c, ops)]


def test_nearly_every_case_takes_lists():
    left_out = sorted({c.name for c in _WITH_ARRAYS} - {c.name for c in LIST_CASES})
    assert len(left_out) <= 8, left_out  # cholesky/logdet (a.shape), select (a > 0)...


@pytest.mark.parametrize("case", LIST_CASES, ids=[c.id for c in LIST_CASES])
def test_every_case_gives_the_same_dtypes_for_lists_as_for_arrays(case):
    # The whole covered ops surface: float32 (or int32, bool) arrays and the same values as
    # Python lists give the same result dtypes, as convert_to_tensor makes those arrays of
    # the lists. (float64 arrays are kept apart: they stay float64.)
    arrays = [np.asarray(a, np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f"
              else a for a in case.args]
    assert _dtypes(case.fn(ops, *python_lists(case))) == _dtypes(case.fn(ops, *arrays))


def test_tensor_operators_promote_as_keras():
    ints, floats = ops.convert_to_tensor([1, 2]), ops.convert_to_tensor([1.0, 2.0])
    assert (ints + 1.5).dtype == "float32" and (1.5 * ints).dtype == "float32"
    assert (ints / 2).dtype == "float32" and (ints ** 0.5).dtype == "float32"
    assert (ints * 2).dtype == "int32" and (ops.convert_to_tensor([True]) + 1).dtype == "int32"
    assert (floats * [2.0]).dtype == "float32" and ([2.0] - floats).dtype == "float32"
    assert (floats @ [[1.0], [2.0]]).dtype == "float32"
    assert (ops.convert_to_tensor(np.ones(2, "float16")) + 1.5).dtype == "float16"
    w = tk.Variable([1.0, 2.0])
    with tk.GradientTape() as tape:
        y = ops.sum(w * [2.0, 3.0] + ints)
    assert tape.gradient(y, w).numpy().tolist() == [2.0, 3.0]


def test_integer_arrays_give_kerass_32_bit_types_not_numpys_64():
    ints = np.array([[1, 2], [3, 4]], dtype=np.int32)
    assert ops.prod(ints).dtype == "int32" and ops.nanprod(ints).dtype == "int32"
    assert ops.vdot(ints, ints).dtype == "int32"
    assert ops.clip(ints, -0.5, 0.7).dtype == "float32"
    assert ops.clip(np.array([True, False]), 0, 1).dtype == "int32"
    assert ops.nanmean(ints).dtype == "float32"
    assert ops.nansum(np.array([1], np.int8)).dtype == "int32"
    assert ops.nanmax(ints).dtype == "int32" and ops.nancumsum(ints).dtype == "int32"
    assert ops.trapezoid(np.ones(3, "float32"), x=np.arange(3)).dtype == "float32"
    assert ops.angle(ints).dtype == "float32"
    assert ops.view(ints).dtype == "int32"  # no dtype: as it is
    w, v = ops.eig(np.diag([1.0, 2.0]).astype("float32"))  # real eigenvalues, still complex
    assert (w.dtype, v.dtype) == ("complex64", "complex64")
    assert ops.prod(np.array([2.0, 3.0], "float32")).dtype == "float32"
    assert ops.floor(ints).dtype == "float32" and ops.ceil(np.array([True])).dtype == "float32"
    assert ops.floor(np.array([1.5], "float16")).dtype == "float16"


def test_variables_and_tensors_of_python_ints_are_int32():
    assert tk.Variable(0).dtype == "int32" and tk.Variable([1, 2]).dtype == "int32"
    assert tk.Tensor([1, 2]).dtype == "int32" and tf.Variable(True).dtype == "bool"
    assert tk.Variable(np.array([1, 2], np.int64)).dtype == "int64"  # arrays keep theirs
    assert tk.Variable(2**40).dtype == "int64"  # does not fit int32
    counter = tf.Variable(0)
    counter.assign_add(1)
    assert counter.dtype == "int32" and int(counter) == 1


def test_convert_to_tensor_keeps_python_ints_that_do_not_fit_int32():
    # The op layers and activations call (unguarded) gave 2**40 as int32 0.
    from tinykeras.autodiff import control_ops

    for convert in (control_ops.convert_to_tensor, tk.ops.convert_to_tensor):
        big = convert(2**40)
        assert big.value.dtype == np.int64 and int(big.value) == 2**40
        assert convert([1, 2]).value.dtype == np.int32
