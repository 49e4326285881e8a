"""Summaries (median, min, max) and markdown tables for a benchmark run's JSON result."""

from __future__ import annotations

import statistics

LOSS_TOL = {"W1": 1e-4, "W1-5k": 1e-4, "W2": 1e-3}
W2_STEP_FLOPS = 2 * 128 * (784 * 512 + 512 * 256 + 256 * 10) * 2 + 2 * 128 * (512 * 256 + 256 * 10)
METRICS = (
    "first_epoch_s",
    "train_s",
    "whole_fit_s",
    "steps_per_s",
    "final_loss",
    "peak_rss_mb",
    "predict_b1024_s",
    "predict_b32_s",
    "row_predict_us",
    "row_call_us",
)


def _stats(values: list) -> dict | None:
    """Median, min, max and count of the non-missing values (None if there are none)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def summarize(result: dict) -> dict:
    """Per system and workload, the stats of every metric; plus the matmul ceiling."""
    out: dict = {}
    for run in result["runs"]:
        if "error" in run:
            continue
        per = out.setdefault(run["system"], {}).setdefault(run["workload"], {})
        for key in METRICS:
            if key in run:
                per.setdefault(key, []).append(run[key])
    for per_system in out.values():
        for per in per_system.values():
            for key in list(per):
                per[key] = _stats(per[key])
    ceil = [c for c in result.get("ceilings", []) if "error" not in c]
    if ceil:
        out["_ceiling"] = {
            "gflops_2048": _stats([c["gflops_2048"] for c in ceil]),
            "w2_matmul_steps_per_s": _stats([c["w2_matmul_steps_per_s"] for c in ceil]),
        }
    return out


def med(summary: dict, system: str, workload: str, metric: str) -> float | None:
    """The median of one metric, or None where it was not measured."""
    st = summary.get(system, {}).get(workload, {}).get(metric)
    return st["median"] if st else None


def fmt(x: float | None, digits: int = 3) -> str:
    """A number with about `digits` significant figures, or an en dash for a missing value."""
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either is missing."""
    return a / b if a is not None and b else None


def _times(r: float | None, suffix: str = "") -> str:
    """'1.23×' (plus suffix), or 'not measured' for a missing ratio."""
    return "not measured" if r is None else f"{fmt(r)}×{suffix}"


def _spread(summary: dict, system: str, workload: str, metric: str) -> str:
    """'median [min–max]' for one metric."""
    st = summary.get(system, {}).get(workload, {}).get(metric)
    if not st:
        return "–"
    return f"{fmt(st['median'])} [{fmt(st['min'])}–{fmt(st['max'])}]"


def _table(header: list, rows: list) -> list:
    """Markdown table lines."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _w2_ceiling_text(summary: dict, steps: float | None) -> str:
    """W2 GFLOP/s with its share of NumPy's 2048^3 matmul and of the W2-step matmuls alone."""
    if steps is None:
        return "–"
    gflops = steps * W2_STEP_FLOPS / 1e9
    ceil = summary.get("_ceiling")
    if not ceil:
        return fmt(gflops)
    pct_big = 100 * gflops / ceil["gflops_2048"]["median"]
    pct_step = 100 * steps / ceil["w2_matmul_steps_per_s"]["median"]
    return f"{fmt(gflops)} ({pct_big:.0f}% / {pct_step:.0f}%)"


