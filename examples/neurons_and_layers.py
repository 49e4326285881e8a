"""Neurons and layers (course 2, week 1, lab 1): a Dense layer as linear and logistic regression.

Only the import lines differ from the course's TensorFlow code.
Run: python examples/neurons_and_layers.py
"""

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential


def main():
    """Set the weights of a linear and a logistic neuron by hand and check their predictions."""
    tf.autograph.set_verbosity(0)
    X_train = np.array([[1.0], [2.0]], dtype=np.float32)  # size in 1000 square feet
    linear_layer = Dense(units=1, activation="linear")
    print(linear_layer.get_weights())  # [] before the layer sees data
    a1 = linear_layer(X_train[0].reshape(1, 1))
    print(a1)
    w, b = linear_layer.get_weights()
    print(f"w = {w}, b={b}")
    linear_layer.set_weights([np.array([[200]]), np.array([100])])
    a1 = linear_layer(X_train[0].reshape(1, 1))
    alin = np.dot(linear_layer.get_weights()[0], X_train[0].reshape(1, 1)) + 100
    print(a1, alin)
    prediction_tf = linear_layer(X_train)
    prediction_np = np.dot(X_train, np.array([[200]])) + 100

    X_train = np.array([0.0, 1, 2, 3, 4, 5], dtype=np.float32).reshape(-1, 1)
    model = Sequential([Dense(1, input_dim=1, activation="sigmoid", name="L1")])
    model.summary()
    logistic_layer = model.get_layer("L1")
    logistic_layer.set_weights([np.array([[2]]), np.array([-4.5])])
    a1 = model.predict(X_train[0].reshape(1, 1))
    alog = 1 / (1 + np.exp(-(np.dot(np.array([[2]]), X_train[0].reshape(1, 1)) - 4.5)))
    print(a1, alog)
    return {"linear": (np.asarray(prediction_tf), prediction_np),
            "logistic": (a1, alog)}


if __name__ == "__main__":
    main()
