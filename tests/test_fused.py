"""The fused optimizer update (optimizers/fused.py) computes what the ufunc path computes, bit
for bit, and is used only where it should be."""

import subprocess
import sys
import types

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.optimizers import fused


@pytest.fixture
def fusing(monkeypatch):
    """Set TINYKERAS_FUSED for one test (and forget the kernels before and after)."""

    def use(value):
        monkeypatch.setenv("TINYKERAS_FUSED", value)
        fused.reset()

    yield use
    fused.reset()


def _hard_values(rng, n, dtype):
    """Gradients and slots with zeros, signs, tiny (subnormal), huge and ordinary entries."""
    tiny = np.finfo(dtype).smallest_subnormal
    pool = np.array([0.0, -0.0, tiny, -tiny, 1e-30, 1e30, -1e30, 1.0, -3.5], dtype)
    out = rng.standard_normal(n).astype(dtype)
    pick = rng.random(n) < 0.3
    out[pick] = rng.choice(pool, pick.sum())
    return out


# optimizer -> the kernel it should use (every built-in optimizer has one)
OPTIMIZERS = {
    "adam": (lambda: tk.optimizers.Adam(learning_rate=0.01), "adam"),
    "adamw": (lambda: tk.optimizers.AdamW(learning_rate=0.01), "adam"),
    "amsgrad": (lambda: tk.optimizers.Adam(learning_rate=0.01, amsgrad=True), "adam"),
    "nadam": (lambda: tk.optimizers.Nadam(learning_rate=0.01), "nadam"),
    "adamax": (lambda: tk.optimizers.Adamax(learning_rate=0.01), "adamax"),
    "adagrad": (lambda: tk.optimizers.Adagrad(0.1, initial_accumulator_value=0.05), "adagrad"),
    "adadelta": (lambda: tk.optimizers.Adadelta(learning_rate=1.0), "adadelta"),
    "sgd": (lambda: tk.optimizers.SGD(learning_rate=0.1), "sgd"),
    "momentum": (lambda: tk.optimizers.SGD(0.1, momentum=0.9), "momentum"),
    "nesterov": (lambda: tk.optimizers.SGD(0.1, momentum=0.9, nesterov=True), "nesterov"),
    "rmsprop": (lambda: tk.optimizers.RMSprop(learning_rate=0.01), "rmsprop"),
    "rmsprop_centered": (lambda: tk.optimizers.RMSprop(0.01, centered=True), "rmsprop_full"),
    "rmsprop_momentum": (lambda: tk.optimizers.RMSprop(0.01, momentum=0.5), "rmsprop_full"),
    "rmsprop_both": (lambda: tk.optimizers.RMSprop(0.01, momentum=0.9, centered=True,
                                                   epsilon=1e-5), "rmsprop_full"),
}


