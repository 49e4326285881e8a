"""Oracle tests: real Keras 3 on JAX's CPU backend, in the same process as tinykeras.

Keras reads ``KERAS_BACKEND`` once, at its first import, and JAX reads ``JAX_ENABLE_X64`` when
it starts, so both are set here, before anything in this folder imports keras or jax. Without
x64 mode JAX silently turns every float64 array into float32 and the float64 comparisons
would measure float32 rounding. Keras and jax are test-only dependencies (the ``oracle``
extra); a missing one is an error, never a skip.
"""

import json
import os
import platform
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"
os.environ["JAX_ENABLE_X64"] = "1"
# One XLA thread, as torch.set_num_threads(1) was: the oracle's arrays are tiny, and the test
# machines share their cores among several processes.
os.environ.setdefault("XLA_FLAGS",
                      "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)  # also when jax was imported before this file

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from keras.src.backend.common import dtypes as _keras_dtypes  # noqa: E402

import tinykeras as tk  # noqa: E402

# Keras 3.15 on every backend but TensorFlow (JAX included) demotes float64 to float32 in its
# type promotion (matmul, add, multiply...) "to be aligned with JAX's default", so a float64
# Dense runs its matmul in float32 (keras-team/keras#23704). Keras on TensorFlow keeps float64;
# so does this oracle, or the float64 comparisons would measure Keras's float32 rounding
# instead of ours.
_keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
LAST_RUN = Path(__file__).with_name(".last_run.json")
HERE = Path(__file__).parent
_seconds = {"oracle": 0.0}

if keras.backend.backend() != "jax":
    raise RuntimeError(
        f"The oracle tests need Keras on the jax backend, but keras was already imported "
        f"with backend {keras.backend.backend()!r}. Unset KERAS_BACKEND or run tests/oracle "
        "in its own process."
    )


def pytest_configure(config):
    # Keras's Variable.__array__ predates NumPy 2's copy keyword, so every np.array(variable)
    # inside Keras trips NumPy's warning. It is about Keras, not about the numbers.
    config.addinivalue_line(
        "filterwarnings",
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
    )


@pytest.fixture(params=["float32", "float64"])
def floatx(request):
    """Run the test once in float32 and once in float64, in both libraries."""
    keras.config.set_floatx(request.param)
    tk.config.set_floatx(request.param)
    yield request.param
    keras.config.set_floatx("float32")
    tk.config.set_floatx("float32")


@pytest.fixture(autouse=True)
def _fresh_keras():
    """Every oracle test starts from Keras's defaults (float32, fresh names and seed)."""
    keras.config.set_floatx("float32")
    keras.utils.clear_session(free_memory=False)  # the gc.collect() costs 0.2 s a test
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_floatx("float32")


def pytest_runtest_logreport(report):
    """Add up the time spent in this folder's tests (setup, call and teardown)."""
    if Path(str(report.fspath)).resolve().parent == HERE.resolve():
        _seconds["oracle"] += report.duration


def pytest_sessionfinish(session, exitstatus):
    """Write every recorded comparison for ``scripts/fidelity_table.py``."""
    from harness import RECORDS  # imported lazily: it is this folder's module

    if not RECORDS:
        return
    LAST_RUN.write_text(json.dumps({
        "keras": keras.__version__,
        "jax": jax.__version__,
        "numpy": np.__version__,
        "tinykeras": tk.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": round(_seconds["oracle"], 1),
        "tests": sorted({r["test"] for r in RECORDS}),
        "records": RECORDS,
    }, indent=1))
