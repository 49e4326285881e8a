"""``tinykeras.ops`` against ``keras.ops``: values and result dtypes in float32 for every case
of ``tests/ops_cases.py``, and gradients in float64 for every differentiable one (Keras on
JAX, ``jax.grad``, as the reference)."""

import sys
import traceback
from pathlib import Path

import jax
import keras
import numpy as np
import pytest
from harness import keras_value_and_grad

import tinykeras as tk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ops_cases import CASES, case_code_takes_lists  # noqa: E402
from test_ops_gradients import leaves, weights_for  # noqa: E402

VALUE_RTOL = 2e-5   # float32: a few ulps through transcendental functions and reductions
LINALG_RTOL = 2e-4  # float32 factorizations: LAPACK (NumPy) and PyTorch round differently
GRAD_RTOL = 1e-7    # float64


def _to_numpy(x):
    if isinstance(x, tk.Tensor):
        return x.numpy()
    return np.asarray(x)


def _dtype_name(x):
    if hasattr(x, "dtype") and not isinstance(x, (np.ndarray, np.generic, tk.Tensor)):
        return keras.backend.standardize_dtype(x.dtype)  # a JAX array
    return np.asarray(_to_numpy(x)).dtype.name


def _check(case, ours, theirs, rtol, where, dtypes=True):
    ours, theirs = leaves(ours), leaves(theirs)
    assert len(ours) == len(theirs), f"{case.name}: {len(ours)} results, Keras gives {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours, theirs)):
        label = f"{case.name} [{where}] result {k}"
        a_np, b_np = _to_numpy(a), _to_numpy(b)
        assert a_np.shape == b_np.shape, f"{label}: shape {a_np.shape}, Keras {b_np.shape}"
        if dtypes and case.dtype:
            assert _dtype_name(a) == _dtype_name(b), (
                f"{label}: dtype {_dtype_name(a)}, Keras {_dtype_name(b)}")
        if a_np.dtype.kind in "biu" and b_np.dtype.kind in "biu":
            np.testing.assert_array_equal(a_np, b_np, err_msg=label)
            continue
        a64, b64 = a_np.astype(np.float64), b_np.astype(np.float64)
        scale = np.nanmax(np.abs(b64)) if b64.size and np.isfinite(b64).any() else 0.0
        np.testing.assert_allclose(a64, b64, rtol=rtol, atol=rtol * scale, equal_nan=True,
                                   err_msg=label)


def _rtol(case, base):
    if case.rtol is not None:
        return max(case.rtol, base)
    linalg = any(w in case.name for w in ("linalg", "inv", "solve", "det", "cholesky", "qr",
                                          "svd", "eig", "pinv", "lstsq", "norm", "lu_factor"))
    return max(base, LINALG_RTOL) if linalg and base < 1e-6 else base


ORACLE_CASES = [c for c in CASES if c.oracle]


@pytest.mark.parametrize("case", ORACLE_CASES, ids=[c.id for c in ORACLE_CASES])
def test_values_match_keras(case):
    args = [np.asarray(a, np.float32) if np.asarray(a).dtype.kind == "f" else a
            for a in case.args]
    ours = case.fn(tk.ops, *args)
    # The float32 values and their dtypes run with JAX's x64 mode off, as Keras on JAX does by
    # default: in x64 mode jnp's defaults (int64 indices, float64 linspace, a Python float
    # as a float64 array) leak through Keras's ops where Keras itself says int32/float32.
    # A case that asks for float64 itself is tagged "x64".
    with jax.enable_x64(case.tags.get("x64", False)):
        theirs = case.fn(keras.ops, *args)
        theirs = [keras.ops.convert_to_numpy(t) if hasattr(t, "dtype") else t
                  for t in leaves(theirs)]
    _check(case, ours, theirs, _rtol(case, VALUE_RTOL), "float32 values")


