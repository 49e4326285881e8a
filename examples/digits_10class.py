"""Ten digits (course 2, week 2 assignment): 400-25-15-10 with a linear output,
``SparseCategoricalCrossentropy(from_logits=True)`` and ``tf.nn.softmax`` on the predictions.

The course's ``X.npy`` is not redistributable here; the bundled stand-in is the UCI digits
resized to the same 20x20 column-by-column layout (``tinykeras.datasets.load_digits``).
Run: python examples/digits_10class.py [--plot grid.png] [--epochs 40]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import load_digits
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential


def my_softmax(z):
    """The assignment's softmax, in NumPy."""
    ez = np.exp(z)
    return ez / np.sum(ez)


def main(epochs=40, plot=None):
    """Train the graded network; return the held-out accuracy."""
    z = np.array([1.0, 2.0, 3.0, 4.0])
    print(f"my_softmax(z):         {my_softmax(z)}")
    print(f"tensorflow softmax(z): {tf.nn.softmax(z)}")
    (X, y), (X_test, y_test) = load_digits(size=20)
    tf.random.set_seed(1234)  # for consistent results
    model = Sequential([
        tf.keras.Input(shape=(400,)),
        Dense(25, activation="relu", name="L1"),
        Dense(15, activation="relu", name="L2"),
        Dense(10, activation="linear", name="L3"),
    ], name="my_model")
    model.summary()
    model.compile(loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.001))
    history = model.fit(X, y, epochs=epochs)
    print(f"final loss: {history.history['loss'][-1]:0.4f}")
    prediction = model.predict(X[1015].reshape(1, 400))
    prediction_p = tf.nn.softmax(prediction)
    print(f" predicting a {int(y[1015, 0])}: \n{prediction}")
    print(f" Largest Prediction index: {np.argmax(prediction_p)}")
    print(f"Total of predictions: {np.sum(prediction_p):0.3f}")
    accuracy = float(np.mean(np.argmax(model.predict(X_test), axis=1) == y_test[:, 0]))
    print(f"held-out accuracy: {accuracy:.2%}")
    if plot:
        from tinykeras.utils.plotting import plot_history, plot_images

        plot_images(X_test[:32], y_test[:32], np.argmax(model.predict(X_test[:32]), axis=1),
                    path=plot, transpose=True)
        plot_history(history, path=str(plot).replace(".png", "_loss.png"))
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--plot", help="save a grid of test digits with predictions to this PNG")
    args = parser.parse_args()
    main(epochs=args.epochs, plot=args.plot)
