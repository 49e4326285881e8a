"""Model evaluation and selection (course 2, week 3 lab 1): three network sizes trained with
``tf.random.set_seed(20)``, compared on a cross-validation split, for regression (MSE) and
binary classification (``BinaryCrossentropy(from_logits=True)`` and ``tf.math.sigmoid``).

Data: the lab's CSV files when ``../shared/data/course`` is there, else stand-ins made by
the same recipe as the assignment's curve (x from 0 to 49, y = x**2 plus noise) and two blobs.
Run: python examples/model_selection.py
"""

import argparse
from pathlib import Path

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import make_blobs
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential

COURSE = (Path(__file__).resolve().parents[2] / "shared" / "data" / "course"
          / "C2W3_Lab_01_Model_Evaluation_and_Selection")


def build_models():
    """The lab's three architectures (utils.build_models)."""
    tf.random.set_seed(20)
    model_1 = Sequential([Dense(25, activation="relu"), Dense(15, activation="relu"),
                          Dense(1, activation="linear")], name="model_1")
    model_2 = Sequential([Dense(20, activation="relu"), Dense(12, activation="relu"),
                          Dense(12, activation="relu"), Dense(20, activation="relu"),
                          Dense(1, activation="linear")], name="model_2")
    model_3 = Sequential([Dense(32, activation="relu"), Dense(16, activation="relu"),
                          Dense(8, activation="relu"), Dense(4, activation="relu"),
                          Dense(12, activation="relu"), Dense(1, activation="linear")],
                         name="model_3")
    return [model_1, model_2, model_3]


def _data():
    if COURSE.exists():
        reg = np.loadtxt(COURSE / "data_w3_ex1.csv", delimiter=",")
        cls = np.loadtxt(COURSE / "data_w3_ex2.csv", delimiter=",")
        return reg[:, :1], reg[:, 1:], cls[:, :2], cls[:, 2:]
    rng = np.random.RandomState(2)
    x = np.linspace(0, 49, 50)
    y = x ** 2 + 0.7 * x ** 2 * (rng.random_sample(50) - 0.5)
    Xb, yb = make_blobs(200, centers=[[1.0, 1.0], [3.0, 2.5]], cluster_std=0.8, random_state=1)
    return x[:, None], y[:, None], Xb, yb[:, None].astype(np.float64)


def _split(x, y, seed=1):
    idx = np.random.default_rng(seed).permutation(len(x))
    a, b = int(0.6 * len(x)), int(0.8 * len(x))
    return (x[idx[:a]], y[idx[:a]]), (x[idx[a:b]], y[idx[a:b]])


def main(epochs=300, class_epochs=200):
    """Train both families; return the index of the best model for each."""
    x, y, xc, yc = _data()
    (x_train, y_train), (x_cv, y_cv) = _split(x, y)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train_s, x_cv_s = (x_train - mean) / std, (x_cv - mean) / std
    nn_train_mses, nn_cv_mses = [], []
    for model in build_models():
        model.compile(loss="mse", optimizer=tf.keras.optimizers.Adam(learning_rate=0.1))
        print(f"Training {model.name}...")
        model.fit(x_train_s, y_train, epochs=epochs, verbose=0)
        nn_train_mses.append(float(np.mean((model.predict(x_train_s) - y_train) ** 2) / 2))
        nn_cv_mses.append(float(np.mean((model.predict(x_cv_s) - y_cv) ** 2) / 2))
    for i, (tr, cv) in enumerate(zip(nn_train_mses, nn_cv_mses)):
        print(f"Model {i + 1}: Training MSE: {tr:.2f}, CV MSE: {cv:.2f}")

    (xc_train, yc_train), (xc_cv, yc_cv) = _split(xc, yc)
    mean, std = xc_train.mean(axis=0), xc_train.std(axis=0)
    xc_train_s, xc_cv_s = (xc_train - mean) / std, (xc_cv - mean) / std
    cv_errors = []
    for model in build_models():
        model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
                      optimizer=tf.keras.optimizers.Adam(learning_rate=0.01))
        model.fit(xc_train_s, yc_train, epochs=class_epochs, verbose=0)
        yhat = tf.math.sigmoid(model.predict(xc_cv_s))
        yhat = np.where(yhat >= 0.5, 1, 0)
        cv_errors.append(float(np.mean(yhat != yc_cv)))
    for i, err in enumerate(cv_errors):
        print(f"Model {i + 1}: CV Set Classification Error: {err:.5f}")
    return int(np.argmin(nn_cv_mses)), int(np.argmin(cv_errors)), min(cv_errors)


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