def main_table(result: dict) -> list:
    """The summary table: medians, final losses beside the times."""
    s, imports = result["summary"], result.get("imports", {})
    header = [
        "system",
        "import s",
        "W1 train s",
        "W1 steps/s",
        "W1 whole fit s",
        "W1 loss",
        "W1-5k train s",
        "W1-5k steps/s",
        "W1-5k loss",
        "W2 train s",
        "W2 steps/s",
        "W2 GFLOP/s (% 2048³ / % W2 matmuls)",
        "W2 loss",
        "W3 b1024 s",
        "W3 b32 s",
        "1-row predict µs (seed / W2 net)",
        "1-row call µs (seed / W2 net)",
        "peak RSS MB W1 / W2",
    ]
    rows = []
    for sys_name in result["systems"]:

        def m(w, k, sys_name=sys_name):
            return med(s, sys_name, w, k)

        imp = imports.get(sys_name, {}).get("median")
        rows.append(
            [
                f"**{sys_name}**" if sys_name == "tinykeras" else sys_name,
                fmt(imp, 2) if imp is not None else "–",
                fmt(m("W1", "train_s")),
                fmt(m("W1", "steps_per_s")),
                fmt(m("W1", "whole_fit_s")),
                fmt(m("W1", "final_loss"), 6),
                fmt(m("W1-5k", "train_s")),
                fmt(m("W1-5k", "steps_per_s")),
                fmt(m("W1-5k", "final_loss"), 6),
                fmt(m("W2", "train_s")),
                fmt(m("W2", "steps_per_s")),
                _w2_ceiling_text(s, m("W2", "steps_per_s")),
                fmt(m("W2", "final_loss"), 5),
                fmt(m("W2", "predict_b1024_s")),
                fmt(m("W2", "predict_b32_s")),
                f"{fmt(m('W1', 'row_predict_us'))} / {fmt(m('W2', 'row_predict_us'))}",
                f"{fmt(m('W1', 'row_call_us'))} / {fmt(m('W2', 'row_call_us'))}",
                f"{fmt(m('W1', 'peak_rss_mb'))} / {fmt(m('W2', 'peak_rss_mb'))}",
            ]
        )
    return _table(header, rows)


SPREAD_COLUMNS = [
    ("W1", "train_s", "W1 train s"),
    ("W1", "first_epoch_s", "W1 first epoch s"),
    ("W1-5k", "train_s", "W1-5k train s"),
    ("W2", "train_s", "W2 train s"),
    ("W2", "first_epoch_s", "W2 first epoch s"),
    ("W2", "predict_b1024_s", "W3 b1024 s"),
    ("W2", "predict_b32_s", "W3 b32 s"),
    ("W1", "row_predict_us", "1-row predict µs (seed)"),
]


def spread_table(result: dict) -> list:
    """Median [min–max] of the main timings, with the repetition counts."""
    s = result["summary"]
    header = ["system", "runs"] + [c[2] for c in SPREAD_COLUMNS]
    rows = []
    for sys_name in result["systems"]:
        counts = {st["n"] for w in s.get(sys_name, {}).values() for st in w.values() if st}
        n = "/".join(str(c) for c in sorted(counts)) or "0"
        rows.append([sys_name, n] + [_spread(s, sys_name, w, k) for w, k, _ in SPREAD_COLUMNS])
    return _table(header, rows)


RATIO_COLUMNS = [
    ("W1", "whole_fit_s", "W1 whole fit"),
    ("W1", "train_s", "W1 train"),
    ("W1-5k", "train_s", "W1-5k train"),
    ("W2", "train_s", "W2 train"),
    ("W2", "predict_b1024_s", "W3 b1024"),
    ("W2", "predict_b32_s", "W3 b32"),
    ("W1", "row_predict_us", "1-row predict"),
    ("W1", "row_call_us", "1-row call"),
    ("W1", "peak_rss_mb", "RSS W1"),
]


def ratio_table(result: dict) -> list:
    """Each system's time (or RSS) divided by numpy-lean's and by tinykeras's: 'lean / tk'."""
    s = result["summary"]
    header = ["system (× numpy-lean / × tinykeras)"] + [c[2] for c in RATIO_COLUMNS]
    rows = []
    for sys_name in result["systems"]:
        row = [sys_name]
        for w, k, _ in RATIO_COLUMNS:
            x = med(s, sys_name, w, k)
            a, b = _ratio(x, med(s, "numpy-lean", w, k)), _ratio(x, med(s, "tinykeras", w, k))
            row.append(f"{fmt(a, 2)} / {fmt(b, 2)}")
        rows.append(row)
    return _table(header, rows)


def loss_table(result: dict) -> list:
    """Final losses and their difference from numpy-lean's (same data, weights, order)."""
    s = result["summary"]
    header = ["system", "W1 loss", "Δ vs lean", "W1-5k loss", "Δ vs lean", "W2 loss", "Δ vs lean"]
    rows = []
    for sys_name in result["systems"]:
        row = [sys_name]
        for w in ("W1", "W1-5k", "W2"):
            x, ref = med(s, sys_name, w, "final_loss"), med(s, "numpy-lean", w, "final_loss")
            row.append(fmt(x, 7))
            if x is None or ref is None:
                row.append("–")
            else:
                ok = "" if abs(x - ref) <= LOSS_TOL[w] else " ✗"
                row.append(f"{x - ref:+.1e}{ok}")
        rows.append(row)
    return _table(header, rows)


