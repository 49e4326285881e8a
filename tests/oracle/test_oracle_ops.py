"""``tinykeras.ops`` against ``keras.ops``: values and result dtypes in float32 for every case
of ``tests/ops_cases.py``, and gradients in float64 for every differentiable one (Keras on
PyTorch autograd as the reference)."""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import torch

import tinykeras as tk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ops_cases import CASES  # noqa: E402
from test_ops_gradients import leaves, weights_for  # noqa: E402

VALUE_RTOL = 2e-5   # float32: a few ulps through transcendental functions and reductions
LINALG_RTOL = 2e-4  # float32 factorizations: LAPACK (NumPy) and PyTorch round differently
GRAD_RTOL = 1e-7    # float64


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, tk.Tensor):
        return x.numpy()
    return np.asarray(x)


def _dtype_name(x):
    if isinstance(x, torch.Tensor):
        return keras.backend.standardize_dtype(x.dtype)
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
    theirs = case.fn(keras.ops, *args)
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

    theirs_in = [torch.tensor(a, requires_grad=i in case.grad) if i in case.grad else a
                 for i, a in enumerate(args)]
    total = 0
    for k, leaf in enumerate(leaves(case.fn(keras.ops, *theirs_in))):
        if torch.is_floating_point(leaf):
            total = total + (leaf * torch.tensor(weights_for(tuple(leaf.shape), k),
                                                 dtype=leaf.dtype)).sum()
    theirs = torch.autograd.grad(total, [theirs_in[i] for i in case.grad], allow_unused=True)
    theirs = [torch.zeros_like(theirs_in[i]) if g is None else g
              for i, g in zip(case.grad, theirs)]
    _check(case, ours, theirs, _rtol(case, GRAD_RTOL), "float64 gradients", dtypes=False)


DTYPES = ["bool", "uint8", "uint16", "int8", "int16", "int32", "float16", "float32", "float64"]


@pytest.mark.parametrize("first", DTYPES)
def test_dtype_promotion_matches_keras(first):
    # 64-bit integers are left out: Keras on PyTorch demotes them to int32 (as JAX without
    # x64); tinykeras keeps them, like NumPy and Keras on TensorFlow (tests/test_ops.py).
    for second in DTYPES + [float, int, bool]:
        ours = tk.ops.result_type(first, second) if second not in (float, int, bool) else \
            tk.ops.result_type(first, second(1))
        theirs = keras.backend.result_type(first, second)
        assert ours == theirs, f"result_type({first}, {second}): {ours}, Keras {theirs}"
        if "uint16" in (first, second):
            continue  # PyTorch has no uint16 arithmetic: Keras computes it in int32 there
        a = np.ones(2, first)
        b = np.ones(2, second) if isinstance(second, str) else second(1)
        got = tk.ops.add(a, b).dtype
        want = keras.backend.standardize_dtype(keras.ops.add(a, b).dtype)
        assert got == want, f"add({first}, {second}): {got}, Keras {want}"