def _steps(make, dtype, steps, rng_seed=0, n=1000):
    """Weights and slots after ``steps`` updates of one variable from fixed gradients."""
    rng = np.random.default_rng(rng_seed)
    var = tk.Variable(_hard_values(rng, n, dtype), dtype=dtype)
    grads = [_hard_values(rng, n, dtype) for _ in range(steps)]
    opt = make()
    with np.errstate(all="ignore"):  # 1e30 squared overflows float32, on both paths
        for g in grads:
            opt.apply_gradients([(g, var)])
    return [var.numpy(), *[np.array(s.value) for s in opt.variables[2:]]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_fused_updates_are_the_ufunc_updates_bit_for_bit(fusing, name, dtype):
    import numba  # noqa: F401 - the fast extra, installed with the test extra

    make, kernel = OPTIMIZERS[name]
    fusing("0")
    expected = _steps(make, dtype, 5)
    assert not fused._state["kernels"]  # off: no kernel made
    fusing("1")
    got = _steps(make, dtype, 5)
    assert fused._state["kernels"][kernel].signatures  # it ran compiled
    for a, b in zip(expected, got):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"))


def test_the_python_kernel_is_the_ufunc_update():
    # The readable loop itself (what numba compiles) against Adam.update_step's ufuncs.
    rng = np.random.default_rng(3)
    var, grad = _hard_values(rng, 200, "float32"), _hard_values(rng, 200, "float32")
    m, v = _hard_values(rng, 200, "float32"), np.abs(_hard_values(rng, 200, "float32"))
    c = [np.float32(x) for x in (0.1, 0.001, 0.003, 1e-7)]
    ref = [a.copy() for a in (var, m, v)]
    with np.errstate(all="ignore"):
        fused.adam_kernel(var, grad, m, v, v, *c, False)
        tmp = np.subtract(grad, ref[1]) * c[0]
        ref[1] += tmp
        tmp = (grad * grad - ref[2]) * c[1]
        ref[2] += tmp
        ref[0] -= (ref[1] * c[2]) / (np.sqrt(ref[2]) + c[3])
    for a, b in zip(ref, (var, m, v)):
        np.testing.assert_array_equal(a, b)


def test_a_fit_is_the_same_with_and_without_fusing(fusing):
    import numba  # noqa: F401 - the fast extra, installed with the test extra

    def fit():
        tk.utils.set_random_seed(1)
        rng = np.random.default_rng(0)
        x, y = rng.random((256, 30), dtype=np.float32), rng.integers(0, 4, 256)
        model = tk.Sequential([tk.Input(shape=(30,)), tk.layers.Dense(16, activation="relu"),
                               tk.layers.Dense(4)])
        model.compile(optimizer="adam", loss=tk.losses.SparseCategoricalCrossentropy(True))
        history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
        return history.history["loss"], model.get_weights(), model.optimizer.variables

    fusing("0")
    loss_a, weights_a, slots_a = fit()
    fusing("1")
    loss_b, weights_b, slots_b = fit()
    assert loss_a == loss_b
    for a, b in zip(weights_a + [s.numpy() for s in slots_a],
                    weights_b + [s.numpy() for s in slots_b]):
        np.testing.assert_array_equal(a, b)


def test_small_buffers_off_and_float16_keep_the_ufunc_path(fusing):
    fusing("auto")
    small = np.zeros(fused.MIN_SIZE - 1, np.float32)
    assert fused.kernel("adam", small, small, small, small) is None
    fusing("off")
    big = np.zeros(fused.MIN_SIZE, np.float32)
    assert fused.kernel("adam", big, big, big, big) is None
    half = np.zeros(fused.MIN_SIZE, np.float16)
    fusing("1")
    assert fused.kernel("adam", half, half, half, half) is None  # numba has no float16 math


def test_a_small_network_does_not_import_numba():
    # The seed network's 10k parameters never pay numba's import (0.1-0.3 s per process).
    code = (
        "import sys, numpy as np, tinykeras as tk\n"
        "m = tk.Sequential([tk.Input(shape=(400,)), tk.layers.Dense(25, activation='sigmoid'),"
        " tk.layers.Dense(1, activation='sigmoid')])\n"
        "m.compile(optimizer='adam', loss='binary_crossentropy')\n"
        "m.fit(np.zeros((64, 400), 'float32'), np.zeros(64), epochs=1, verbose=0)\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_broken_numba_falls_back_to_numpy_with_a_warning(fusing, monkeypatch):
    broken = types.ModuleType("numba")

    def njit(**options):
        raise RuntimeError("no LLVM here")

    broken.njit = njit
    monkeypatch.setitem(sys.modules, "numba", broken)
    fusing("1")
    make, _ = OPTIMIZERS["adam"]
    with pytest.warns(UserWarning, match="numba is installed but failed to load"):
        got = _steps(make, "float32", 2)
    fusing("0")
    expected = _steps(make, "float32", 2)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_fused_finite_check_finds_nan_and_infinity(fusing, dtype):
    import numba  # noqa: F401 - the fast extra, installed with the test extra

    fusing("1")
    finfo = np.finfo(dtype)
    ordinary = np.array([0.0, -0.0, finfo.max, -finfo.max, finfo.smallest_subnormal, 1.5],
                        dtype)
    assert fused.has_nonfinite(ordinary) is False
    assert fused.has_nonfinite(np.zeros(0, dtype)) is False
    for bad in (np.nan, -np.nan, np.inf, -np.inf):
        values = ordinary.copy()
        values[3] = bad
        assert fused.has_nonfinite(values) is True
    fusing("0")
    assert fused.has_nonfinite(ordinary) is None  # the caller checks with NumPy


def test_a_nan_gradient_stops_a_fused_update_before_it_changes_anything(fusing):
    import numba  # noqa: F401 - the fast extra, installed with the test extra

    fusing("1")
    # A replayed fit step writes its gradients into the optimizer's flat buffer and calls
    # apply_buffered (apply_gradients refuses a NaN gradient at its door already).
    var = tk.Variable(np.ones(10, "float32"))
    opt = tk.optimizers.Adam()
    opt.apply_gradients([(np.ones(10, "float32"), var)])
    before = [var.numpy(), *[s.numpy() for s in opt.variables]]
    grad = opt._packed.slabs[0].grad
    grad[:] = 1.0
    grad[7] = np.nan
    with pytest.raises(tk.errors.NonFiniteGradientError, match="holds NaN"):
        opt.apply_buffered()
    for a, b in zip(before, [var.numpy(), *[s.numpy() for s in opt.variables]]):
        np.testing.assert_array_equal(a, b)


def test_auto_loads_numba_only_after_the_ufuncs_did_enough_work(fusing, monkeypatch):
    # A short fit never pays numba's import; a long one switches once the payback is done.
    import numba  # noqa: F401 - the fast extra, installed with the test extra

    fusing("auto")
    monkeypatch.setattr(fused, "PAYBACK", 3 * fused.MIN_SIZE)
    buf = np.zeros(fused.MIN_SIZE, np.float32)
    used = [fused.kernel("sgd", buf, buf) is not None for _ in range(5)]
    assert used == [False, False, False, True, True]
