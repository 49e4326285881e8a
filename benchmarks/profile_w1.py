"""Where the microseconds of one W1 step go in tinykeras (or numpy-lean), for docs/benchmarks.md.

    PYTHONPATH=src python benchmarks/profile_w1.py [--steps 2000] [--top 20] [--system numpy-lean]

First times the fit without a profiler (µs per step), then runs it under cProfile and prints the
top functions by own time (tottime) as µs per step, with call counts per step. cProfile's own
overhead inflates the profiled total; the shares, not the absolute numbers, are what to read.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import data  # noqa: E402

SYSTEM_MODULES = {"tinykeras": "tinykeras_sys", "numpy-lean": "numpy_lean"}


def fit_steps(mod, steps: int, batch_size: int = 32) -> tuple[float, int]:
    """Fit W1 (no shuffle) for about `steps` steps from the shared weights; return (s, steps)."""
    d = data.load("W1")
    rows = d["x"].shape[0]
    per_epoch = -(-rows // batch_size)
    epochs = max(2, round(steps / per_epoch))
    model = mod.build("seed", data.init_weights("seed"), "bce")
    mod.fit(model, d["x"][:64], d["y"][:64], batch_size, 1)  # build buffers, first-call work
    model = mod.build("seed", data.init_weights("seed"), "bce")
    t0 = time.perf_counter()
    mod.fit(model, d["x"], d["y"], batch_size, epochs)
    return time.perf_counter() - t0, epochs * per_epoch


def short_name(func: tuple) -> str:
    """'file.py:line(function)' with the path shortened to the package-relative part."""
    filename, line, name = func
    if filename == "~":
        return name  # a C function or method
    parts = Path(filename).parts
    for anchor in ("tinykeras", "benchmarks", "numpy"):
        if anchor in parts:
            filename = "/".join(parts[len(parts) - 1 - parts[::-1].index(anchor) :])
            break
    else:
        filename = os.path.basename(filename)
    return f"{filename}:{line}({name})"


def profile_table(mod, steps: int, top: int) -> tuple[list, float]:
    """Run the fit under cProfile; return the top functions, the top files, the µs per step."""
    prof = cProfile.Profile()
    prof.enable()
    _, n_steps = fit_steps(mod, steps)
    prof.disable()
    stats = pstats.Stats(prof)
    rows = []
    total = 0.0
    for func, (_cc, ncalls, tottime, _cumtime, _callers) in stats.stats.items():
        total += tottime
        rows.append((tottime, ncalls, func))
    rows.sort(reverse=True)
    table = [
        (short_name(func), ncalls / n_steps, tottime / n_steps * 1e6, 100 * tottime / total)
        for tottime, ncalls, func in rows[:top]
    ]
    by_file: dict = {}
    for tottime, ncalls, func in rows:
        name = short_name(func).split(":")[0] if func[0] != "~" else "(C functions)"
        t, c = by_file.get(name, (0.0, 0))
        by_file[name] = (t + tottime, c + ncalls)
    files = sorted(((t, c, name) for name, (t, c) in by_file.items()), reverse=True)
    file_table = [
        (name, c / n_steps, t / n_steps * 1e6, 100 * t / total) for t, c, name in files[:top]
    ]
    return table, file_table, total / n_steps * 1e6


def main(argv: list[str] | None = None) -> None:
    """Print µs per step without and with the profiler, then the top-functions table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--system", default="tinykeras", choices=sorted(SYSTEM_MODULES))
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--top", type=int, default=20)
    args = p.parse_args(argv)
    mod = importlib.import_module(f"systems.{SYSTEM_MODULES[args.system]}")
    secs, n_steps = fit_steps(mod, args.steps)
    print(f"### One W1 step of {args.system} (400-25-15-1 sigmoid, BCE, Adam, batch 32)\n")
    print(f"- Without profiler: {secs / n_steps * 1e6:.1f} µs per step ({n_steps} steps)")
    table, file_table, profiled = profile_table(mod, args.steps, args.top)
    print(f"- Under cProfile: {profiled:.1f} µs per step (the profiler's overhead included)")
    print("- Own time includes the NumPy ufuncs and matmuls a function calls (cProfile does not")
    print("  see them separately)\n")
    for title, rows in (("file", file_table), ("function", table)):
        print(f"| {title} (own time) | calls/step | µs/step | % |")
        print("|---|---|---|---|")
        for name, calls, us, pct in rows:
            print(f"| `{name}` | {calls:.1f} | {us:.1f} | {pct:.1f} |")
        print()


if __name__ == "__main__":
    main()
