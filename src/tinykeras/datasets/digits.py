"""All ten handwritten digits, 8x8 or resized to the course's 20x20, with a train/test split.

``digits.npz`` holds the 1,797 8x8 images of the UCI "Optical Recognition of Handwritten
Digits" test set (E. Alpaydin and C. Kaynak, 1998, CC BY 4.0) as shipped in scikit-learn,
unchanged (integers 0..16) with their labels; ``scripts/make_digits.py`` wrote it.
"""

from importlib import resources

import numpy as np

from tinykeras.errors import InvalidArgumentError


def interpolation_matrix(n_in: int, n_out: int) -> np.ndarray:
    """Return the (n_out, n_in) matrix of 1-D linear interpolation with half-pixel centres."""
    s = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
    s = np.clip(s, 0.0, n_in - 1)
    lo = np.floor(s).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = s - lo
    w = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    # np.add.at, not assignment: where lo == hi (the clamped border) both weights land on
    # the same source pixel and must add up to 1.
    np.add.at(w, (rows, lo), 1.0 - frac)
    np.add.at(w, (rows, hi), frac)
    return w


def resize_bilinear(images: np.ndarray, n_out: int) -> np.ndarray:
    """Resize square images (n, k, k) to (n, n_out, n_out); bilinear is separable: W A W^T."""
    w = interpolation_matrix(images.shape[-1], n_out)
    return np.einsum("ij,njk,lk->nil", w, images.astype(np.float64), w)


def load_digits(size: int = 8, test_size: float = 0.2, seed: int = 0):
    """Return ``(X_train, y_train), (X_test, y_test)``: the ten digits as unrolled images.

    Args:
        size: 8 for the original 8x8 images (64 features), 20 for the course's 20x20 layout
            (400 features, bilinearly resized and unrolled column by column, so
            ``X[i].reshape((20, 20)).T`` shows the digit upright, as in the course).
        test_size: the fraction held out, drawn per class (stratified).
        seed: the seed of the split.

    ``X`` is float32 in [0, 1]; ``y`` is uint8 of shape ``(m, 1)`` as in the course.

    >>> (X, y), (Xt, yt) = load_digits(size=20)
    >>> X.shape, Xt.shape, y.dtype.name, sorted(set(y[:, 0].tolist())) == list(range(10))
    ((1438, 400), (359, 400), 'uint8', True)
    """
    if size not in (8, 20):
        raise InvalidArgumentError(f"`size` must be 8 or 20. Received: size={size!r}")
    if not 0.0 < test_size < 1.0:
        raise InvalidArgumentError(
            f"`test_size` must be in (0, 1). Received: test_size={test_size!r}")
    with resources.files(__package__).joinpath("digits.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as data:
            images, target = data["images"], data["target"]
    if size == 8:
        X = images.reshape(len(images), 64) / 16.0
    else:
        big = np.clip(resize_bilinear(images, 20) / 16.0, 0.0, 1.0)
        X = big.transpose(0, 2, 1).reshape(len(big), 400)  # column by column
    X = X.astype(np.float32)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(target), dtype=bool)
    for digit in range(10):
        idx = np.flatnonzero(target == digit)
        test[rng.choice(idx, size=int(round(len(idx) * test_size)), replace=False)] = True
    y = target.astype(np.uint8).reshape(-1, 1)
    return (X[~test], y[~test]), (X[test], y[test])
