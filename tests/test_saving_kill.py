"""Killing a process in the middle of ``save`` never corrupts the previous file."""

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tinykeras as tk

pytest.importorskip("h5py")

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import tinykeras as tk

    path, ready = sys.argv[1], sys.argv[2]
    model = tk.Sequential([tk.Input((20,)), tk.layers.Dense(400, name="a"),
                           tk.layers.Dense(400, name="b"), tk.layers.Dense(1, name="c")])
    model.compile(optimizer="adam", loss="mse")
    version = 0
    while True:
        version += 1
        for var in model.weights:  # every weight holds the version number
            var.assign(np.full(var.shape, float(version)))
        model.save(path)
        if version == 1:
            open(ready, "w").close()
""")


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_killing_a_saving_process_leaves_a_loadable_file(tmp_path, suffix):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    path = tmp_path / f"model{suffix}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(0)
    versions = set()
    for attempt in range(12):
        ready = tmp_path / f"ready{attempt}"
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(ready)], env=env)
        try:
            while not ready.exists():
                assert proc.poll() is None, "the writer died on its own"
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside a later save
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        model = tk.models.load_model(path, compile=False)
        weights = model.get_weights()
        version = float(weights[0].flat[0])
        for w in weights:  # one whole version, never a mix of two
            np.testing.assert_array_equal(w, np.full(w.shape, version, w.dtype))
        versions.add(version)
        for stray in tmp_path.glob(f".{path.name}.*.tmp"):
            stray.unlink()  # a killed writer may leave its temporary file, never a bad target
    assert len(versions) > 1, "the kills all landed before the second save"
