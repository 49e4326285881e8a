"""scikit-learn wrappers: estimator checks, clone, searches, pipelines, pickling."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import tinykeras as tk
from tinykeras.wrappers import SKLearnClassifier, SKLearnRegressor


def build_classifier(X, y, hidden=8, learning_rate=0.05):
    """A small relu/softmax classifier sized from the data (one output per class)."""
    model = tk.Sequential([tk.Input(shape=(X.shape[1],)),
                           tk.layers.Dense(hidden, activation="relu"),
                           tk.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=tk.optimizers.Adam(learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def build_regressor(X, y, hidden=8):
    """A small relu regressor with one linear output per target column."""
    model = tk.Sequential([tk.Input(shape=(X.shape[1],)),
                           tk.layers.Dense(hidden, activation="relu"),
                           tk.layers.Dense(y.shape[1])])
    model.compile(optimizer=tk.optimizers.Adam(0.05), loss="mse")
    return model


def _classifier(**kwargs):
    return SKLearnClassifier(build_classifier, **{"fit_kwargs": {"epochs": 20},
                                                  "random_state": 0, **kwargs})


def _regressor(**kwargs):
    return SKLearnRegressor(build_regressor, **{"fit_kwargs": {"epochs": 20},
                                                "random_state": 0, **kwargs})


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [3.0, 3.0], [0.0, 3.0]])
    labels = rng.integers(0, 3, n)
    X = centers[labels] + rng.normal(scale=0.5, size=(n, 2))
    return X * 10 + 50, np.array(["a", "b", "c"])[labels]  # unscaled on purpose (Pipeline)


# Every check that applies to a neural network runs. Left out, and why:
EXPECTED_FAILED = {
    # float32 matmuls: BLAS may round a row differently depending on the other rows of its
    # batch (1 ulp, ~2e-7), beyond the check's 1e-7 tolerance; it fails only sometimes.
    "check_methods_subset_invariance": "float32 BLAS rounding depends on the batch",
}


@parametrize_with_checks([_classifier(), _regressor()],
                         expected_failed_checks=lambda est: EXPECTED_FAILED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_clone_gives_an_unfitted_estimator_with_the_same_params():
    clf = _classifier(model_kwargs={"hidden": 4})
    clf.fit(*_blobs())
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "model_")
    twin.set_params(model_kwargs={"hidden": 6})
    assert twin.fit(*_blobs()).model_.layers[0].units == 6
    assert clf.model_.layers[0].units == 4


def test_pipeline_with_a_scaler_learns_string_labels():
    X, y = _blobs()
    pipe = make_pipeline(StandardScaler(), _classifier())
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    assert set(pipe.predict(X)) <= {"a", "b", "c"}
    assert list(pipe[-1].classes_) == ["a", "b", "c"]
    assert pipe[-1].history_["loss"][-1] < pipe[-1].history_["loss"][0]


def test_cross_val_score_runs_one_fresh_model_per_fold():
    X, y = _blobs()
    scores = cross_val_score(make_pipeline(StandardScaler(), _classifier()), X, y,
                             cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,) and np.all(scores > 0.8), scores


def test_grid_search_in_two_processes_matches_the_sequential_search():
    X, y = _blobs()
    grid = {"classifier__model_kwargs": [{"hidden": 2}, {"hidden": 16}],
            "classifier__fit_kwargs": [{"epochs": 2}, {"epochs": 20}]}

    def search(n_jobs):
        pipe = make_pipeline(StandardScaler(), _classifier())
        pipe.steps[-1] = ("classifier", pipe.steps[-1][1])
        return GridSearchCV(pipe, grid, cv=3, n_jobs=n_jobs).fit(X, y)

    sequential, parallel = search(1), search(2)
    assert parallel.best_params_ == sequential.best_params_
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               sequential.cv_results_["mean_test_score"], atol=1e-12)
    assert parallel.best_params_["classifier__fit_kwargs"] == {"epochs": 20}


def test_randomized_search_over_model_and_fit_arguments():
    X, y = _blobs()
    space = {"model_kwargs": [{"hidden": h, "learning_rate": lr}
                              for h in (2, 8, 32) for lr in (0.001, 0.05)],
             "fit_kwargs": [{"epochs": e, "batch_size": b} for e in (1, 20) for b in (8, 64)]}
    pipe = make_pipeline(StandardScaler(), _classifier())
    space = {f"sklearnclassifier__{k}": v for k, v in space.items()}
    search = RandomizedSearchCV(pipe, space, n_iter=4, cv=2, random_state=0).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_[-1]
    assert best.model_.layers[0].units == best.model_kwargs["hidden"]
    assert search.best_score_ == max(search.cv_results_["mean_test_score"])


def test_random_state_makes_fits_reproducible_and_leaves_the_global_generator():
    X, y = _blobs()
    state = tk.backend.global_rng().bit_generator.state
    a = _classifier().fit(X, y).decision_function(X)
    b = _classifier().fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)
    assert tk.backend.global_rng().bit_generator.state == state


def test_a_compiled_model_is_copied_for_each_fit():
    X, y = _blobs()
    model = build_classifier(X[:, :2], np.zeros((1, 3)))
    start = model.get_weights()
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 5}, random_state=0).fit(X, y)
    assert clf.model_ is not model
    for w, w0 in zip(model.get_weights(), start):
        np.testing.assert_array_equal(w, w0)  # the given model is untouched
    assert int(model.optimizer.iterations.numpy()) == 0
    assert int(clf.model_.optimizer.iterations.numpy()) > 0


def test_warm_start_keeps_training_the_fitted_model():
    X, y = _blobs()
    clf = _classifier(warm_start=True).fit(X, y)
    first, steps = clf.model_, int(clf.model_.optimizer.iterations.numpy())
    clf.fit(X, y)
    assert clf.model_ is first
    assert int(first.optimizer.iterations.numpy()) == 2 * steps
    cold = _classifier().fit(X, y)
    assert cold.fit(X, y).model_ is not cold  # a new model every fit without warm_start


def test_regressor_keeps_the_target_shape():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    reg = _regressor(fit_kwargs={"epochs": 60}).fit(X, y)
    assert reg.predict(X).shape == (80,) and reg.predict(X).dtype == np.float64
    assert reg.score(X, y) > 0.9
    y2 = np.stack([y, -y], axis=1)
    assert _regressor().fit(X, y2).predict(X).shape == (80, 2)


def test_uncompiled_model_and_single_class_are_refused():
    X, y = _blobs()

    def uncompiled(X, y):
        return tk.Sequential([tk.Input(shape=(2,)), tk.layers.Dense(3)])

    with pytest.raises(RuntimeError, match="must be compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        _classifier().fit(X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="tinykeras Model or a function"):
        SKLearnClassifier("not a model").fit(X, y)


def test_pickling_a_fitted_wrapper_round_trips_through_the_keras_format():
    X, y = _blobs()
    clf = _classifier().fit(X, y)
    blob = pickle.dumps(clf)
    assert b"PK\x03\x04" in blob  # the model travels as a .keras (zip) file's bytes
    clone_ = pickle.loads(blob)
    np.testing.assert_array_equal(clone_.predict(X), clf.predict(X))
    np.testing.assert_array_equal(clone_.decision_function(X), clf.decision_function(X))
    assert clone_.model_.optimizer.iterations.numpy() == clf.model_.optimizer.iterations.numpy()
    clone_.set_params(warm_start=True).fit(X, y)  # and it trains on from where it was