GRAD_CASES = [c for c in CASES if c.grad and c.oracle and c.keras_grad]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.id for c in GRAD_CASES])
def test_gradients_match_keras(case):
    keras.config.set_floatx("float64")
    tk.config.set_floatx("float64")
    args = [np.asarray(a, np.float64) if np.asarray(a).dtype.kind == "f" else a
            for a in case.args]
    ours_in = [tk.Variable(a, dtype="float64") if i in case.grad else a
               for i, a in enumerate(args)]
    with tk.GradientTape() as tape:
        out = case.fn(tk.ops, *ours_in)
        loss = None
        for k, leaf in enumerate(leaves(out)):
            if np.asarray(_to_numpy(leaf)).dtype.kind == "f":
                term = tk.ops.sum(leaf * weights_for(np.shape(leaf), k))
                loss = term if loss is None else loss + term
    ours = tape.gradient(loss, [ours_in[i] for i in case.grad], unconnected_gradients="zero")

    def weighted_total(*differentiated):
        theirs_in = list(args)
        for i, a in zip(case.grad, differentiated):
            theirs_in[i] = a
        total = 0.0
        for k, leaf in enumerate(leaves(case.fn(keras.ops, *theirs_in))):
            if keras.backend.is_float_dtype(leaf.dtype):
                total = total + keras.ops.sum(
                    leaf * keras.ops.convert_to_tensor(weights_for(tuple(leaf.shape), k),
                                                       leaf.dtype))
        return total

    # jax.grad gives zeros for an input the result does not depend on, as
    # unconnected_gradients="zero" does on our side.
    _, theirs = keras_value_and_grad(weighted_total, inputs=[args[i] for i in case.grad])
    _check(case, ours, theirs, _rtol(case, GRAD_RTOL), "float64 gradients", dtypes=False)


DTYPES = ["bool", "uint8", "uint16", "int8", "int16", "int32", "float16", "float32", "float64"]


@pytest.mark.parametrize("first", DTYPES)
def test_dtype_promotion_matches_keras(first):
    # 64-bit integers are left out: Keras on JAX and PyTorch demotes them to int32;
    # tinykeras keeps them, like NumPy and Keras on TensorFlow (tests/test_ops.py).
    for second in DTYPES + [float, int, bool]:
        ours = tk.ops.result_type(first, second) if second not in (float, int, bool) else \
            tk.ops.result_type(first, second(1))
        theirs = keras.backend.result_type(first, second)
        assert ours == theirs, f"result_type({first}, {second}): {ours}, Keras {theirs}"
        a = np.ones(2, first)
        b = np.ones(2, second) if isinstance(second, str) else second(1)
        got = tk.ops.add(a, b).dtype
        # JAX's x64 mode only where a float64 is given: in it jnp turns a Python scalar
        # into a 64-bit array, where Keras (its result_type above) keeps the weak type.
        with jax.enable_x64("float64" in (first, second)):
            want = keras.backend.standardize_dtype(keras.ops.add(a, b).dtype)
        assert got == want, f"add({first}, {second}): {got}, Keras {want}"


def _python(a, scalar=False):
    """An argument as Python numbers: a nested list of its (float32) values, or its first."""
    a = np.asarray(a)
    a = a.astype(np.float32) if a.dtype.kind == "f" else a
    return a.flat[0].item() if scalar else a.tolist()


def _keras_dtypes(case, args):
    """Keras's result dtypes for ``args`` (x64 off, as Keras on JAX runs by default), or
    None where Keras refuses them (a list where it wants an array, a scalar where a matrix)."""
    try:
        with jax.enable_x64(False):
            return [_dtype_name(t) for t in leaves(case.fn(keras.ops, *args))]
    except Exception:  # noqa: BLE001 - Keras itself refusing these arguments
        return None


# Keras's arctan2, logaddexp and logaddexp2 convert a Python number to a float32 tensor
# before promoting, so beside float16 it is no longer weak (add and the rest keep float16);
# tinykeras keeps the weak rule for these too.
_STRONG_NUMBER_IN_KERAS = {"arctan2", "logaddexp", "logaddexp2"}
PYTHON_CASES = [c for c in ORACLE_CASES if c.dtype and not c.tags.get("x64")
                and any(isinstance(a, np.ndarray) for a in c.args)
                and case_code_takes_lists(c, tk.ops)]  # not cholesky's ``a.shape``...


