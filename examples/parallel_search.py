"""A grid search over tinykeras models: sequential, joblib processes, or a Dask cluster.

    python examples/parallel_search.py --backend sequential
    python examples/parallel_search.py --backend loky --n-jobs 2
    python examples/parallel_search.py --backend dask               # a LocalCluster here
    python examples/parallel_search.py --backend dask --scheduler tcp://host:8786

Every fit runs single-threaded in its worker (BLAS pinned to one thread), so P workers use P
cores instead of fighting over them: joblib's loky workers and Dask's nannies both set
``OMP_NUM_THREADS=1`` (and the OpenBLAS/MKL equivalents) for the processes they start, and
``random_state`` makes each fit the same in any process, so all three find the same best
parameters. The grid is 8 candidates x 3 folds = 24 fits.
"""

import argparse
import time

import joblib
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tinykeras as tk
from tinykeras.wrappers import SKLearnClassifier

GRID = {
    "sklearnclassifier__model_kwargs": [{"hidden": h} for h in (4, 16, 64, 128)],
    "sklearnclassifier__fit_kwargs": [{"epochs": e, "batch_size": 32} for e in (3, 10)],
}


def build(X, y, hidden=16):
    """One hidden relu layer and a softmax output, sized from the data."""
    model = tk.Sequential([tk.Input(shape=(X.shape[1],)),
                           tk.layers.Dense(hidden, activation="relu"),
                           tk.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=tk.optimizers.Adam(0.01), loss="categorical_crossentropy")
    return model


def data(n=2000, features=20, classes=4, seed=0):
    """A synthetic classification problem: labels from a random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, features))
    y = np.argmax(X @ rng.normal(size=(features, classes)), axis=1)
    return X, y


def search(X, y, n_jobs=1, grid=None):
    """Fit the grid search; ``n_jobs`` processes (or the active joblib backend's workers)."""
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(build, random_state=0))
    return GridSearchCV(pipe, grid or GRID, cv=3, n_jobs=n_jobs).fit(X, y)


def main():
    """Run the search on the chosen backend and print the best parameters and the time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sequential", "loky", "dask"],
                        default="sequential")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler address")
    parser.add_argument("--rows", type=int, default=2000, help="rows of data (fit size)")
    args = parser.parse_args()
    X, y = data(n=args.rows)
    start = time.perf_counter()
    if args.backend == "sequential":
        result = search(X, y)
    elif args.backend == "loky":
        result = search(X, y, n_jobs=args.n_jobs)
    else:
        from dask.distributed import Client, LocalCluster

        cluster = None if args.scheduler else LocalCluster(
            n_workers=args.n_jobs, threads_per_worker=1, dashboard_address=None)
        with Client(args.scheduler or cluster) as client:
            print(f"Dask workers: {len(client.scheduler_info()['workers'])}")
            start = time.perf_counter()
            with joblib.parallel_backend("dask"):
                result = search(X, y, n_jobs=-1)
        if cluster is not None:
            cluster.close()
    seconds = time.perf_counter() - start
    print(f"{args.backend}: best {result.best_params_} score {result.best_score_:.4f}; "
          f"{len(result.cv_results_['params']) * 3} fits in {seconds:.2f} s")


if __name__ == "__main__":
    main()
