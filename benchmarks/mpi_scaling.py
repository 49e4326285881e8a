"""Data-parallel scaling: a fit's steps/s on P MPI ranks, and where one step's time goes.

    OMP_NUM_THREADS=1 mpiexec -n 2 python -m mpi4py benchmarks/mpi_scaling.py --workload W2
    OMP_NUM_THREADS=1 python benchmarks/mpi_scaling.py --workload W1        # one process

W1 is the seed network (400-25-15-1 sigmoid, BCE, Adam, global batch 32, 1,000 rows), W2 the
784-512-256-10 relu network (sparse softmax crossentropy, Adam, global batch 128, 60,000
rows); the data and initial weights come from ``benchmarks/data.py``. After one warm-up epoch
it times ``--epochs`` epochs of ``fit`` and splits a step into the optimizer's gradient
Allreduce (the strategy's own counter), the optimizer update (its ``_step`` minus the
Allreduce) and the rest (forward, backward, batching: "compute"). Rank 0 prints one line of
JSON. ``--allreduce`` times a bare in-place Allreduce of the same buffer instead.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import data as bench_data  # noqa: E402

import tinykeras as tk  # noqa: E402
from tinykeras.distribute import MPIDataParallel  # noqa: E402

WORKLOADS = {
    "W1": {"network": "seed", "batch": 32, "rows": 1000, "loss": "binary_crossentropy"},
    "W2": {"network": "mlp", "batch": 128, "rows": 60000,
           "loss": tk.losses.SparseCategoricalCrossentropy(from_logits=True)},
}


def build(workload):
    """The workload's network with the shared initial weights, compiled with Adam(1e-3)."""
    spec = bench_data.NETWORKS[WORKLOADS[workload]["network"]]
    sizes, acts = spec["sizes"], spec["activations"]
    model = tk.Sequential([tk.Input(shape=(sizes[0],))] + [
        tk.layers.Dense(units, activation=act) for units, act in zip(sizes[1:], acts)])
    model.set_weights(bench_data.init_weights(WORKLOADS[workload]["network"]))
    model.compile(optimizer=tk.optimizers.Adam(1e-3), loss=WORKLOADS[workload]["loss"])
    return model


def time_fit(strategy, workload, epochs):
    """Time ``epochs`` epochs after a warm-up one; return the per-step split in µs."""
    spec = WORKLOADS[workload]
    d = bench_data.load(workload, spec["rows"])
    with strategy.scope():
        model = build(workload)
    model.fit(d["x"], d["y"], batch_size=spec["batch"], epochs=1, verbose=0)  # warm-up
    optimizer = model.optimizer
    inner = optimizer._step
    spent = [0.0]

    def timed_step(*args):
        start = time.perf_counter()
        inner(*args)
        spent[0] += time.perf_counter() - start

    optimizer._step = timed_step  # instance attribute: this benchmark only
    strategy.stats.update(allreduce_calls=0, allreduce_seconds=0.0)
    before = int(optimizer.iterations.numpy())
    start = time.perf_counter()
    model.fit(d["x"], d["y"], batch_size=spec["batch"], epochs=epochs, verbose=0)
    total = time.perf_counter() - start
    steps = int(optimizer.iterations.numpy()) - before
    allreduce = strategy.stats["allreduce_seconds"]
    us = 1e6 / steps
    return {"workload": workload, "ranks": strategy.num_processes, "steps": steps,
            "seconds": round(total, 3), "steps_per_s": round(steps / total, 1),
            "step_us": round(total * us, 1), "allreduce_us": round(allreduce * us, 1),
            "update_us": round((spent[0] - allreduce) * us, 1),
            "compute_us": round((total - spent[0]) * us, 1),
            "params": model.count_params()}


def time_allreduce(strategy, workload, reps=200):
    """A bare in-place Allreduce of a float32 buffer the size of the workload's gradient."""
    from mpi4py import MPI

    with strategy.scope():
        size = build(workload).count_params()
    buf = np.ones(size, np.float32)
    comm = strategy.comm
    for _ in range(10):
        comm.Allreduce(MPI.IN_PLACE, buf)
    comm.Barrier()
    start = time.perf_counter()
    for _ in range(reps):
        comm.Allreduce(MPI.IN_PLACE, buf)
    seconds = (time.perf_counter() - start) / reps
    return {"workload": workload, "ranks": strategy.num_processes, "floats": size,
            "allreduce_us": round(seconds * 1e6, 1)}


def main():
    """Parse the arguments, run on every rank, print rank 0's result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="W1")
    parser.add_argument("--epochs", type=int, default=None,
                        help="timed epochs (default: 10 for W1, 1 for W2)")
    parser.add_argument("--allreduce", action="store_true")
    args = parser.parse_args()
    tk.utils.set_random_seed(0)
    strategy = MPIDataParallel()
    if args.allreduce:
        result = time_allreduce(strategy, args.workload)
    else:
        epochs = args.epochs or (10 if args.workload == "W1" else 1)
        result = time_fit(strategy, args.workload, epochs)
    if strategy.is_chief:
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
