"""Collaborative filtering (course 3, week 2 assignment): ``tf.Variable`` parameters, the
course's regularized cost, ``tf.GradientTape`` and ``Adam.apply_gradients``.

The course's rating matrices (``small_movies_Y/R.csv``) are not available here, so the
ratings are synthetic: a low-rank matrix (movies x users) with noise, about 25% observed.
Only the import lines differ from the course's code.
Run: python examples/collaborative_filtering.py
"""

import argparse

import numpy as np

import tinykeras as tf  # was: import tensorflow as tf
from tinykeras import keras  # was: from tensorflow import keras


def cofi_cost_func_v(X, W, b, Y, R, lambda_):
    """The assignment's vectorized cost: squared error on rated entries plus L2 terms."""
    j = (tf.linalg.matmul(X, tf.transpose(W)) + b - Y) * R
    return 0.5 * tf.reduce_sum(j ** 2) + (lambda_ / 2) * (tf.reduce_sum(X ** 2)
                                                          + tf.reduce_sum(W ** 2))


def synthetic_ratings(num_movies=400, num_users=60, rank=4, seed=0):
    """Low-rank ratings in 0.5..5 with about 25% of the entries observed (R = 1)."""
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=(num_movies, rank)) @ rng.normal(size=(rank, num_users))
    truth = np.clip(2.75 + truth / truth.std() * 1.2, 0.5, 5.0)
    R = (rng.random(truth.shape) < 0.25).astype(np.float64)
    Y = np.round((truth + rng.normal(0, 0.2, truth.shape)) * 2) / 2 * R
    return Y, R, truth


def main(iterations=200, num_features=10):
    """Train; return the RMSE on observed and on unobserved entries."""
    Y, R, truth = synthetic_ratings()
    Ymean = (np.sum(Y * R, axis=1) / (np.sum(R, axis=1) + 1e-12)).reshape(-1, 1)
    Ynorm = Y - np.multiply(Ymean, R)
    num_movies, num_users = Y.shape
    tf.random.set_seed(1234)
    W = tf.Variable(tf.random.normal((num_users, num_features), dtype=tf.float64), name="W")
    X = tf.Variable(tf.random.normal((num_movies, num_features), dtype=tf.float64), name="X")
    b = tf.Variable(tf.random.normal((1, num_users), dtype=tf.float64), name="b")
    optimizer = keras.optimizers.Adam(learning_rate=1e-1)
    lambda_ = 1
    for iter in range(iterations):
        with tf.GradientTape() as tape:
            cost_value = cofi_cost_func_v(X, W, b, Ynorm, R, lambda_)
        grads = tape.gradient(cost_value, [X, W, b])
        optimizer.apply_gradients(zip(grads, [X, W, b]))
        if iter % 20 == 0:
            print(f"Training loss at iteration {iter}: {cost_value:0.1f}")
    p = np.matmul(X.numpy(), np.transpose(W.numpy())) + b.numpy()
    pm = p + Ymean
    observed = float(np.sqrt(np.sum(((pm - Y) * R) ** 2) / R.sum()))
    hidden = float(np.sqrt(np.sum(((pm - truth) * (1 - R)) ** 2) / (1 - R).sum()))
    my_predictions = pm[:, 0]
    ix = tf.argsort(my_predictions, direction="DESCENDING")
    for i in range(5):
        j = ix[i]
        print(f"Predicting rating {my_predictions[j]:0.2f} for movie {int(j)}")
    print(f"RMSE observed {observed:.3f}, unobserved {hidden:.3f}")
    return observed, hidden, float(np.sqrt(np.mean((truth - truth.mean()) ** 2)))


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    main()
