"""Peak memory of training on data larger than the memory it may use (issue 11).

Three runs, each in a fresh process so its peak RSS is its own:

- ``memmap``: ``fit`` one epoch (shuffled, batch 1024) on a float32 ``.npy`` opened with
  ``np.load(..., mmap_mode="r")`` of ``--memmap-mb`` megabytes (default 2048);
- ``memmap float64``: the same on a float64 file of that size (the model trains in float32,
  so each batch is converted as it is read: the file is never converted whole);
- ``generator``: ``fit`` on a generator of ``(x, y)`` batches, ``--rows`` rows in all
  (default 10 million, 20 features, batches of 10,000).

Prints a table: data size, peak RSS, the RSS before ``fit`` (imports, model) and the time.

    PYTHONPATH=src python benchmarks/memory.py [--memmap-mb 2048] [--rows 10000000]

The file is freshly written, so it is read from the OS page cache: the times are those of
reading and training, not of the disk.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

FEATURES = 1000  # memmap rows of 4 kB


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (VmHWM: unlike ``ru_maxrss`` it
    starts afresh at exec, so a child does not inherit the parent's peak)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _model(features):
    import tinykeras as tk
    from tinykeras.layers import Dense, Input

    model = tk.Sequential([Input(shape=(features,)), Dense(8, activation="relu"), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def run_memmap(path) -> dict:
    """Fit one epoch on the memory-mapped file at ``path``; return sizes and peak RSS."""
    x = np.load(path, mmap_mode="r")
    y = np.zeros((len(x), 1), dtype="float32")
    model = _model(x.shape[1])
    before = _rss_mb()
    start = time.perf_counter()
    model.fit(x, y, batch_size=1024, epochs=1, verbose=0)
    return {"data_mb": x.nbytes / 2**20, "rss_before_mb": before, "peak_rss_mb": _rss_mb(),
            "seconds": time.perf_counter() - start}


def run_generator(rows) -> dict:
    """Fit on a generator yielding ``rows`` rows in batches of 10,000; return peak RSS."""
    batch, features = 10_000, 20
    model = _model(features)

    def batches():
        rng = np.random.default_rng(0)
        for _ in range(rows // batch):
            x = rng.random((batch, features), dtype=np.float32)
            yield x, x[:, :1] * 2.0

    before = _rss_mb()
    start = time.perf_counter()
    model.fit(batches(), epochs=1, verbose=0)
    return {"data_mb": rows * features * 4 / 2**20, "rss_before_mb": before,
            "peak_rss_mb": _rss_mb(), "seconds": time.perf_counter() - start}


def make_memmap(path, megabytes, dtype="float32"):
    """Write a ``.npy`` of about ``megabytes`` MB of ``dtype`` rows, chunk by chunk."""
    itemsize = np.dtype(dtype).itemsize
    rows = int(megabytes * 2**20 // (itemsize * FEATURES))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(rows, FEATURES))
    for start in range(0, rows, 16384):
        stop = min(rows, start + 16384)
        out[start:stop] = np.random.default_rng(start).random((stop - start, FEATURES))
    out.flush()
    del out


def measure(kind, arg) -> dict:
    """Run one measurement in a child process and return its result."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import json, sys; sys.path.insert(0, {here!r}); import memory; "
            f"print(json.dumps(memory.run_{kind}({arg!r})))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memmap-mb", type=int, default=2048)
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, dtype in (("memmap", "float32"), ("memmap float64", "float64")):
            path = os.path.join(tmp, f"{dtype}.npy")
            make_memmap(path, args.memmap_mb, dtype)
            results[name] = measure("memmap", path)
            os.remove(path)
    results["generator"] = measure("generator", args.rows)
    print("| run | data (MB) | RSS before fit (MB) | peak RSS (MB) | fit (s) |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['data_mb']:.0f} | {r['rss_before_mb']:.0f} | "
              f"{r['peak_rss_mb']:.0f} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
