"""Handwritten 0s and 1s (course 2, week 1 assignment): the 400-25-15-1 sigmoid network.

The course's ``X.npy`` (5,000 20x20 images) is not redistributable here; the bundled
stand-in is the UCI digits (0 and 1) resized to the same 20x20 layout
(``tinykeras.datasets.load_digits01``). Only the import lines differ from the course's code.
Run: python examples/binary_digits.py [--plot digits.png]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import load_digits01
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential


def main(epochs=20, plot=None):
    """Train the graded network; return its training accuracy."""
    X, y = load_digits01()
    print("The shape of X is: " + str(X.shape))
    print("The shape of y is: " + str(y.shape))
    model = Sequential([
        tf.keras.Input(shape=(400,)),  # specify input size
        Dense(25, activation="sigmoid"),
        Dense(15, activation="sigmoid"),
        Dense(1, activation="sigmoid"),
    ], name="my_model")
    model.summary()
    [layer1, layer2, layer3] = model.layers
    W1, b1 = layer1.get_weights()
    print(f"W1 shape = {W1.shape}, b1 shape = {b1.shape}")
    print(model.layers[2].weights)
    model.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                  optimizer=tf.keras.optimizers.Adam(0.001))
    model.fit(X, y, epochs=epochs)
    prediction = model.predict(X[0].reshape(1, 400))  # a zero
    print(f" predicting a zero: {prediction}")
    yhat = 1 if prediction >= 0.5 else 0
    print(f"prediction after threshold: {yhat}")
    accuracy = float(np.mean((model.predict(X) >= 0.5) == y))
    print(f"training accuracy: {accuracy:.2%}")
    if plot:
        from tinykeras.utils.plotting import plot_images

        picks = np.random.default_rng(0).choice(len(X), 16, replace=False)
        plot_images(X[picks], y[picks, 0], (model.predict(X[picks]) >= 0.5).astype(int)[:, 0],
                    path=plot, transpose=True)
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--plot", help="save a grid of digits with predictions to this PNG")
    args = parser.parse_args()
    main(epochs=args.epochs, plot=args.plot)