def targets(result: dict) -> list:
    """tinykeras's targets from the issue: (target, measured, ratio or limit, met) tuples."""
    s, imports = result["summary"], result.get("imports", {})
    tk, lean = "tinykeras", "numpy-lean"
    out = []

    def add(name, measured, ratio, ok):
        out.append((name, measured, ratio, "–" if ok is None else ("yes" if ok else "**no**")))

    w1_tk, w1_lean = med(s, tk, "W1", "whole_fit_s"), med(s, lean, "W1", "whole_fit_s")
    r = _ratio(w1_tk, w1_lean)
    add(
        "W1 whole fit ≤ 1.2× numpy-lean",
        f"{fmt(w1_tk)} s vs {fmt(w1_lean)} s",
        _times(r),
        None if r is None else r <= 1.2,
    )
    rt = _ratio(med(s, tk, "W1", "train_s"), med(s, lean, "W1", "train_s"))
    add("(W1 steady state, epochs 2..N, for reference)", "", _times(rt), None)
    w1_jax = med(s, "jax", "W1", "whole_fit_s")
    r = _ratio(w1_tk, w1_jax)
    add(
        "W1 whole fit faster than JAX jit",
        f"{fmt(w1_tk)} s vs {fmt(w1_jax)} s",
        _times(r),
        None if r is None else r < 1.0,
    )
    l_tk, l_lean = med(s, tk, "W1", "final_loss"), med(s, lean, "W1", "final_loss")
    d = None if l_tk is None or l_lean is None else abs(l_tk - l_lean)
    add(
        "W1 final loss within 1e-4 of numpy-lean",
        f"{fmt(l_tk, 7)} vs {fmt(l_lean, 7)}",
        "–" if d is None else f"Δ {d:.1e}",
        None if d is None else d <= 1e-4,
    )
    steps = med(s, tk, "W2", "steps_per_s")
    ceil = s.get("_ceiling", {}).get("w2_matmul_steps_per_s")
    frac = (
        f"{100 * steps / ceil['median']:.0f}% of the matmul-only ceiling" if steps and ceil else ""
    )
    lean_steps = med(s, lean, "W2", "steps_per_s")
    add(
        "W2 fit ≥ 300 steps/s",
        f"{fmt(steps)} steps/s (numpy-lean {fmt(lean_steps)})",
        frac,
        None if steps is None else steps >= 300,
    )
    for other, label in (("jax", "JAX jit"), ("keras-jax", "Keras-on-JAX")):
        theirs = med(s, other, "W2", "steps_per_s")
        add(
            f"W2 fit faster than {label}",
            f"{fmt(steps)} vs {fmt(theirs)} steps/s",
            _times(_ratio(theirs, steps)),
            None if steps is None or theirs is None else steps > theirs,
        )
    row_us = med(s, tk, "W1", "row_predict_us")
    call_us = med(s, tk, "W1", "row_call_us")
    add(
        "one-row model.predict ≤ 30 µs (seed net)",
        f"{fmt(row_us)} µs (model(row): {fmt(call_us)} µs)",
        _times(_ratio(row_us, 30.0), " the limit"),
        None if row_us is None else row_us <= 30.0,
    )
    b1024, b1024_lean = med(s, tk, "W2", "predict_b1024_s"), med(s, lean, "W2", "predict_b1024_s")
    r = _ratio(b1024, b1024_lean)
    add(
        "W3 batch-1024 predict ≤ 1.1× numpy-lean",
        f"{fmt(b1024)} s vs {fmt(b1024_lean)} s",
        _times(r),
        None if r is None else r <= 1.1,
    )
    b32, b32_torch = med(s, tk, "W2", "predict_b32_s"), med(s, "torch", "W2", "predict_b32_s")
    r = _ratio(b32, b32_torch)
    add(
        "W3 batch-32 predict no slower than PyTorch",
        f"{fmt(b32)} s vs {fmt(b32_torch)} s",
        _times(r),
        None if r is None else r <= 1.0,
    )
    imp_tk = imports.get(tk, {}).get("median")
    imp_np = imports.get("numpy", {}).get("median")
    extra = None if imp_tk is None or imp_np is None else imp_tk - imp_np
    add(
        "`import tinykeras` adds ≤ 0.1 s to `import numpy`",
        f"{fmt(imp_tk)} s vs {fmt(imp_np)} s",
        "–" if extra is None else f"+{extra:.3f} s",
        None if extra is None else extra <= 0.1,
    )
    rss = med(s, tk, "W1", "peak_rss_mb")
    add(
        "W1 peak RSS ≤ 80 MB",
        f"{fmt(rss)} MB (numpy-lean {fmt(med(s, lean, 'W1', 'peak_rss_mb'))} MB)",
        _times(_ratio(rss, 80.0), " the limit"),
        None if rss is None else rss <= 80.0,
    )
    return out