@pytest.mark.parametrize("case", PYTHON_CASES, ids=[c.id for c in PYTHON_CASES])
def test_python_numbers_and_lists_give_kerass_dtypes(case):
    # Every case again with its arrays given as Python lists, then as Python numbers (where
    # Keras takes them), then with the first array kept (float32, float16) and the others
    # as Python numbers: the result dtypes are Keras's (floatx, int32, the array's dtype).
    arrays = [i for i, a in enumerate(case.args) if isinstance(a, np.ndarray)]
    variants = {
        "lists": [_python(a) if i in arrays else a for i, a in enumerate(case.args)],
        "numbers": [_python(a, True) if i in arrays else a for i, a in enumerate(case.args)],
    }
    for half in ("float32", "float16"):
        if len(arrays) > 1:
            first = np.asarray(case.args[arrays[0]])
            variants[f"{half} array and numbers"] = [
                (first.astype(half) if first.dtype.kind == "f" else first) if i == arrays[0]
                else _python(a, True) if i in arrays else a for i, a in enumerate(case.args)]
    compared = 0
    for label, args in variants.items():
        theirs = _keras_dtypes(case, args)
        if theirs is None and label == "lists":
            # Keras refuses the lists themselves here (JAX wants arrays; the op reads
            # ``.shape``): our op on a list must give what Keras gives on the tensor its
            # convert_to_tensor makes of that list.
            with jax.enable_x64(False):
                converted = [keras.ops.convert_to_tensor(a) if i in arrays else a
                             for i, a in enumerate(args)]
            theirs = _keras_dtypes(case, converted)
        if theirs is None:
            continue
        try:
            ours = [_dtype_name(t) for t in leaves(case.fn(tk.ops, *args))]
        except (TypeError, AttributeError) as exc:
            if "tinykeras" in traceback.extract_tb(exc.__traceback__)[-1].filename:
                raise
            continue  # the case's own code needs arrays (``a > 0``, ``a.shape``)
        except tk.errors.InvalidArgumentError:
            if label == "lists":
                raise
            continue  # a number where an index array was (JAX clamps it, NumPy refuses)
        if label.startswith("float16") and case.name in _STRONG_NUMBER_IN_KERAS:
            assert ours == ["float16"] and theirs == ["float32"], (ours, theirs)
        else:
            assert ours == theirs, f"{case.name} with {label}: {ours}, Keras {theirs}"
        compared += 1
    assert compared, f"{case.name}: Keras took none of the variants"


INT_CASES = [c for c in ORACLE_CASES if c.dtype and not c.tags.get("x64")
             and any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in c.args)]
# Integer and bool inputs where tinykeras's result type still differs from Keras's (none a
# 64-bit type where Keras has a 32-bit one): relu and hard_tanh of integers, cross of
# integers and layer/rms normalization of integers or bools are floatx here (Keras keeps the
# integer type, even for a normalization); arithmetic on two bools is int8 as in NumPy
# (Keras: int32), einsum and vdot of bools are not bool.
INTEGER_GAPS = {
    "int32": {"relu", "hard_tanh", "nn.relu", "nn.hard_tanh", "cross", "layer_normalization",
              "rms_normalization", "nn.layer_normalization", "nn.rms_normalization"},
    "bool": {"relu", "hard_tanh", "nn.relu", "nn.hard_tanh", "layer_normalization",
             "rms_normalization", "nn.layer_normalization", "nn.rms_normalization", "square",
             "power", "mod", "fmod", "floor_divide", "einsum", "vdot", "dot"},
}
# Refused here, answered by Keras: integers to negative integer powers (NumPy refuses; JAX
# gives a number), and differences of bools (NumPy refuses ``-`` on bools).
INTEGER_REFUSED = {"int32": {"power"}, "bool": {"diff", "trapezoid"}}


@pytest.mark.parametrize("case", INT_CASES, ids=[c.id for c in INT_CASES])
def test_integer_inputs_give_kerass_types(case):
    # Every case with its float arrays as int32 and as bool arrays: the result types are
    # Keras's (NumPy's own promotions gave float64 for clip(int32, -0.5, 0.7) and nanmean,
    # int64 for prod and vdot of int32, int32 for floor of int32). Where a gap is known
    # (INTEGER_GAPS), no 64-bit type at least where Keras gives a 32-bit one.
    for kind in ("int32", "bool"):
        args = [(np.round(a * 3).astype(kind) if kind != "bool" else a > 0)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in case.args]
        theirs = _keras_dtypes(case, args)
        if theirs is None:
            continue
        try:
            ours = [_dtype_name(t) for t in leaves(case.fn(tk.ops, *args))]
        except tk.errors.InvalidArgumentError:
            if case.name in INTEGER_REFUSED[kind]:
                continue
            raise
        if case.name not in INTEGER_GAPS[kind]:
            assert ours == theirs, f"{case.name} on {kind}: {ours}, Keras {theirs}"
        for a, b in zip(ours, theirs):
            if b in ("float32", "int32", "complex64"):
                assert a not in ("float64", "int64", "complex128"), (
                    f"{case.name} on {kind}: {ours}, Keras {theirs}")
