"""Many fits in parallel: a grid search on a Dask cluster finds what the sequential one finds."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tinykeras as tk
from tinykeras.wrappers import SKLearnClassifier

GRID = {"sklearnclassifier__model_kwargs": [{"hidden": 2}, {"hidden": 32}],
        "sklearnclassifier__fit_kwargs": [{"epochs": 1}, {"epochs": 15}]}


def build(X, y, hidden=8):
    """One hidden relu layer and a softmax output, sized from the data."""
    model = tk.Sequential([tk.Input(shape=(X.shape[1],)),
                           tk.layers.Dense(hidden, activation="relu"),
                           tk.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=tk.optimizers.Adam(0.02), loss="categorical_crossentropy")
    return model


def _search(X, y, n_jobs):
    pipe = make_pipeline(StandardScaler(), SKLearnClassifier(build, random_state=0))
    return GridSearchCV(pipe, GRID, cv=3, n_jobs=n_jobs).fit(X, y)


@pytest.mark.slow
def test_dask_search_finds_the_sequential_best_parameters():
    from dask.distributed import Client, LocalCluster

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = np.argmax(X @ rng.normal(size=(6, 3)), axis=1)
    sequential = _search(X, y, n_jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        # The recipe's promise: each worker's BLAS runs one thread (Dask's nanny sets it).
        assert set(client.run(lambda: __import__("os").environ["OMP_NUM_THREADS"]).values()) \
            == {"1"}
        with joblib.parallel_backend("dask"):
            distributed = _search(X, y, n_jobs=-1)
        ran_on = client.run(lambda: __import__("sys").modules.get("tinykeras") is not None)
    assert all(ran_on.values()), "the fits should have run in the Dask workers"
    assert distributed.best_params_ == sequential.best_params_
    np.testing.assert_allclose(distributed.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"], atol=1e-12)
    assert distributed.best_params_["sklearnclassifier__fit_kwargs"] == {"epochs": 15}
