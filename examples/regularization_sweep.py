"""L2 regularization (course 2, week 3 assignment): float64 models on six blobs, a complex
network, a simple one, and a sweep over the L2 strength ``lambda``.

``tf.keras.backend.set_floatx('float64')`` at the top makes every weight, prediction and loss
float64, as in the assignment. Only the import lines differ from the course's code.
Run: python examples/regularization_sweep.py [--epochs 1000]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import make_blobs  # was: from sklearn.datasets import make_blobs
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.losses import SparseCategoricalCrossentropy  # was: tensorflow.keras.losses
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential
from tinykeras.optimizers import Adam  # was: from tensorflow.keras.optimizers import Adam


def eval_cat_err(y, yhat):
    """The assignment's categorization error: the fraction of wrong labels."""
    return float(np.mean(np.asarray(y) != np.asarray(yhat)))


def main(epochs=1000, lambdas=(0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3)):
    """Train the models; return ``{name or lambda: cv error}``."""
    tf.keras.backend.set_floatx("float64")
    try:
        centers = [[-1, 0], [1, 0], [0, 1], [0, -1], [-2, 1], [-2, -1]]
        X, y = make_blobs(n_samples=800, centers=centers, cluster_std=0.4, random_state=2)
        X_train, y_train, X_cv, y_cv = X[:400], y[:400], X[400:720], y[400:720]
        model_predict = None
        errors = {}
        tf.random.set_seed(1234)
        model = Sequential([
            Dense(120, activation="relu", name="L1"), Dense(40, activation="relu", name="L2"),
            Dense(6, activation="linear", name="L3")], name="Complex")
        model.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                      optimizer=Adam(lr=0.01))
        model.fit(X_train, y_train, epochs=epochs, verbose=0)
        model.summary()
        model_predict = lambda Xl: np.argmax(tf.nn.softmax(model.predict(Xl)).numpy(), axis=1)  # noqa: E731
        errors["complex"] = eval_cat_err(y_cv, model_predict(X_cv))
        print(f"complex: training error {eval_cat_err(y_train, model_predict(X_train)):0.3f}, "
              f"cv error {errors['complex']:0.3f}")
        for lambda_ in lambdas:
            tf.random.set_seed(1234)
            model_r = Sequential([
                Dense(120, activation="relu",
                      kernel_regularizer=tf.keras.regularizers.l2(lambda_)),
                Dense(40, activation="relu",
                      kernel_regularizer=tf.keras.regularizers.l2(lambda_)),
                Dense(6, activation="linear")])
            model_r.compile(loss=SparseCategoricalCrossentropy(from_logits=True),
                            optimizer=tf.keras.optimizers.Adam(0.01))
            model_r.fit(X_train, y_train, epochs=epochs, verbose=0)
            pred = np.argmax(model_r(X_cv), axis=1)  # calling the model directly
            errors[lambda_] = eval_cat_err(y_cv, pred)
            print(f"lambda = {lambda_}: cv error {errors[lambda_]:0.3f}, "
                  f"dtype {model_r.predict(X_cv[:1]).dtype}")
        return errors
    finally:
        tf.keras.backend.set_floatx("float32")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1000)
    main(epochs=parser.parse_args().epochs)
