"""scikit-learn wrappers: tinykeras models as estimators (needs ``tinykeras[sklearn]``).

``SKLearnClassifier`` and ``SKLearnRegressor`` take Keras 3's arguments (a model or a function
building one, ``model_kwargs``, ``fit_kwargs``, ``warm_start``) and work in ``Pipeline``,
``GridSearchCV``, ``cross_val_score`` and ``clone``. scikit-learn is imported when this
package is, never by ``import tinykeras``.
"""

from tinykeras.wrappers.sklearn_wrapper import SKLearnClassifier, SKLearnRegressor

__all__ = ["SKLearnClassifier", "SKLearnRegressor"]
