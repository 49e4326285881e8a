"""Oracle tests: real Keras 3 on PyTorch's CPU backend, in the same process as tinykeras.

Keras reads ``KERAS_BACKEND`` once, at its first import, so it is set here, before anything
in this folder imports keras. Keras and torch are test-only dependencies (the ``oracle``
extra); a missing one is an error, never a skip.
"""

import json
import os
import platform
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from keras.src.backend.common import dtypes as _keras_dtypes  # noqa: E402

import tinykeras as tk  # noqa: E402

torch.set_num_threads(1)
# Keras 3.15 on torch demotes float64 to float32 in type promotion (matmul, add, multiply...)
# "to be aligned with JAX's default", so a float64 Dense runs its matmul in float32
# (keras-team/keras#23704). Keras on TensorFlow keeps float64; so does this oracle, or the
# float64 comparisons would measure Keras's float32 rounding instead of ours.
_keras_dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"
LAST_RUN = Path(__file__).with_name(".last_run.json")
HERE = Path(__file__).parent
_seconds = {"oracle": 0.0}

if keras.backend.backend() != "torch":
    raise RuntimeError(
        f"The oracle tests need Keras on the torch backend, but keras was already imported "
        f"with backend {keras.backend.backend()!r}. Unset KERAS_BACKEND or run tests/oracle "
        "in its own process."
    )


def pytest_configure(config):
    # torch's Tensor.__array__ predates NumPy 2's copy keyword; Keras's convert_to_numpy
    # trips NumPy's warning on every call. It is about torch, not about the numbers.
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
        "torch": torch.__version__,
        "numpy": np.__version__,
        "tinykeras": tk.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": round(_seconds["oracle"], 1),
        "tests": sorted({r["test"] for r in RECORDS}),
        "records": RECORDS,
    }, indent=1))