def blas_lines(result: dict) -> list:
    """One line per distinct BLAS seen in the children (NumPy's), with the systems using it."""
    seen: dict = {}
    for run in result["runs"]:
        b = run.get("blas")
        if not b:
            continue
        key = (b.get("internal_api"), b.get("version"), b.get("architecture"), b.get("num_threads"))
        seen.setdefault(key, set()).add(run["system"])
    lines = []
    for (api, version, arch, threads), systems in seen.items():
        lines.append(
            f"- NumPy BLAS: {api} {version}, kernel **{arch}**, {threads} threads "
            f"({', '.join(sorted(systems))})"
        )
    return lines


def version_line(result: dict) -> str:
    """Library versions reported by the children."""
    v: dict = {}
    for run in result["runs"]:
        for k, val in run.get("versions", {}).items():
            v.setdefault(k, val)
    numpy = next((r["blas"]["numpy"] for r in result["runs"] if "blas" in r), "?")
    return "- Versions: " + ", ".join([f"numpy {numpy}"] + [f"{k} {val}" for k, val in v.items()])


def markdown(result: dict) -> str:
    """All the tables of a run, as markdown."""
    mach = result["machine"]
    s = result["summary"]
    lines = [
        f"## Benchmarks ({result['mode']} mode; medians of {result['reps']} runs, "
        f"{result['heavy_reps']} for torch/jax/keras-jax, {result['w2_reps']} for W2/W3)",
        "",
        f"- Machine: {mach.get('cpu')}, {mach.get('cores')} cores, "
        f"{mach.get('memory_gib')} GiB; {mach.get('platform')}; commit {mach.get('commit')}; "
        f"{mach.get('date')}; 1-min load average {result['loadavg_before_after'][0]:.1f} "
        f"before, {result['loadavg_before_after'][1]:.1f} after",
        version_line(result),
        f"- tinykeras's fused optimizer update: numba {mach.get('numba')} (the fast extra; "
        "tinykeras-numpy runs with it off)" if mach.get("numba") else
        "- tinykeras's fused optimizer update: off (numba not installed)",
        *blas_lines(result),
    ]
    ceil = s.get("_ceiling")
    if ceil:
        lines.append(
            f"- NumPy matmul ceiling: {fmt(ceil['gflops_2048']['median'])} GFLOP/s at 2048³ "
            f"float32; the 8 matmuls of one W2 step alone run at "
            f"{fmt(ceil['w2_matmul_steps_per_s']['median'])} steps/s"
        )
    sizes = result["tasks"]
    lines.append(
        "- Sizes: "
        + "; ".join(
            f"{k} {t['rows']:,} rows × {t['epochs']} epochs, batch {t['batch_size']}"
            for k, t in sizes.items()
        )
    )
    errors = [r for r in result["runs"] if "error" in r]
    for r in errors:
        lines.append(f"- ERROR {r['system']} {r['workload']} rep {r['rep']}: {r['error']}")
    lines += ["", "### Summary (medians)", "", *main_table(result)]
    lines += ["", "### Spread: median [min–max]", "", *spread_table(result)]
    lines += ["", "### Ratios (time ÷ numpy-lean's / time ÷ tinykeras's)", ""]
    lines += ratio_table(result)
    lines += ["", "### Final losses (same data, initial weights and batch order)", ""]
    lines += loss_table(result)
    if "tinykeras" in result["systems"]:
        lines += ["", "### tinykeras targets", ""]
        lines += _table(["target", "measured (medians)", "ratio", "met"], targets(result))
    return "\n".join(lines) + "\n"
