"""Gradient checking: compare backpropagated gradients with central finite differences."""

import numpy as np

from tinykeras.autodiff import GradientTape, Variable


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Return d(sum f(x))/dx by central differences, one coordinate at a time (float64)."""
    # C order: ``reshape(-1)`` below must be a view, or the nudges would miss ``x``.
    x = np.array(x, dtype=np.float64, order="C")
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(np.sum(np.asarray(f(x))))
        flat[i] = old - eps
        down = float(np.sum(np.asarray(f(x))))
        flat[i] = old
        gflat[i] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """Return ``||a - b|| / max(||a|| + ||b||, 1e-12)``: 0 for equal arrays, 1 for unrelated."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def check_gradients(fn, *inputs, eps: float = 1e-6) -> list:
    """Return the relative error of the tape gradient of ``sum(fn(*inputs))`` for each input.

    ``fn`` takes Tensors and returns a Tensor; the inputs are float arrays (made float64).
    """
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    variables = [Variable(a, dtype="float64") for a in arrays]
    with GradientTape() as tape:
        out = fn(*variables)
    analytic = tape.gradient(out, variables, unconnected_gradients="zero")
    errors = []
    for i, a in enumerate(arrays):

        def f_i(xi, i=i):
            args = [Variable(xi if j == i else arrays[j], dtype="float64")
                    for j in range(len(arrays))]
            return fn(*args).value

        numeric = numerical_gradient(f_i, a, eps)
        errors.append(relative_error(analytic[i].value, numeric))
    return errors
