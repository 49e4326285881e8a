"""The oracle itself: tinykeras never imports Keras or torch, the comparison reports what it
must, and Keras really computes in float64 when asked."""

import subprocess
import sys

import keras
import numpy as np
import pytest
from harness import RECORDS, compare, keras_call

ISOLATION_SCRIPT = """
import sys
import numpy as np
import tinykeras as tk
model = tk.Sequential([tk.Input(shape=(3,)), tk.layers.Dense(2, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(np.ones((4, 3)), np.array([0, 1, 0, 1]), epochs=2, verbose=0)
model.predict(np.ones((1, 3)), verbose=0)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("keras", "torch", "jax",
                                                             "tensorflow"))
print(",".join(loaded))
"""


def test_tinykeras_never_imports_keras_or_torch():
    done = subprocess.run([sys.executable, "-c", ISOLATION_SCRIPT], capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"tinykeras imported: {done.stdout.strip()}"


def test_compare_names_item_pass_worst_differences_and_index():
    ours = np.array([[1.0, 2.0], [3.0, 4.5]])
    keras_value = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = len(RECORDS)
    with pytest.raises(AssertionError) as failure:
        compare(ours, keras_value, section="harness", item="Dense(2)", where="backward pass "
                "tensor 1", dtype="float32")
    message = str(failure.value)
    for part in ("Dense(2) [float32]: backward pass tensor 1", "rtol=1e-05",
                 "worst abs diff 5.000e-01 at index (1, 1)",
                 "worst rel diff 1.250e-01 at index (1, 1)"):
        assert part in message, f"{part!r} missing from:\n{message}"
    RECORDS[before:] = []  # a deliberate failure is not a measurement of tinykeras


def test_compare_accepts_differences_within_tolerance():
    before = len(RECORDS)
    compare(np.float32(1.000001), 1.0, section="harness", item="scalar", where="value",
            dtype="float32")
    assert RECORDS[-1]["passed"] and RECORDS[-1]["worst_abs"] > 0
    RECORDS[before:] = []


def test_keras_oracle_computes_dense_in_float64(rng):
    # Guards the float64 promotion fix in conftest.py (keras-team/keras#23704): without it
    # Keras's float64 matmul runs in float32 and agrees with NumPy only to ~1e-7.
    keras.config.set_floatx("float64")
    layer_in = rng.normal(size=(7, 30))
    kernel, bias = rng.normal(size=(30, 5)), rng.normal(size=5)
    model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(5)])
    model.set_weights([kernel, bias])
    out = keras_call(model, layer_in)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, layer_in @ kernel + bias, rtol=1e-13, atol=1e-13)
