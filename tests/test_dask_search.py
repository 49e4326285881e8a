"""Many fits in parallel: a grid search on a Dask cluster finds what the sequential one finds.

The search is the recipe's own code (``examples/parallel_search.py``), on a small grid.
"""

import os
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import parallel_search  # noqa: E402  (the example script, importable: it runs under __main__)

GRID = {"sklearnclassifier__model_kwargs": [{"hidden": 2}, {"hidden": 32}],
        "sklearnclassifier__fit_kwargs": [{"epochs": 1}, {"epochs": 15}]}


@pytest.mark.slow
def test_dask_search_finds_the_sequential_best_parameters():
    from dask.distributed import Client, LocalCluster

    X, y = parallel_search.data(n=300, features=6, classes=3)
    sequential = parallel_search.search(X, y, n_jobs=1, grid=GRID)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # The recipe's promise: each worker's BLAS runs one thread (Dask's nanny sets it).
        threads = client.run(lambda: os.environ.get("OMP_NUM_THREADS"))
        assert set(threads.values()) == {"1"}, threads
        with joblib.parallel_backend("dask"):
            distributed = parallel_search.search(X, y, n_jobs=-1, grid=GRID)
        ran_on = client.run(lambda: "tinykeras" in sys.modules)
    assert all(ran_on.values()), "the fits should have run in the Dask workers"
    assert distributed.best_params_ == sequential.best_params_
    np.testing.assert_allclose(distributed.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"], atol=1e-12)
    assert distributed.best_params_["sklearnclassifier__fit_kwargs"] == {"epochs": 15}
