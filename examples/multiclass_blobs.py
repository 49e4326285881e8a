"""ReLU and softmax (course 2, week 2 labs): a softmax output layer against a linear output
with ``from_logits=True`` on four blobs, then the 2-layer multiclass network.

The blobs come from ``tinykeras.datasets.make_blobs`` with the course's arguments (the same
arrays as scikit-learn's). Only the import lines differ from the course's code.
Run: python examples/multiclass_blobs.py [--plot blobs.png]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import make_blobs  # was: from sklearn.datasets import make_blobs
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential


def main(epochs=10, multiclass_epochs=200, plot=None):
    """Train the three networks; return the multiclass network's training accuracy."""
    print(tf.keras.activations.relu(np.linspace(-2, 2, 5)))
    centers = [[-5, 2], [-2, -2], [1, 2], [5, -2]]
    X_train, y_train = make_blobs(n_samples=2000, centers=centers, cluster_std=1.0,
                                  random_state=30)
    model = Sequential([
        Dense(25, activation="relu"), Dense(15, activation="relu"),
        Dense(4, activation="softmax")])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(),
                  optimizer=tf.keras.optimizers.Adam(0.001))
    model.fit(X_train, y_train, epochs=epochs)
    p_nonpreferred = model.predict(X_train)
    print(p_nonpreferred[:2])
    print("largest value", np.max(p_nonpreferred), "smallest value", np.min(p_nonpreferred))

    preferred_model = Sequential([
        Dense(25, activation="relu"), Dense(15, activation="relu"),
        Dense(4, activation="linear")])
    preferred_model.compile(
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=tf.keras.optimizers.Adam(0.001))
    preferred_model.fit(X_train, y_train, epochs=epochs)
    p_preferred = preferred_model.predict(X_train)
    sm_preferred = tf.nn.softmax(p_preferred).numpy()
    print(f"two example output vectors:\n {sm_preferred[:2]}")
    for i in range(5):
        print(f"{p_preferred[i]}, category: {np.argmax(p_preferred[i])}")

    # The multiclass lab: 100 points, 2-unit relu layer, linear output.
    X_train, y_train = make_blobs(n_samples=100, centers=centers, cluster_std=1.0,
                                  random_state=30)
    tf.random.set_seed(1234)
    model = Sequential([Dense(2, activation="relu", name="L1"),
                        Dense(4, activation="linear", name="L2")])
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(0.01))
    model.fit(X_train, y_train, epochs=multiclass_epochs, verbose=0)
    accuracy = float(np.mean(np.argmax(model.predict(X_train), axis=1) == y_train))
    print(f"multiclass training accuracy: {accuracy:.2%}")
    if plot:
        from tinykeras.utils.plotting import plot_decision_boundary

        plot_decision_boundary(model.predict, X_train, y_train, path=plot,
                               title="model decision boundary")
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plot", help="save the multiclass decision regions to this PNG")
    main(plot=parser.parse_args().plot)
