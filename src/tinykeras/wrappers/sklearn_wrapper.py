"""scikit-learn estimators around tinykeras models (Keras 3's ``keras.wrappers`` names).

``SKLearnClassifier(model, ...)`` and ``SKLearnRegressor(model, ...)`` are estimators, so
they work in ``Pipeline``, ``GridSearchCV``, ``RandomizedSearchCV``, ``cross_val_score`` and
``clone``, with joblib's process backend or Dask's (``docs/scaling-out.md``). ``model`` is
either a function ``model(X=X, y=y, **model_kwargs)`` returning a compiled model (the usual
choice in a search: every fit builds a fresh model) or a compiled Model, which each fit copies
(its current weights are where every fit starts) and recompiles with a fresh optimizer.

One addition to Keras's arguments: ``random_state``. With an integer, every fit draws its
initial weights and its shuffles from a generator seeded with it (the global generator is left
as it was), so a fit gives the same model in any process: a parallel search picks the same
parameters as a sequential one.
"""

import contextlib
import copy

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from tinykeras.backend import floatx
from tinykeras.backend import random as tk_random
from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.utils import validation as check


@contextlib.contextmanager
def _seeded(random_state):
    """Run the block with tinykeras's generator seeded from ``random_state`` (if given), and
    put the caller's generator back afterwards."""
    if random_state is None:
        yield
        return
    saved = tk_random._GLOBAL_RNG
    tk_random._GLOBAL_RNG = np.random.default_rng(random_state)
    try:
        yield
    finally:
        tk_random._GLOBAL_RNG = saved


def _copy_compiled(model):
    """A copy of a compiled model, recompiled so that it has an optimizer of its own."""
    from tinykeras.models import Model

    if not isinstance(model, Model):
        raise InvalidTypeError(
            "Argument `model` must be a tinykeras Model or a function returning one. "
            f"Received: model={model!r} of type {type(model).__name__}"
        )
    _check_compiled(model)
    config = copy.deepcopy(model._compile_config)
    optimizer = model.optimizer
    config["optimizer"] = type(optimizer).from_config(optimizer.get_config())
    twin = copy.deepcopy(model)
    twin.compile(**config, jit_compile=model.jit_compile, run_eagerly=model.run_eagerly)
    return twin


def _check_compiled(model) -> None:
    if not getattr(model, "compiled", False) or model.loss is None:
        raise RuntimeError(
            f"The model given to the wrapper ({getattr(model, 'name', model)!r}) must be "
            "compiled with a loss and an optimizer. Call model.compile(optimizer='adam', "
            "loss=...) in the function that builds it."
        )


