"""Run one benchmark task for one system in this (fresh) process and print a JSON result line.

Usage: python benchmarks/child.py SYSTEM_MODULE TASK_JSON

TASK_JSON keys: workload ("W1" or "W2"), network, loss, rows, batch_size, epochs, and optional
predict_batches (list of batch sizes, one warm-up pass then one timed pass each) and row_calls
(number of one-row calls timed per entry of the system's ROW_CALLS). SYSTEM_MODULE "ceiling"
instead measures NumPy's matmul speed. The result is the last stdout line, after RESULT_TAG.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

RESULT_TAG = "@@RESULT@@ "
ROW_CALL_BUDGET_S = 2.0  # stop the one-row loop early for systems slower than 2 ms per call

sys.path.insert(0, str(Path(__file__).resolve().parent))


def blas_info() -> dict:
    """Describe the BLAS NumPy uses here: threadpoolctl if installed, else OpenBLAS via ctypes."""
    import numpy as np

    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info

        # NumPy's own BLAS first (SciPy, if loaded, can bring a second OpenBLAS).
        libs = sorted(threadpool_info(), key=lambda lib: "numpy" not in lib.get("filepath", ""))
        for lib in libs:
            if lib.get("user_api") == "blas":
                keys = ("internal_api", "version", "architecture", "num_threads", "filepath")
                info.update({k: lib.get(k) for k in keys})
                info["source"] = "threadpoolctl"
                return info
    except ImportError:
        pass
    import ctypes

    paths = sorted({ln.split()[-1] for ln in open("/proc/self/maps") if "openblas" in ln.lower()})
    for path in paths:
        lib = ctypes.CDLL(path)
        for prefix in ("scipy_openblas_", "openblas_"):
            for suffix in ("64_", ""):
                fn = getattr(lib, f"{prefix}get_corename{suffix}", None)
                if fn is None:
                    continue
                fn.restype = ctypes.c_char_p
                cfg = getattr(lib, f"{prefix}get_config{suffix}")
                cfg.restype = ctypes.c_char_p
                nthreads = getattr(lib, f"{prefix}get_num_threads{suffix}")
                return dict(
                    info,
                    internal_api="openblas",
                    architecture=fn().decode(),
                    version=cfg().decode(),
                    num_threads=nthreads(),
                    filepath=path,
                    source="ctypes",
                )
    info["config"] = str(np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", ""))
    return info


def library_versions(module) -> dict:
    """Versions of the heavy library behind a system module, where it has one."""
    out = {"python": sys.version.split()[0]}
    for name in ("torch", "jax", "jaxlib", "optax", "keras", "tinykeras"):
        mod = sys.modules.get(name)
        if mod is not None:
            out[name] = getattr(mod, "__version__", "?")
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        out["torch_threads"] = torch.get_num_threads()
        out["torch_mkl"] = bool(torch.backends.mkl.is_available())
    return out


def time_fit(mod, model, x, y, task: dict) -> dict:
    """Fit and split the time into the first epoch and the steady state (epochs 2..N)."""
    t0 = time.perf_counter()
    times, losses = mod.fit(model, x, y, task["batch_size"], task["epochs"])
    n_rows = x.shape[0]
    steps_per_epoch = -(-n_rows // task["batch_size"])
    first = times[0] - t0
    rest = times[-1] - times[0]
    return {
        "first_epoch_s": first,
        "train_s": rest,
        "whole_fit_s": times[-1] - t0,
        "train_steps": steps_per_epoch * (task["epochs"] - 1),
        "steps_per_s": steps_per_epoch * (task["epochs"] - 1) / rest if rest > 0 else None,
        "final_loss": losses[-1],
        "first_loss": losses[0],
        # tinykeras loads numba only when its fused optimizer update starts (the fast extra)
        "numba_loaded": "numba" in sys.modules,
    }


def time_predict(mod, model, x, task: dict) -> dict:
    """One warm-up pass, then one timed pass, per batch size; then the one-row calls."""
    import numpy as np

    out = {}
    for bs in task.get("predict_batches", []):
        mod.predict(model, x, bs)
        t0 = time.perf_counter()
        pred = mod.predict(model, x, bs)
        out[f"predict_b{bs}_s"] = time.perf_counter() - t0
        out[f"predict_b{bs}_checksum"] = float(np.asarray(pred, dtype=np.float64).sum())
    n_calls = task.get("row_calls", 0)
    if n_calls:
        row = np.ascontiguousarray(x[:1])
        for name, fn in mod.ROW_CALLS.items():
            for _ in range(10):
                fn(model, row)
            done, t0 = 0, time.perf_counter()
            while done < n_calls:
                fn(model, row)
                done += 1
                if done % 10 == 0 and time.perf_counter() - t0 > ROW_CALL_BUDGET_S:
                    break
            out[f"row_{name}_us"] = (time.perf_counter() - t0) / done * 1e6
            out[f"row_{name}_calls"] = done
    return out


def run_ceiling() -> dict:
    """NumPy float32 matmul speed: 2048^3 GFLOP/s, and the 8 matmuls of one W2 step per second."""
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    c = np.empty_like(a)
    np.matmul(a, b, out=c)
    best = []
    for _ in range(5):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        best.append(time.perf_counter() - t0)
    gflops_2048 = 2 * 2048**3 / sorted(best)[len(best) // 2] / 1e9
    sizes, n = (784, 512, 256, 10), 128
    xs = [rng.standard_normal((n, k), dtype=np.float32) for k in sizes]
    ws = [rng.standard_normal((i, o), dtype=np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
    outs = [np.empty((n, o), dtype=np.float32) for o in sizes[1:]]
    gws = [np.empty_like(w) for w in ws]
    gxs = [np.empty((n, i), dtype=np.float32) for i in sizes[1:-1]]

    def step():
        for i in range(3):  # forward
            np.matmul(xs[i], ws[i], out=outs[i])
        for i in range(3):  # kernel gradients
            np.matmul(xs[i].T, xs[i + 1], out=gws[i])
        for i in (1, 2):  # input gradients (none needed for the first layer)
            np.matmul(xs[i + 1], ws[i].T, out=gxs[i - 1])

    for _ in range(5):
        step()
    rates = []
    for _ in range(5):  # five samples of about 0.3 s each
        done, t0 = 0, time.perf_counter()
        while done < 10 or time.perf_counter() - t0 < 0.3:
            step()
            done += 1
        rates.append(done / (time.perf_counter() - t0))
    flops = 2 * n * (784 * 512 + 512 * 256 + 256 * 10) * 2 + 2 * n * (512 * 256 + 256 * 10)
    return {
        "gflops_2048": gflops_2048,
        "w2_matmul_steps_per_s": sorted(rates)[len(rates) // 2],
        "w2_step_flops": flops,
        "blas": blas_info(),
    }


def run_task(system: str, task: dict) -> dict:
    """Import the system, load the data and weights, fit and/or predict; return the metrics."""
    import importlib

    if system == "ceiling":
        result = run_ceiling()
    else:
        import data

        mod = importlib.import_module(f"systems.{system}")
        d = data.load(task["workload"], rows=task["rows"], cache_dir=task.get("cache_dir"))
        weights = data.init_weights(task["network"])
        model = mod.build(task["network"], weights, task["loss"])
        result = {"system": mod.NAME}
        if task.get("epochs"):
            result.update(time_fit(mod, model, d["x"], d["y"], task))
        result.update(time_predict(mod, model, d["x"], task))
        result["versions"] = library_versions(mod)
        result["blas"] = blas_info()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM from /proc (it starts afresh at exec); getrusage's ru_maxrss is kept across execve, so
    in a child it can report the parent's peak instead.
    """
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    """Parse argv, run the task and print the tagged JSON line."""
    system, task = sys.argv[1], json.loads(sys.argv[2])
    print(RESULT_TAG + json.dumps(run_task(system, task)), flush=True)


if __name__ == "__main__":
    main()
