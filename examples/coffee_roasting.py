"""Coffee roasting (course 2, week 1, lab 2): Normalization, a 2-3-1 sigmoid network, and its
decision regions.

Only the import lines differ from the course's TensorFlow code; the data comes from the
course's own generator (``tinykeras.datasets.make_coffee``).
Run: python examples/coffee_roasting.py [--plot coffee.png] [--epochs 10]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras.datasets import make_coffee
from tinykeras.layers import Dense  # was: from tensorflow.keras.layers import Dense
from tinykeras.models import Sequential  # was: from tensorflow.keras.models import Sequential


def main(epochs=10, copies=1000, plot=None):
    """Train the lab's network; return the accuracy on the 200 roasts."""
    X, Y = make_coffee()
    print(f"Temperature Max, Min pre normalization: {np.max(X[:,0]):0.2f}, {np.min(X[:,0]):0.2f}")
    norm_l = tf.keras.layers.Normalization(axis=-1)
    norm_l.adapt(X)  # learns mean, variance
    Xn = norm_l(X)
    print(f"Temperature Max, Min post normalization: {np.max(Xn[:,0]):0.2f}, "
          f"{np.min(Xn[:,0]):0.2f}")
    Xt = np.tile(Xn, (copies, 1))
    Yt = np.tile(Y, (copies, 1))

    tf.random.set_seed(1234)  # applied to achieve consistent results
    model = Sequential([
        tf.keras.Input(shape=(2,)),
        Dense(3, activation="sigmoid", name="layer1"),
        Dense(1, activation="sigmoid", name="layer2"),
    ])
    model.summary()
    model.compile(loss=tf.keras.losses.BinaryCrossentropy(),
                  optimizer=tf.keras.optimizers.Adam(learning_rate=0.01))
    model.fit(Xt, Yt, epochs=epochs)
    W1, b1 = model.get_layer("layer1").get_weights()
    print(f"W1:\n{W1}\nb1: {b1}")

    X_test = np.array([[200, 13.9], [200, 17]])  # positive example, negative example
    predictions = model.predict(norm_l(X_test))
    yhat = (predictions >= 0.5).astype(int)
    print(f"decisions = \n{yhat}")
    accuracy = float(np.mean((model.predict(Xn) >= 0.5) == Y))
    print(f"accuracy on the 200 roasts: {accuracy:.2%}")
    if plot:
        from tinykeras.utils.plotting import plot_decision_boundary

        plot_decision_boundary(lambda g: model.predict(norm_l(g)), X, Y, path=plot,
                               labels=("Temperature (Celsius)", "Duration (minutes)"))
    return accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--plot", help="save the decision regions to this PNG")
    args = parser.parse_args()
    main(epochs=args.epochs, plot=args.plot)
