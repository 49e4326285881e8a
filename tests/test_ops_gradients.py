"""Float64 finite-difference checks of every differentiable ``tinykeras.ops`` op, from the
shared table in ``tests/ops_cases.py``; and a check that the table covers every op."""

import numpy as np
import pytest
from ops_cases import CASES
from test_ops_coverage import keras_names, status

import tinykeras as tk
from tinykeras.utils.gradient_check import numerical_gradient, relative_error

GRAD_CASES = [c for c in CASES if c.grad and c.fd]


def leaves(out):
    """The arrays of a (possibly nested) op result."""
    if isinstance(out, (list, tuple)):
        return [leaf for item in out for leaf in leaves(item)]
    return [out]


def weights_for(shape, k):
    """Fixed, uneven output weights, so that a wrong vjp cannot cancel out in a plain sum."""
    size = int(np.prod(shape))
    return (np.cos(np.arange(size) * 0.7 + k) + 1.5).reshape(shape)


def weighted_sum(out):
    """``sum_k <w_k, out_k>`` over the result's float leaves, as a tinykeras scalar."""
    total = None
    for k, leaf in enumerate(leaves(out)):
        if np.asarray(leaf).dtype.kind != "f":
            continue
        term = tk.ops.sum(tk.ops.multiply(leaf, weights_for(np.shape(leaf), k)))
        total = term if total is None else tk.ops.add(total, term)
    return total


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.id for c in GRAD_CASES])
def test_gradient_matches_finite_differences(case):
    tk.config.set_floatx("float64")
    args = [np.asarray(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else a
            for a in case.args]
    variables = [tk.Variable(a, dtype="float64") if i in case.grad else a
                 for i, a in enumerate(args)]
    with tk.GradientTape() as tape:
        loss = weighted_sum(case.fn(tk.ops, *variables))
    grads = tape.gradient(loss, [variables[i] for i in case.grad],
                          unconnected_gradients="zero")
    for i, g in zip(case.grad, grads):
        def f(x, i=i):
            call = [x if j == i else a for j, a in enumerate(args)]
            return weighted_sum(case.fn(tk.ops, *call)).numpy()

        numeric = numerical_gradient(f, args[i])
        finite = np.isfinite(numeric)  # NaN inputs (nan* ops) have no defined derivative
        err = relative_error(np.asarray(g.numpy())[finite], numeric[finite])
        assert err < 1e-6, (f"{case.name}: gradient of input {i} differs from central "
                            f"differences by relative error {err:.2e}")


def test_the_table_calls_every_covered_op():
    called = {c.name for c in CASES}
    covered = {n if ns == "ops" else f"{ns[4:]}.{n}" for ns, n in keras_names()
               if status(ns, n)[0] == "covered" and n not in ("nn", "linalg", "numpy")}
    assert not covered - called, f"ops with no case in tests/ops_cases.py: {covered - called}"