class _SKLBase(BaseEstimator):
    """What the classifier and the regressor share: building, fitting and predicting.

    Args:
        model: a compiled ``Model``, or a function ``model(X=X, y=y, **model_kwargs)``
            returning one (``y`` is the target as the model sees it: one-hot for classifiers).
        warm_start: if True, a second ``fit`` keeps training the fitted model.
        model_kwargs: keyword arguments for the ``model`` function.
        fit_kwargs: keyword arguments for ``Model.fit`` (``epochs``, ``batch_size``...);
            those given to ``fit`` directly take precedence.
        random_state: an int makes every fit reproducible (see the module doc); None uses
            tinykeras's global generator.

    Attributes:
        model_: the fitted model. history_: ``History.history`` of the last fit.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None,
                 random_state=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def _build_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if callable(self.model) and not hasattr(self.model, "fit"):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
            _check_compiled(model)
            return model
        return _copy_compiled(self.model)

    def fit(self, X, y, **kwargs):
        """Build (or reuse, with ``warm_start``) the model and fit it on ``X``, ``y``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.
            y: array-like of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``.
            **kwargs: passed to ``Model.fit`` (over ``fit_kwargs``).

        Returns:
            self.
        """
        for name in ("fit_kwargs", "model_kwargs"):  # sklearn validates parameters in fit
            if getattr(self, name) is not None and not isinstance(getattr(self, name), dict):
                raise InvalidTypeError(
                    f"{type(self).__name__}: `{name}` must be a dict of keyword arguments, "
                    f"such as {{'epochs': 20}}, or None. Received: "
                    f"{name}={check.show(getattr(self, name))}")
        reset = not (self.warm_start and hasattr(self, "model_"))
        X, y = validate_data(self, X, y, dtype=floatx(), reset=reset,
                             multi_output=self._multi_output)
        target = self._encode_target(y, reset=reset)
        fit_kwargs = {"verbose": 0, **(self.fit_kwargs or {}), **kwargs}
        with _seeded(self.random_state):
            model = self._build_model(X, target)
            history = model.fit(X, target, **fit_kwargs)
        self.model_ = model
        self.history_ = history.history
        return self

    def _raw_predict(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=floatx(), reset=False)
        return self.model_.predict(X, verbose=0)

    def __getstate__(self):
        # A fitted wrapper travels (joblib, pickle) as a .keras file's bytes, never as a
        # pickle of the model's internals.
        state = dict(self.__dict__)
        if "model_" in state:
            state["model_"] = _ModelBytes(state["model_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), _ModelBytes):
            state["model_"] = state["model_"].load()
        self.__dict__.update(state)


class _ModelBytes:
    """A model held as the bytes of its ``.keras`` file (config, weights, optimizer state)."""

    def __init__(self, model):
        import os
        import tempfile

        from tinykeras import saving

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            saving.save_model(model, path)
            with open(path, "rb") as f:
                self.data = f.read()

    def load(self):
        """Rebuild the model from the bytes."""
        import os
        import tempfile

        from tinykeras import saving

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "model.keras")
            with open(path, "wb") as f:
                f.write(self.data)
            return saving.load_model(path)


class SKLearnClassifier(ClassifierMixin, _SKLBase):
    """A scikit-learn classifier around a tinykeras model (``keras.wrappers.SKLearnClassifier``).

    Labels of any kind (strings, ints) are one-hot encoded for the model, whose output must be
    one unit per class (softmax, with ``categorical_crossentropy``); ``predict`` returns the
    labels of the most probable class. Arguments: see ``_SKLBase``.

    >>> import numpy as np, tinykeras as tk
    >>> def build(X, y):
    ...     model = tk.Sequential([tk.Input(shape=(X.shape[1],)),
    ...                            tk.layers.Dense(y.shape[1], activation="softmax")])
    ...     model.compile(optimizer=tk.optimizers.Adam(0.1), loss="categorical_crossentropy")
    ...     return model
    >>> X = np.array([[0.0], [0.1], [0.9], [1.0]])
    >>> clf = SKLearnClassifier(build, fit_kwargs={"epochs": 50}, random_state=0)
    >>> clf.fit(X, ["no", "no", "yes", "yes"]).predict([[0.05], [0.95]]).tolist()
    ['no', 'yes']
    """

    _multi_output = False  # one label per sample; a (n, 1) column is raveled with a warning

    def _encode_target(self, y, reset):
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind not in ("binary", "multiclass"):
            raise InvalidArgumentError(
                "SKLearnClassifier supports binary and multiclass targets (one label per "
                f"sample). Received a target of type {kind!r}; for several outputs use "
                "SKLearnRegressor or a model of your own."
            )
        y = np.asarray(y).reshape(-1, 1)
        if reset:
            self._encoder = OneHotEncoder(sparse_output=False, dtype=floatx()).fit(y)
            self.classes_ = self._encoder.categories_[0]
            if len(self.classes_) < 2:
                raise InvalidArgumentError(
                    "SKLearnClassifier needs samples of at least 2 classes to train; the "
                    f"target has only one class: {self.classes_[0]!r}."
                )
        return self._encoder.transform(y)

    def decision_function(self, X):
        """Scores for ``X``: the model's outputs, shape ``(n_samples, n_classes)``; for two
        classes, as scikit-learn expects, one score per row, > 0 for ``classes_[1]``."""
        out = self._raw_predict(X)
        # The difference of the two outputs is positive exactly where the argmax is class 1,
        # whether the outputs are probabilities or logits.
        return out[:, 1] - out[:, 0] if out.shape[1] == 2 else out

    def predict(self, X):
        """The predicted class label of each row of ``X``."""
        out = self._raw_predict(X)
        return self.classes_[np.argmax(out, axis=1)]


class SKLearnRegressor(RegressorMixin, _SKLBase):
    """A scikit-learn regressor around a tinykeras model (``keras.wrappers.SKLearnRegressor``).

    A 1-D target is given to the model as one column and predicted back as 1-D; a 2-D target
    keeps its columns. Predictions are float64. Arguments: see ``_SKLBase``.
    """

    _multi_output = True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _encode_target(self, y, reset):
        y = np.asarray(y, dtype=floatx())
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def predict(self, X):
        """The predicted target for each row of ``X``, in float64 as scikit-learn's
        regressors return it (scores and metrics then run in full precision)."""
        out = self._raw_predict(X).astype(np.float64)
        return out.ravel() if self._target_ndim == 1 else out
