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
@pytest.mark.parametrize("dtype, share", [("float32", 0.5), ("float64", 0.25)])
def test_fit_streams_a_memmap_larger_than_its_memory_budget(tmp_path, monkeypatch, dtype, share):
    # A float64 file is converted batch by batch (the model trains in float32), never whole:
    # converted whole it would take half the file's size.
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    memory = _memory_module()
    megabytes = int(os.environ.get("TINYKERAS_MEMMAP_MB", "384"))
    path = tmp_path / "big.npy"
    memory.make_memmap(str(path), megabytes, dtype=dtype)
    result = memory.measure("memmap", str(path))
    assert result["data_mb"] > 0.9 * megabytes
    grew = result["peak_rss_mb"] - result["rss_before_mb"]
    assert grew < min(150, share * megabytes), result  # a few batches, never the file


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


def _traced_peak(run):
    """Peak bytes NumPy allocates while ``run()`` runs (tracemalloc sees NumPy's buffers)."""
    import tracemalloc

    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_fit_evaluate_and_predict_read_a_memmap_of_another_dtype_batch_by_batch(
        tmp_path, monkeypatch, dtype):
    import numpy as np

    import tinykeras as tk
    from tinykeras.layers import Dense, Input
    from tinykeras.utils import validation

    monkeypatch.setattr(validation, "_CHUNK_BYTES", 1 << 20)  # the finite check's chunks
    rows, features = 16000, 250
    np.save(tmp_path / "x.npy", np.arange(rows * features, dtype=dtype).reshape(rows, -1) % 7)
    x = np.load(tmp_path / "x.npy", mmap_mode="r")
    y = np.ones((rows, 1), dtype="float32")
    whole = rows * features * 4  # the file converted to float32 at once: 16 MB
    model = tk.Sequential([Input(shape=(features,)), Dense(2), Dense(1)])
    model.compile(optimizer=tk.optimizers.SGD(1e-6), loss="mse")
    model.predict(x[:300], batch_size=256, verbose=0)  # trace the steps outside the count
    model.fit(x[:300], y[:300], batch_size=256, verbose=0)
    for run in (lambda: model.fit(x, y, batch_size=256, epochs=1, verbose=0),
                lambda: model.evaluate(x, y, batch_size=256, verbose=0),
                lambda: model.predict(x, batch_size=256, verbose=0)):
        assert _traced_peak(run) < whole / 4
    assert model.predict(x[:5], verbose=0).dtype == np.float32


def test_float64_memmaps_train_exactly_like_the_same_arrays_in_memory(tmp_path):
    import numpy as np

    import tinykeras as tk
    from tinykeras.layers import Dense, Input

    rng = np.random.default_rng(1)
    x, y, weights = rng.random((200, 5)), rng.random((200, 1)), rng.random(200)
    for name, array in (("x", x), ("y", y), ("w", weights)):
        np.save(tmp_path / f"{name}.npy", array)
    results = []
    for mode in (None, "r", "c"):  # "c" (copy-on-write) is read from the map, not the file
        data, target, sw = (array if mode is None else np.load(
            tmp_path / f"{name}.npy", mmap_mode=mode) for name, array in (
                ("x", x), ("y", y), ("w", weights)))
        tk.utils.set_random_seed(5)
        model = tk.Sequential([Input(shape=(5,)), Dense(3, activation="tanh"), Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(data, target, batch_size=16, epochs=2, verbose=0, shuffle="batch",
                  sample_weight=sw, validation_data=(data[150:], target[150:]))
        results.append((model.get_weights(), model.evaluate(data, target, verbose=0),
                        model.predict(data, batch_size=64, verbose=0),
                        model.train_on_batch(data[:8], target[:8])))
    for other in results[1:]:
        for a, b in zip(results[0][0], other[0]):
            np.testing.assert_array_equal(a, b)
        assert other[1:2] == results[0][1:2] and other[3] == results[0][3]
        np.testing.assert_array_equal(other[2], results[0][2])


def test_a_memmap_that_overflows_the_model_dtype_is_refused_by_row_and_column(tmp_path):
    import numpy as np

    import tinykeras as tk
    from tinykeras.errors import NonFiniteInputError
    from tinykeras.layers import Dense, Input

    x = np.zeros((50, 3))
    x[7, 1] = 1e300  # finite in float64, infinite in float32
    np.save(tmp_path / "x.npy", x)
    model = tk.Sequential([Input(shape=(3,)), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(NonFiniteInputError, match=r"1e\+300 \(too large for float32.*row 7, "
                                                   r"column 1"):
        model.fit(np.load(tmp_path / "x.npy", mmap_mode="r"), np.zeros((50, 1)), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_rows_read_from_the_file_match_the_map_in_any_order(tmp_path):
    import numpy as np

    from tinykeras.models import data

    x = np.arange(600, dtype="float64").reshape(100, 6)
    np.save(tmp_path / "x.npy", x)
    mapped = data.to_array(np.load(tmp_path / "x.npy", mmap_mode="r"), "x", dtype="float32")
    for view, expected in ((mapped, x), (mapped[10:90], x[10:90]), (mapped[::3], x[::3])):
        rows = data.MappedRows(view)
        assert rows._file is not None  # read with preadv, not through the map
        order = np.random.default_rng(0).permutation(len(view))
        for idx in (order, np.sort(order), order[:7], slice(5, 40), slice(None, None, -2)):
            got = rows[idx]
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, expected[idx].astype("float32"))
        rows.close()
