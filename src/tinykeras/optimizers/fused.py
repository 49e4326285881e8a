"""Fused optimizer updates: one pass over the flat buffers instead of NumPy's eleven.

Adam written with NumPy ufuncs makes eleven passes over every parameter per step (each ``-``,
``*``, ``+=``, ``sqrt`` and ``/`` reads and writes whole buffers). On a network of half a million
parameters that is a third of a training step, and the buffers no longer fit in the CPU's
cache, so the passes are memory-bound. The same arithmetic done element by element, in one
loop, touches each number once.

Every built-in optimizer (Adam with or without amsgrad, AdamW through Adam, Nadam, Adamax,
Adagrad, Adadelta, SGD plain/momentum/Nesterov, RMSprop plain/centered/momentum) and the
per-step finite-gradient check have such a loop here. Each is plain Python (``adam_kernel`` below is
the whole update, readable as is); when numba is installed (``pip install tinykeras[fast]``)
it is compiled to machine code on first use, once per dtype, and cached on disk. Each
computes exactly what its ``update_step`` computes with ufuncs: the same float operations on
the same operands in the same order, each rounded to the dtype (no fused multiply-add, no
reassociation: numba's ``fastmath`` stays off), so the results are the same bit for bit
(``tests/test_fused.py`` checks it). NumPy stays the only required dependency: without numba,
or for small buffers, the ufunc path runs.

``TINYKERAS_FUSED`` chooses: ``auto`` (default: fused when numba is importable, the buffer
has at least ``MIN_SIZE`` entries and the process has already spent ``PAYBACK`` parameters
of ufunc work on such buffers, so that the saved passes pay for numba's import), ``1``
(fused at any size when numba is importable; the tests use it), ``0`` (never).
"""

import os
import warnings

import numpy as np

# Below this many parameters the ufunc update costs tens of microseconds a step, less than
# importing numba once (0.1-0.3 s) would cost a short fit; above it the saving is ~1 µs per
# thousand parameters per step (W2's 535k: 600 µs -> 85 µs).
MIN_SIZE = 1 << 16
# "auto" also waits until the ufuncs have processed this many parameters (updates and checks,
# buffers of MIN_SIZE or more, summed over the process) before it loads numba: about 0.1-0.2 s
# of ufunc work, so a short fit (a tutorial's 200 steps of a 100k-parameter network) never
# pays numba's ~0.3 s, and a long one switches early (W2: after ~190 steps of its first epoch).
PAYBACK = 2 * 10**8
_DTYPES = (np.dtype("float32"), np.dtype("float64"))

# "min_size": the smallest buffer fused under the current mode (infinite when off), checked
# first on every update so that a small network pays one comparison per step.
_state = {"mode": None, "kernels": None, "min_size": 0, "pending": 0}


def adam_kernel(var, grad, m, v, v_hat, one_minus_beta_1, one_minus_beta_2, alpha, epsilon,
                amsgrad):
    """Adam's update (the epsilon-hat form of ``Adam.update_step``), one element at a time;
    with ``amsgrad`` the denominator uses the running maximum ``v_hat`` of v (else ``v_hat``
    is any array, unused)."""
    for i in range(var.shape[0]):
        g = grad[i]
        m_i = m[i] + (g - m[i]) * one_minus_beta_1
        v_i = v[i] + (g * g - v[i]) * one_minus_beta_2
        m[i] = m_i
        v[i] = v_i
        if amsgrad:
            v_i = v_hat[i] if v_hat[i] >= v_i else v_i
            v_hat[i] = v_i
        var[i] -= (m_i * alpha) / (np.sqrt(v_i) + epsilon)


def nadam_kernel(var, grad, m, v, one_minus_beta_1, one_minus_beta_2, c_m, c_g, correction,
                 epsilon):
    """Nadam (``Nadam.update_step``: lr * m_hat as ``c_m * m + c_g * g``)."""
    for i in range(var.shape[0]):
        g = grad[i]
        m_i = m[i] + (g - m[i]) * one_minus_beta_1
        v_i = v[i] + (g * g - v[i]) * one_minus_beta_2
        m[i] = m_i
        v[i] = v_i
        var[i] -= (m_i * c_m + g * c_g) / (np.sqrt(v_i / correction) + epsilon)


