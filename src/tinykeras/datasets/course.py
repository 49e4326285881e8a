"""Generators for the course's small synthetic data sets (NumPy only, seeded, reproducible).

``make_coffee`` follows the coffee-roasting labs' recipe; ``make_blobs`` draws Gaussian blobs
around given centres with the same sequence of draws as scikit-learn's function of that name
under a seed, so the course's ``random_state`` values give the course's data sets.
"""

import numpy as np

from tinykeras.errors import InvalidArgumentError


def make_coffee(n_samples: int = 200, seed: int = 2):
    """Return ``(X, Y)``: roasting temperature (C) and duration (min), and whether the roast
    is good (1.0), as in the course's coffee-roasting labs.

    A roast is good when 175 < temperature < 260, 12 < duration < 15 and duration lies on or
    below the line from (175, 15) to (260, 12). ``X`` is ``(n, 2)`` float64 and ``Y`` a
    float64 column ``(n, 1)``; the defaults give the labs' 200 rows (43 good roasts).

    >>> X, Y = make_coffee()
    >>> X.shape, Y.shape, int(Y.sum())
    ((200, 2), (200, 1), 43)
    """
    rng = np.random.default_rng(seed)
    X = rng.random(n_samples * 2).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5  # duration: 11.5 to 15.5 minutes
    X[:, 0] = X[:, 0] * (285 - 150) + 150  # temperature: 150 to 285 C
    t, d = X[:, 0], X[:, 1]
    line = -3 / (260 - 175) * t + 21
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= line)
    return X, good.astype(np.float64).reshape(-1, 1)


def make_blobs(n_samples=100, centers=None, cluster_std=1.0, random_state=None):
    """Return ``(X, y)``: points drawn around each of ``centers`` (a list of coordinates)
    with standard deviation ``cluster_std``, shuffled; ``y`` is the index of the centre.

    Samples are split evenly between the centres (the first ones get the remainder); the
    draws use NumPy's ``RandomState(random_state)`` in the order scikit-learn's
    ``make_blobs`` uses, so the same arguments give the same arrays.

    >>> X, y = make_blobs(100, centers=[[-5, 2], [-2, -2], [1, 2], [5, -2]], random_state=30)
    >>> X.shape, y[:10].tolist()
    ((100, 2), [3, 3, 3, 0, 3, 3, 3, 3, 2, 0])
    """
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise InvalidArgumentError(
            f"`centers` must be a list of coordinates (2-D). Received shape {centers.shape}."
        )
    rng = np.random.RandomState(random_state)
    k = len(centers)
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    counts = [n_samples // k + (1 if i < n_samples % k else 0) for i in range(k)]
    X = np.concatenate([rng.normal(loc=c, scale=s, size=(n, centers.shape[1]))
                        for c, s, n in zip(centers, stds, counts)])
    y = np.repeat(np.arange(k), counts)
    order = np.arange(len(X))
    rng.shuffle(order)
    return X[order], y[order]
