"""Scale without loss: fit streams a memory-mapped file and a generator with bounded memory.

Each run happens in a fresh process (``benchmarks/memory.py``), so its peak RSS is its own.
The bounds are generous (the point is "a batch, not the data set"); the benchmark reports the
real numbers for a 2 GB file and 10 million rows.
"""

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _memory_module():
    spec = importlib.util.spec_from_file_location("memory", ROOT / "benchmarks" / "memory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_fit_streams_a_memmap_larger_than_its_memory_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    memory = _memory_module()
    megabytes = int(os.environ.get("TINYKERAS_MEMMAP_MB", "384"))
    path = tmp_path / "big.npy"
    memory.make_memmap(str(path), megabytes)
    result = memory.measure("memmap", str(path))
    assert result["data_mb"] > 0.9 * megabytes
    grew = result["peak_rss_mb"] - result["rss_before_mb"]
    assert grew < min(150, 0.5 * megabytes), result  # a few batches, never the file


@pytest.mark.slow
def test_fit_on_a_generator_of_millions_of_rows_keeps_memory_bounded(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    rows = int(os.environ.get("TINYKERAS_GENERATOR_ROWS", "2000000"))
    result = _memory_module().measure("generator", rows)
    grew = result["peak_rss_mb"] - result["rss_before_mb"]
    assert grew < min(100, 0.5 * result["data_mb"]), result


def test_a_memmap_trains_exactly_like_the_same_array_in_memory(tmp_path):
    import numpy as np

    import tinykeras as tk
    from tinykeras.layers import Dense, Input

    rng = np.random.default_rng(0)
    x, y = rng.random((300, 5), dtype=np.float32), rng.random((300, 1), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    weights = []
    for data in (x, mapped):
        tk.utils.set_random_seed(3)
        model = tk.Sequential([Input(shape=(5,)), Dense(4, activation="relu"), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(data, y, batch_size=16, epochs=2, verbose=0, validation_split=0.2)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