def adamax_kernel(var, grad, m, u, one_minus_beta_1, beta_2, epsilon, correction,
                  learning_rate):
    """Adamax (``Adamax.update_step``): the infinity norm u instead of Adam's v."""
    for i in range(var.shape[0]):
        g = grad[i]
        m_i = m[i] + (g - m[i]) * one_minus_beta_1
        decayed, size = u[i] * beta_2, abs(g)
        u_i = decayed if decayed >= size else size
        m[i] = m_i
        u[i] = u_i
        var[i] -= (m_i * learning_rate) / ((u_i + epsilon) * correction)


def adagrad_kernel(var, grad, accumulator, epsilon, learning_rate):
    """Adagrad (``Adagrad.update_step``), one element at a time."""
    for i in range(var.shape[0]):
        g = grad[i]
        a_i = accumulator[i] + g * g
        accumulator[i] = a_i
        var[i] -= (g * learning_rate) / np.sqrt(a_i + epsilon)


def adadelta_kernel(var, grad, acc_grad, acc_delta, rho, one_minus_rho, epsilon,
                    learning_rate):
    """Adadelta (``Adadelta.update_step``), one element at a time."""
    for i in range(var.shape[0]):
        g = grad[i]
        ag_i = acc_grad[i] * rho + (g * g) * one_minus_rho
        acc_grad[i] = ag_i
        step = np.sqrt(acc_delta[i] + epsilon) * g / np.sqrt(ag_i + epsilon)
        acc_delta[i] = acc_delta[i] * rho + (step * step) * one_minus_rho
        var[i] -= step * learning_rate


def sgd_kernel(var, grad, learning_rate):
    """Plain SGD (``SGD.update_step`` without momentum), one element at a time."""
    for i in range(var.shape[0]):
        var[i] -= grad[i] * learning_rate


def momentum_kernel(var, grad, m, learning_rate, momentum):
    """SGD with momentum (``SGD.update_step``, ``nesterov=False``), one element at a time."""
    for i in range(var.shape[0]):
        m_i = m[i] * momentum - grad[i] * learning_rate
        m[i] = m_i
        var[i] += m_i


def nesterov_kernel(var, grad, m, learning_rate, momentum):
    """SGD with Nesterov momentum (``SGD.update_step``, ``nesterov=True``)."""
    for i in range(var.shape[0]):
        step = grad[i] * learning_rate
        m_i = m[i] * momentum - step
        m[i] = m_i
        var[i] += m_i * momentum - step


def rmsprop_kernel(var, grad, velocity, rho, one_minus_rho, epsilon, learning_rate):
    """RMSprop (``RMSprop.update_step``, not centered, no momentum), one element at a time."""
    for i in range(var.shape[0]):
        g = grad[i]
        v_i = velocity[i] * rho + (g * g) * one_minus_rho
        velocity[i] = v_i
        var[i] -= (g * learning_rate) / np.sqrt(v_i + epsilon)


def rmsprop_full_kernel(var, grad, velocity, average, momentum_slot, rho, one_minus_rho,
                        epsilon, learning_rate, momentum, centered, with_momentum):
    """RMSprop with ``centered`` and/or ``momentum`` (the slots not used are any array)."""
    for i in range(var.shape[0]):
        g = grad[i]
        v_i = velocity[i] * rho + (g * g) * one_minus_rho
        velocity[i] = v_i
        if centered:
            a_i = average[i] * rho + g * one_minus_rho
            average[i] = a_i
            denominator = np.sqrt((v_i - a_i * a_i) + epsilon)
        else:
            denominator = np.sqrt(v_i + epsilon)
        increment = (g * learning_rate) / denominator
        if with_momentum:
            increment = momentum_slot[i] * momentum + increment
            momentum_slot[i] = increment
        var[i] -= increment


