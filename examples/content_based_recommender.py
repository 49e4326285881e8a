"""Content-based filtering (course 3, week 2 assignment 2): two Sequential towers inside a
functional ``Model``, ``tf.linalg.l2_normalize`` on their outputs, ``Dot(axes=1)``, MSE.

The course's user table (``content_user_train.csv``) is not available, so users and movies
are synthetic: 14 genre flags per movie (plus year and average rating), and per user a
rating count, average rating and average rating per genre; a user's rating of a movie
follows their taste for its genres. Only the import lines differ from the course's code.
Run: python examples/content_based_recommender.py [--epochs 30]
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras import keras  # was: from tensorflow import keras

GENRES = 14


def synthetic_ratings(num_users=300, num_movies=400, num_ratings=6000, seed=0):
    """``(user_train, item_train, y_train)`` rows: 3+14 user and 3+14 item features, a rating."""
    rng = np.random.default_rng(seed)
    taste = rng.normal(0, 1, size=(num_users, GENRES))
    flags = (rng.random((num_movies, GENRES)) < 0.2).astype(np.float64)
    flags[flags.sum(axis=1) == 0, 0] = 1.0
    quality = rng.normal(0, 0.5, size=num_movies)
    users = rng.integers(0, num_users, num_ratings)
    movies = rng.integers(0, num_movies, num_ratings)
    score = (taste[users] * flags[movies]).sum(axis=1) / flags[movies].sum(axis=1)
    y = np.clip(np.round((3.0 + score + quality[movies]) * 2) / 2, 0.5, 5.0)
    genre_avg = np.clip(3.0 + taste, 0.5, 5.0)
    user_rows = np.column_stack([users, rng.integers(5, 100, num_ratings),
                                 genre_avg[users].mean(axis=1), genre_avg[users]])
    item_rows = np.column_stack([movies, rng.integers(2000, 2018, num_ratings),
                                 3.0 + quality[movies], flags[movies]])
    return user_rows, item_rows, y


def main(epochs=30, num_ratings=6000):
    """Train the two-tower model; return the test MSE and a baseline's (predicting the mean)."""
    user_train, item_train, y_train = synthetic_ratings(num_ratings=num_ratings)
    u_s, i_s = 3, 1  # columns to leave out of training: ids and the like
    num_user_features = user_train.shape[1] - u_s  # the user id, count and average are removed
    num_item_features = item_train.shape[1] - i_s  # the movie id is removed
    # Scale as the assignment does (StandardScaler / MinMaxScaler), in NumPy.
    item_train = (item_train - item_train.mean(axis=0)) / (item_train.std(axis=0) + 1e-12)
    user_train = (user_train - user_train.mean(axis=0)) / (user_train.std(axis=0) + 1e-12)
    y_train = (y_train.reshape(-1, 1) - 0.5) / 4.5 * 2 - 1  # MinMaxScaler to (-1, 1)
    split = int(0.8 * len(y_train))
    user_test, item_test, y_test = user_train[split:], item_train[split:], y_train[split:]
    user_train, item_train, y_train = user_train[:split], item_train[:split], y_train[:split]

    num_outputs = 32
    tf.random.set_seed(1)
    user_NN = tf.keras.models.Sequential([
        tf.keras.layers.Dense(256, activation="relu"),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(num_outputs, activation="linear"),
    ])
    item_NN = tf.keras.models.Sequential([
        tf.keras.layers.Dense(256, activation="relu"),
        tf.keras.layers.Dense(128, activation="relu"),
        tf.keras.layers.Dense(num_outputs, activation="linear"),
    ])
    # create the user input and point to the base network
    input_user = tf.keras.layers.Input(shape=(num_user_features))
    vu = user_NN(input_user)
    vu = tf.linalg.l2_normalize(vu, axis=1)
    # create the item input and point to the base network
    input_item = tf.keras.layers.Input(shape=(num_item_features))
    vm = item_NN(input_item)
    vm = tf.linalg.l2_normalize(vm, axis=1)
    # compute the dot product of the two vectors vu and vm
    output = tf.keras.layers.Dot(axes=1)([vu, vm])
    model = tf.keras.Model([input_user, input_item], output)
    model.summary()

    tf.random.set_seed(1)
    cost_fn = tf.keras.losses.MeanSquaredError()
    opt = keras.optimizers.Adam(learning_rate=0.01)
    model.compile(optimizer=opt, loss=cost_fn)
    model.fit([user_train[:, u_s:], item_train[:, i_s:]], y_train, epochs=epochs)
    test_mse = model.evaluate([user_test[:, u_s:], item_test[:, i_s:]], y_test)
    baseline = float(np.mean((y_test - y_train.mean()) ** 2))
    print(f"test MSE {test_mse:.4f} (predicting the mean: {baseline:.4f})")

    # A second model reuses the trained item tower to embed movies for similarity search.
    input_item_m = tf.keras.layers.Input(shape=(num_item_features))
    vm_m = item_NN(input_item_m)
    vm_m = tf.linalg.l2_normalize(vm_m, axis=1)
    model_m = tf.keras.Model(input_item_m, vm_m)
    vms = model_m.predict(item_test[:50, i_s:])
    print(f"size of all predicted movie feature vectors: {vms.shape}")
    return test_mse, baseline


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    main(epochs=parser.parse_args().epochs)
