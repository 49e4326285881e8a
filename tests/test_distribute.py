"""MPIDataParallel: P ranks take the steps of one process, agree bit for bit, and fail cleanly.

The multi-rank tests run ``tests/mpi_fit_worker.py`` under ``mpiexec -n 2`` and ``-n 3`` (3
ranks give uneven shares of every batch) and compare with the same script run as one process.
Tolerance: float32 weights within 1e-5 of the single process after 3+ epochs (the sums are
only reordered, so differences stay at a few float32 ulps), logs within 1e-5 relative.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinykeras as tk
from tinykeras.distribute import MPIDataParallel, active_for, distribution
from tinykeras.distribute.mpi import _share

WORKER = Path(__file__).with_name("mpi_fit_worker.py")
SRC = Path(__file__).resolve().parents[1] / "src"


def _mpiexec() -> str:
    # The mpich wheel puts mpiexec next to the interpreter; a system MPI is on PATH.
    local = Path(sys.executable).with_name("mpiexec")
    found = str(local) if local.exists() else shutil.which("mpiexec")
    assert found, "mpiexec not found: install the test extra (`pip install -e '.[test]'`)"
    return found


def _run(scenario, out, ranks, jit, timeout=300, pin=True):
    """Run the worker on ``ranks`` ranks (1: plain python, no mpiexec); ``pin`` sets one BLAS
    thread per process in the environment (else the strategy chooses)."""
    cmd = [sys.executable, str(WORKER), scenario, str(out), "1" if jit else "0"]
    if ranks > 1:
        cmd = [_mpiexec(), "-n", str(ranks), sys.executable, "-m", "mpi4py"] + cmd[1:]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["PYTHONPATH"] = str(SRC)
    if pin:
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out.mkdir(parents=True, exist_ok=True)
    # The timeout only guards against a hang; nothing here measures time.
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def _weights(z):
    return [z[k] for k in sorted((k for k in z.files if k.startswith("arr_")),
                                 key=lambda k: int(k[4:]))]


def _fit_and_compare(tmp_path, scenario, ranks, jit):
    single = _run(scenario, tmp_path / "one", 1, jit)
    assert single.returncode == 0, single.stderr
    multi = _run(scenario, tmp_path / "many", ranks, jit)
    assert multi.returncode == 0, multi.stderr
    one = np.load(tmp_path / "one" / "rank0.npz")
    zs = [np.load(tmp_path / "many" / f"rank{r}.npz") for r in range(ranks)]
    digests = {hashlib.sha256(b"".join(w.tobytes() for w in _weights(z))).hexdigest()
               for z in zs}
    assert len(digests) == 1, f"ranks ended with different weights ({len(digests)} hashes)"
    for name, a, b in zip(range(99), _weights(zs[0]), _weights(one)):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5,
                                   err_msg=f"weight {name}: {ranks} ranks vs one process")
    for key in ("history", "evaluated", "predicted", "learning_rate"):
        for z in zs:
            np.testing.assert_array_equal(z[key], zs[0][key], err_msg=f"{key} differs by rank")
        np.testing.assert_allclose(zs[0][key], one[key], rtol=1e-5, atol=1e-6,
                                   err_msg=f"{key}: {ranks} ranks vs one process")
    # One gradient Allreduce per step of fit, on the compiled and the tape path alike.
    steps = int(one["iterations"]) - (3 if scenario == "resume" else 0)
    assert all(int(z["allreduce_calls"]) == steps > 0 for z in zs)
    assert int(one["allreduce_calls"]) == 0
    return one, zs


@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_two_ranks_take_the_steps_of_one_process(tmp_path, jit):
    _fit_and_compare(tmp_path, "seed", 2, jit)


@pytest.mark.slow
@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_three_ranks_with_uneven_shares_match_one_process(tmp_path, jit):
    _fit_and_compare(tmp_path, "seed", 3, jit)


@pytest.mark.slow
@pytest.mark.parametrize("ranks", [2, 3])
@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_ranks_with_no_rows_in_the_last_batch_still_take_the_step(tmp_path, ranks, jit):
    _fit_and_compare(tmp_path, "tail", ranks, jit)


@pytest.mark.slow
def test_fit_starts_from_rank_0s_weights_and_optimizer_state(tmp_path):
    one, zs = _fit_and_compare(tmp_path, "resume", 3, True)
    assert int(zs[0]["iterations"]) == 3 + int(zs[0]["allreduce_calls"])


@pytest.mark.slow
@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_a_share_size_new_to_one_rank_only_keeps_the_ranks_in_step(tmp_path, jit):
    _fit_and_compare(tmp_path, "seed1023", 3, jit)


@pytest.mark.slow
@pytest.mark.parametrize("ranks", [2, 3])
@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_classifier_with_validation_early_stopping_and_checkpoint(tmp_path, ranks, jit):
    one, zs = _fit_and_compare(tmp_path, "classifier", ranks, jit)
    keys = list(zs[0]["history_keys"])
    assert keys == ["accuracy", "learning_rate", "loss", "val_accuracy", "val_loss"], keys
    assert float(zs[0]["learning_rate"]) < 0.01  # ReduceLROnPlateau acted, alike everywhere
    epochs = zs[0]["history"].shape[1]
    assert epochs < 12, "EarlyStopping should stop this run early"
    assert one["history"].shape[1] == epochs  # every rank, and one process, stopped alike
    written = sorted(p.name for p in (tmp_path / "many").glob("ckpt-*"))
    assert written == [f"ckpt-epoch{e}-rank0.npz" for e in range(epochs)], written
    logs = sorted(p.name for p in (tmp_path / "many").glob("log-*"))
    assert logs == ["log-rank0.csv"], logs  # CSVLogger writes on rank 0 only
    best = sorted(p.name for p in (tmp_path / "many").glob("best-*"))
    assert best == ["best-rank0.weights.h5"], best  # and so does ModelCheckpoint
    model = tk.Sequential([tk.Input(shape=(20,)), tk.layers.Dense(32, activation="relu"),
                           tk.layers.Dense(16, activation="relu"),
                           tk.layers.Dense(3, activation="softmax")])
    model.load_weights(tmp_path / "many" / "best-rank0.weights.h5")  # a usable checkpoint
    lines = (tmp_path / "many" / "log-rank0.csv").read_text().splitlines()
    assert len(lines) == epochs + 1, lines
    printed = [(tmp_path / "many" / f"stdout{r}.txt").read_text() for r in range(ranks)]
    assert "Epoch 1/12" in printed[0] and "early stopping" in printed[0], printed[0]
    assert printed[1:] == [""] * (ranks - 1), "only rank 0 may print"


@pytest.mark.slow
def test_a_rank_that_raises_ends_the_job_with_its_error(tmp_path):
    result = _run("raise", tmp_path, 3, True, timeout=120)
    assert result.returncode != 0
    assert "RuntimeError: rank 1 failed on purpose" in result.stderr, result.stderr
    assert "rank 1 of 3 raised RuntimeError; aborting all ranks" in result.stderr
    assert not (tmp_path / "rank0.npz").exists()


def _seed_model():
    model = tk.Sequential([tk.Input(shape=(6,)), tk.layers.Dense(4, activation="tanh"),
                           tk.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_one_rank_without_mpiexec_changes_nothing(rng):
    x = rng.standard_normal((50, 6)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    tk.utils.set_random_seed(3)
    plain = _seed_model()
    h1 = plain.fit(x, y, batch_size=8, epochs=2, verbose=0).history
    strategy = MPIDataParallel()
    assert (strategy.num_processes, strategy.process_id, strategy.is_chief) == (1, 0, True)
    tk.utils.set_random_seed(3)
    with strategy.scope():
        assert distribution() is strategy
        model = _seed_model()
        h2 = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history
    assert distribution() is None
    assert active_for(model) is None  # one process: the trainer runs its plain loop
    assert h1 == h2
    for a, b in zip(plain.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.predict(x, verbose=0), model.predict(x, verbose=0))


def test_set_distribution_refuses_other_objects():
    with pytest.raises(ValueError, match="MPIDataParallel or None"):
        tk.distribute.set_distribution("mirrored")


@pytest.mark.parametrize("m", [1, 2, 5, 64, 65])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_shares_are_contiguous_and_cover_the_batch(m, size):
    bounds = [_share(m, r, size) for r in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == m
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    sizes = [b - a for a, b in bounds]
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("jit", [True, False], ids=["jit_compile", "tape"])
def test_gradient_reducer_runs_before_clipping_on_both_paths(jit):
    # The hook replaces every gradient by 5; clipvalue=1 must then clip it to 1, so plain SGD
    # moves every weight by exactly -lr (it would move by -5 * lr if the hook ran after).
    model = tk.Sequential([tk.Input(shape=(3,)), tk.layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=tk.optimizers.SGD(0.1, clipvalue=1.0), jit_compile=jit,
                  loss="binary_crossentropy")
    calls = []

    def reducer(grads):
        calls.append([g.size for g in grads])
        for g in grads:
            g.fill(5.0)

    model.optimizer.build(model.trainable_variables)
    model.optimizer.gradient_reducer = reducer
    before = model.get_weights()
    model.train_on_batch(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"))
    assert calls == [[8]], "one call with the whole flat gradient buffer"
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_allclose(a, b - 0.1, rtol=1e-6)


@pytest.mark.slow
def test_ranks_share_the_cores_for_blas_unless_told(tmp_path):
    result = _run("seed", tmp_path, 2, True, pin=False)
    assert result.returncode == 0, result.stderr
    cores = len(os.sched_getaffinity(0))
    for r in range(2):
        threads = int(np.load(tmp_path / f"rank{r}.npz")["blas_threads"])
        assert threads == max(1, cores // 2), (threads, cores)


def test_without_mpi4py_one_process_still_runs_and_mpiexec_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if mpi4py were not installed
    monkeypatch.delenv("PMI_SIZE", raising=False)
    monkeypatch.delenv("OMPI_COMM_WORLD_SIZE", raising=False)
    alone = MPIDataParallel()
    assert (alone.comm, alone.num_processes, alone.active) == (None, 1, False)
    monkeypatch.setenv("PMI_SIZE", "2")  # started by mpiexec -n 2
    with pytest.raises(ImportError, match=r"pip install 'tinykeras\[mpi\]'"):
        MPIDataParallel()


def test_import_tinykeras_loads_no_scale_out_dependency():
    # The core needs NumPy alone: mpi4py, scikit-learn and Dask load only when used.
    code = ("import sys, tinykeras; "
            "print(sorted(m for m in ('mpi4py', 'sklearn', 'dask', 'distributed', "
            "'threadpoolctl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(SRC)}, check=True).stdout
    assert out.strip() == "[]", out


@pytest.mark.parametrize("loss", [
    tk.losses.MeanSquaredError(reduction="sum"),
    tk.losses.BinaryCrossentropy(reduction="mean_with_sample_weight"),
    tk.losses.SparseCategoricalCrossentropy(ignore_class=0),
])
def test_losses_not_averaged_over_rows_are_refused(loss):
    from tinykeras.distribute.mpi import _check_loss

    model = _seed_model()
    model.compile(optimizer="adam", loss=loss)
    with pytest.raises(ValueError, match="losses averaged over the batch's rows"):
        _check_loss(model)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    _check_loss(model)  # the default reduction passes
