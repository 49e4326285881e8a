"""Smoke test of the benchmark code (benchmarks/): correctness only, never a time limit.

Runs the quick mode's code paths on tiny sizes (tinykeras and numpy-lean, one repetition, each
task in its own child process as in a real run) and checks that both systems reach the same
final losses from the same initial weights, and that the JSON and the tables are complete.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

import data  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402


@pytest.fixture(scope="module")
def quick_result(tmp_path_factory):
    """One tiny quick-mode run of tinykeras (fused update and not) and numpy-lean, with its
    JSON file. TINYKERAS_FUSED=1 makes "tinykeras" fuse from the first of its few steps."""
    env = pytest.MonkeyPatch()
    env.setenv("TINYKERAS_FUSED", "1")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "result.json"
    argv = [
        "--quick",
        "--systems=tinykeras,tinykeras-numpy,numpy-lean",
        "--reps=1",
        "--w1-rows=64",
        "--w1-epochs=2",
        "--w1-5k-rows=96",
        "--w1-5k-epochs=2",
        "--w2-rows=300",
        "--w2-epochs=2",
        "--row-calls=5",
        "--no-ceiling",
        f"--cache-dir={tmp / 'cache'}",
        f"--out={out}",
    ]
    try:
        result = run.main(argv)
    finally:
        env.undo()
    return result, json.loads(out.read_text())


def test_benchmark_data_is_deterministic_and_in_range(tmp_path):
    """The same seeds give the same bytes; images lie in [0, 1]; W1 rows prefix W1-5k's."""
    a = data.load("W1", rows=50, cache_dir=tmp_path)
    b = data.load("W1", rows=200, cache_dir=tmp_path / "other")
    assert np.array_equal(a["x"], b["x"][:50]) and np.array_equal(a["y"], b["y"][:50])
    assert a["x"].dtype == np.float32 and 0.0 <= a["x"].min() and a["x"].max() <= 1.0
    w2 = data.load("W2", rows=100, cache_dir=tmp_path)
    assert w2["x"].shape == (100, 784) and set(np.unique(w2["y"])) <= set(range(10))
    w = data.init_weights("seed")
    assert [x.shape for x in w] == [(400, 25), (25,), (25, 15), (15,), (15, 1), (1,)]
    assert all(x.dtype == np.float32 for x in w)
    assert np.array_equal(w[0], data.init_weights("seed")[0])


def test_quick_run_completes_without_errors(quick_result):
    """Every (system, workload) child returned a result, and the JSON has the run's sections."""
    result, saved = quick_result
    errors = [r for r in saved["runs"] if "error" in r]
    assert not errors, f"benchmark children failed: {errors}"
    for key in ("machine", "tasks", "runs", "summary", "imports", "command"):
        assert key in saved, f"JSON lacks {key!r}"
    assert {(r["system"], r["workload"]) for r in saved["runs"]} == {
        (s, w) for s in ("tinykeras", "tinykeras-numpy", "numpy-lean")
        for w in ("W1", "W1-5k", "W2")
    }
    for r in saved["runs"]:
        for key in ("train_s", "whole_fit_s", "final_loss", "peak_rss_mb", "blas"):
            assert key in r, f"{r['system']} {r['workload']} result lacks {key!r}"
    w2 = [r for r in saved["runs"] if r["workload"] == "W2"]
    for r in w2:
        for key in ("predict_b1024_s", "predict_b32_s", "row_predict_us", "row_call_us"):
            assert key in r, f"{r['system']} W2 result lacks {key!r}"
    assert set(saved["imports"]) == {"tinykeras", "tinykeras-numpy", "numpy-lean", "numpy"}


@pytest.mark.parametrize("workload,tol", [("W1", 1e-4), ("W1-5k", 1e-4), ("W2", 1e-3)])
def test_tinykeras_and_numpy_lean_reach_the_same_loss(quick_result, workload, tol):
    """Same data, same initial weights, no shuffle: the final losses agree."""
    _, saved = quick_result
    loss = {r["system"]: r["final_loss"] for r in saved["runs"] if r["workload"] == workload}
    assert abs(loss["tinykeras"] - loss["numpy-lean"]) <= tol, (
        f"{workload}: tinykeras final loss {loss['tinykeras']} differs from numpy-lean's "
        f"{loss['numpy-lean']} by more than {tol}"
    )


def test_same_predictions_from_both_systems(quick_result):
    """W3's batch predictions of the trained W2 networks have (nearly) the same checksum."""
    _, saved = quick_result
    sums = {
        r["system"]: r["predict_b1024_checksum"] for r in saved["runs"] if r["workload"] == "W2"
    }
    assert sums["tinykeras"] == pytest.approx(sums["numpy-lean"], rel=1e-3, abs=1.0)


def test_the_fused_update_changes_no_number(quick_result):
    """W2's 535k parameters take the fused update in "tinykeras" (numba is in the test extra)
    and the ufuncs in "tinykeras-numpy": the same losses and predictions, bit for bit."""
    _, saved = quick_result
    assert saved["machine"]["numba"]
    w2 = {r["system"]: r for r in saved["runs"] if r["workload"] == "W2"}
    assert w2["tinykeras"]["numba_loaded"] and not w2["tinykeras-numpy"]["numba_loaded"]
    for key in ("first_loss", "final_loss"):
        assert w2["tinykeras"][key] == w2["tinykeras-numpy"][key]
    assert w2["tinykeras"]["predict_b1024_checksum"] == w2["tinykeras-numpy"][
        "predict_b1024_checksum"]


def test_report_has_every_table_and_target(quick_result, capsys):
    """The markdown names each table and each of tinykeras's targets."""
    result, _ = quick_result
    text = report.markdown(result)
    for heading in ("### Summary", "### Spread", "### Ratios", "### Final losses", "targets"):
        assert heading in text, f"report lacks {heading!r}"
    for target in (
        "1.2× numpy-lean",
        "JAX jit",
        "300 steps/s",
        "Keras-on-JAX",
        "30 µs",
        "1.1× numpy-lean",
        "PyTorch",
        "0.1 s",
        "80 MB",
    ):
        assert target in text, f"targets table lacks {target!r}"
    assert "| **tinykeras** |" in text and "| numpy-lean |" in text


def test_numpy_simple_matches_numpy_lean_in_process():
    """The two hand-written loops agree to float32 rounding on a tiny W1 fit."""
    from systems import numpy_lean, numpy_simple

    d = {"x": data.make_w1(64)[0].astype(np.float32) / 255.0, "y": data.make_w1(64)[1]}
    losses = []
    for mod in (numpy_lean, numpy_simple):
        model = mod.build("seed", data.init_weights("seed"), "bce")
        _, epoch_losses = mod.fit(model, d["x"], d["y"], 32, 3)
        losses.append(epoch_losses[-1])
    assert abs(losses[0] - losses[1]) <= 1e-6, f"numpy-lean {losses[0]} vs simple {losses[1]}"