def nonfinite_kernel(bits, exponent):
    """True when a float buffer, read as same-width integers ``bits``, holds NaN or infinity
    (all ``exponent`` bits set). Integer max vectorizes; a float reduction would not."""
    worst = exponent - exponent  # zero, of the integer type
    for i in range(bits.shape[0]):
        worst = max(worst, bits[i] & exponent)
    return worst == exponent


_EXPONENT_BITS = {np.dtype("float32"): np.int32(0x7F800000),
                  np.dtype("float64"): np.int64(0x7FF0000000000000)}


def has_nonfinite(values):
    """True/False when the fused check ran on ``values`` (a 1-D float buffer), None when the
    caller should check with NumPy (see ``kernel``)."""
    check = kernel("nonfinite", values)
    if check is None:
        return None
    exponent = _EXPONENT_BITS[values.dtype]
    return check(values.view(exponent.dtype), exponent)


_KERNELS = {"adam": adam_kernel, "nadam": nadam_kernel,
            "adamax": adamax_kernel, "adagrad": adagrad_kernel, "adadelta": adadelta_kernel,
            "sgd": sgd_kernel, "momentum": momentum_kernel, "nesterov": nesterov_kernel,
            "rmsprop": rmsprop_kernel, "rmsprop_full": rmsprop_full_kernel,
            "nonfinite": nonfinite_kernel}


def mode() -> str:
    """``TINYKERAS_FUSED`` as one of ``auto``, ``on``, ``off`` (read once per process)."""
    if _state["mode"] is None:
        raw = os.environ.get("TINYKERAS_FUSED", "auto").strip().lower()
        _state["mode"] = {"1": "on", "on": "on", "true": "on", "0": "off", "off": "off",
                          "false": "off"}.get(raw, "auto")
    return _state["mode"]


def _kernels():
    """The compiled kernels by name, or ``{}`` when numba is missing or fusing is off."""
    kernels = _state["kernels"]
    if kernels is None:
        kernels = {}
        if mode() != "off":
            try:
                import numba

                # error_model="numpy": a division by zero gives inf as NumPy does, instead of
                # Python's exception (whose check per element also stops vectorization).
                options = dict(nogil=True, fastmath=False, error_model="numpy")
                try:  # compiled once per machine, then loaded from numba's on-disk cache
                    kernels = {n: numba.njit(cache=True, **options)(fn)
                               for n, fn in _KERNELS.items()}
                except RuntimeError:  # no writable cache directory: compile per process
                    kernels = {n: numba.njit(**options)(fn) for n, fn in _KERNELS.items()}
            except ImportError:
                pass
            except Exception as exc:  # a broken numba install must not stop training
                warnings.warn(f"numba is installed but failed to load ({exc!r}); the "
                              "optimizer update runs with NumPy ufuncs (same numbers, slower). "
                              "Set TINYKERAS_FUSED=0 to silence this.", stacklevel=4)
        _state["kernels"] = kernels
    return kernels


def kernel(name: str, *arrays):
    """The compiled kernel ``name`` for these 1-D buffers, or None where the ufunc path should
    run (numba missing, fusing off, small buffers, a dtype numba does not fuse)."""
    first = arrays[0]
    if first.size < _state["min_size"]:
        return None
    if _state["mode"] is None:  # first use: read TINYKERAS_FUSED, then check again
        _state["min_size"] = {"auto": MIN_SIZE, "on": 0, "off": float("inf")}[mode()]
        return kernel(name, *arrays)
    if first.dtype not in _DTYPES:
        return None
    if any(a.dtype != first.dtype or not a.flags.c_contiguous for a in arrays):
        return None
    if _state["kernels"] is None and _state["mode"] == "auto" and _state["pending"] < PAYBACK:
        _state["pending"] += first.size  # not yet: these ufunc passes count towards it
        return None
    return _kernels().get(name)


def reset() -> None:
    """Forget the mode and kernels (tests change ``TINYKERAS_FUSED``)."""
    _state.update(mode=None, kernels=None, min_size=0, pending=0)
