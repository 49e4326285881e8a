"""Benchmark runner: tinykeras against Keras 3, PyTorch, JAX and hand-written NumPy loops.

    python benchmarks/run.py --quick   # tinykeras + numpy-lean + numpy-simple, under a minute
    python benchmarks/run.py --full    # every system; makes benchmarks/.venvs/ on first use

Every (system, workload, repetition) runs in a fresh process of the system's own interpreter,
systems alternated (A B C A B C ...). Prints markdown tables and writes a JSON file under
benchmarks/results/. See benchmarks/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import report  # noqa: E402
from child import RESULT_TAG  # noqa: E402

# name -> (module under benchmarks/systems, venv under benchmarks/.venvs or None for this one)
SYSTEMS = {
    "tinykeras": ("tinykeras_sys", None),
    # the same, with the fused optimizer update off (what a NumPy-only install runs)
    "tinykeras-numpy": ("tinykeras_sys", None),
    "numpy-lean": ("numpy_lean", None),
    "numpy-simple": ("numpy_simple", None),
    "torch": ("torch_sys", "torch"),
    "jax": ("jax_sys", "jax"),
    "keras-jax": ("keras_sys", "keras"),
}
QUICK_SYSTEMS = ["tinykeras", "tinykeras-numpy", "numpy-lean", "numpy-simple"]
HEAVY = {"torch", "jax", "keras-jax"}
IMPORT_STATEMENTS = {
    "tinykeras": "import tinykeras",
    "tinykeras-numpy": "import tinykeras",
    "numpy-lean": "import numpy",
    "numpy-simple": "import numpy",
    "torch": "import torch",
    "jax": "import jax, optax",
    "keras-jax": "import os; os.environ['KERAS_BACKEND'] = 'jax'; import keras",
}


def workloads(args) -> dict:
    """The task of each workload, with the sizes chosen on the command line."""
    return {
        "W1": {
            "workload": "W1",
            "network": "seed",
            "loss": "bce",
            "rows": args.w1_rows,
            "batch_size": 32,
            "epochs": args.w1_epochs,
            "row_calls": args.row_calls,
        },
        "W1-5k": {
            "workload": "W1",
            "network": "seed",
            "loss": "bce",
            "rows": args.w1_5k_rows,
            "batch_size": 32,
            "epochs": args.w1_5k_epochs,
        },
        "W2": {
            "workload": "W2",
            "network": "mlp",
            "loss": "scce",
            "rows": args.w2_rows,
            "batch_size": 128,
            "epochs": args.w2_epochs,
            "predict_batches": [1024, 32],
            "row_calls": args.row_calls,
        },
    }


def child_env(system: str) -> dict:
    """The environment of a benchmark child: no OpenBLAS core override, src/ for tinykeras."""
    env = dict(os.environ)
    # Some machines force an older OpenBLAS kernel; benchmarks measure the one the CPU picks.
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    # Imports are timed as a user's installed package runs them, from cached bytecode: with
    # PYTHONDONTWRITEBYTECODE (set on some machines) every import recompiles every module.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if system.startswith("tinykeras"):
        # "tinykeras" fuses the optimizer update where numba is installed (the fast extra);
        # "tinykeras-numpy" never does.
        # ("tinykeras" takes TINYKERAS_FUSED from the runner's environment when it is set:
        # the smoke test forces the fused update on its few steps.)
        env["TINYKERAS_FUSED"] = ("0" if system == "tinykeras-numpy"
                                  else os.environ.get("TINYKERAS_FUSED", "auto"))
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO / "src"), env.get("PYTHONPATH", "")) if p
        )
    return env


def interpreter(system: str, log) -> str:
    """The Python that runs a system: this one, or its venv (created on first use)."""
    venv = SYSTEMS[system][1] if system in SYSTEMS else None
    if venv is None:
        return sys.executable
    import envs

    return str(envs.ensure_env(venv, log=log))


def run_child(python: str, system: str, module: str, task: dict, timeout: float) -> dict:
    """Run one task in a fresh process and return its parsed result (or an error record)."""
    cmd = [python, str(HERE / "child.py"), module, json.dumps(task)]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=child_env(system), timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG) :])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
    return {"error": f"exit {proc.returncode}: " + " | ".join(tail)}


def import_seconds(python: str, system: str, n: int = 3) -> dict:
    """Median over n of (fresh `python -c IMPORT`) minus (fresh `python -c pass`)."""
    env = child_env(system)
    stmt = IMPORT_STATEMENTS[system]

    def once(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([python, "-c", code], env=env, check=True, capture_output=True)
        return time.perf_counter() - t0

    once(stmt)  # warm the file cache
    samples = []
    for _ in range(n):
        bare = once("pass")
        samples.append(once(stmt) - bare)
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def machine_info() -> dict:
    """CPU, cores, memory, OS and the repository commit, for the report."""
    info = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    try:
        cpu = [ln for ln in open("/proc/cpuinfo") if ln.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else platform.processor()
        mem = [ln for ln in open("/proc/meminfo") if ln.startswith("MemTotal")]
        info["memory_gib"] = round(int(mem[0].split()[1]) / 2**20, 1)
    except OSError:
        info["cpu"] = platform.processor()
    try:
        import numba

        info["numba"] = numba.__version__  # tinykeras's fused update (the fast extra)
    except ImportError:
        info["numba"] = None
    git = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    info["commit"] = git.stdout.strip()
    return info


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; --quick and --full set the defaults the others can override."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="tinykeras and the NumPy loops only")
    mode.add_argument("--full", action="store_true", help="every system (default)")
    p.add_argument("--systems", help="comma-separated subset of: " + ", ".join(SYSTEMS))
    p.add_argument("--workloads", default="W1,W1-5k,W2", help="comma-separated W1,W1-5k,W2")
    p.add_argument("--reps", type=int, help="repetitions (default 5 full, 2 quick)")
    p.add_argument("--heavy-reps", type=int, help="repetitions for torch/jax/keras (default 3)")
    p.add_argument("--w2-reps", type=int, help="repetitions of W2/W3 for all (default 3)")
    p.add_argument("--w1-rows", type=int, default=1000)
    p.add_argument("--w1-epochs", type=int, default=100)
    p.add_argument("--w1-5k-rows", type=int, default=5000)
    p.add_argument("--w1-5k-epochs", type=int, default=20)
    p.add_argument("--w2-rows", type=int, help="W2 rows (default 60000 full, 2560 quick)")
    p.add_argument("--w2-epochs", type=int, default=2)
    p.add_argument("--row-calls", type=int, help="one-row calls timed (default 1000, quick 300)")
    p.add_argument("--no-imports", action="store_true", help="skip the import-time measurement")
    p.add_argument("--no-ceiling", action="store_true", help="skip the NumPy matmul ceiling")
    p.add_argument("--cache-dir", help="where generated data is cached (default results/cache)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per child process")
    p.add_argument("--out", help="JSON output path (default benchmarks/results/<time>.json)")
    args = p.parse_args(argv)
    quick = args.quick
    if args.systems is None:
        args.systems = ",".join(QUICK_SYSTEMS if quick else SYSTEMS)
    args.systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in args.systems if s not in SYSTEMS]
    if unknown:
        p.error(f"--systems: unknown {unknown}; expected some of {list(SYSTEMS)}")
    args.workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    args.reps = args.reps or (2 if quick else 5)
    args.heavy_reps = min(args.heavy_reps or 3, args.reps)
    args.w2_reps = min(args.w2_reps or 3, args.reps)
    args.w2_rows = args.w2_rows or (2560 if quick else 60000)
    args.row_calls = args.row_calls or (300 if quick else 1000)
    args.mode = "quick" if quick else "full"
    return args


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmarks, print the tables and write the JSON; return the result dict."""
    args = parse_args(argv)
    t_start = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    tasks = {k: v for k, v in workloads(args).items() if k in args.workloads}
    cache_dir = args.cache_dir or str(data.CACHE_DIR)
    for task in tasks.values():
        task["cache_dir"] = cache_dir
        data.ensure_cached(task["workload"], task["rows"], cache_dir)
    pythons = {s: interpreter(s, log) for s in args.systems}
    load_before = os.getloadavg()

    runs, ceilings = [], []
    for wname, task in tasks.items():
        for rep in range(args.w2_reps if wname == "W2" else args.reps):
            for system in args.systems:
                if system in HEAVY and rep >= args.heavy_reps:
                    continue
                t0, load = time.perf_counter(), os.getloadavg()[0]
                res = run_child(pythons[system], system, SYSTEMS[system][0], task, args.timeout)
                res.update(system=system, workload=wname, rep=rep, loadavg=load)
                runs.append(res)
                note = res.get("error") or f"loss {res.get('final_loss', float('nan')):.6f}"
                secs = time.perf_counter() - t0
                log(f"[{wname} rep {rep + 1}] {system:13s} {secs:6.1f} s  {note}")
            if wname == "W2" and not args.no_ceiling and rep < 3:
                res = run_child(sys.executable, "ceiling", "ceiling", {}, args.timeout)
                ceilings.append(res)
    imports = {}
    if not args.no_imports:
        for system in args.systems:
            imports[system] = import_seconds(pythons[system], system)
            log(f"[import] {system:13s} {imports[system]['median']:.3f} s")
        imports["numpy"] = import_seconds(sys.executable, "numpy-lean")
    result = {
        "mode": args.mode,
        "command": " ".join(
            ["python benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "machine": machine_info(),
        "tasks": tasks,
        "systems": args.systems,
        "reps": args.reps,
        "heavy_reps": args.heavy_reps,
        "w2_reps": args.w2_reps,
        "loadavg_before_after": [load_before[0], os.getloadavg()[0]],
        "runs": runs,
        "ceilings": ceilings,
        "imports": imports,
    }
    result["summary"] = report.summarize(result)
    result["elapsed_s"] = time.perf_counter() - t_start
    text = report.markdown(result)
    print(text)
    out = Path(args.out) if args.out else HERE / "results" / time.strftime("%Y%m%d-%H%M%S.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    log(f"[done] {result['elapsed_s']:.0f} s; JSON written to {out}")
    return result


if __name__ == "__main__":
    main()
