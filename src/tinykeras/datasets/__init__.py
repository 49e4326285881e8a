"""Small real data sets shipped inside the package (no download, no scikit-learn needed),
and the course's synthetic data generators (``make_coffee``, ``make_blobs``).

``load_digits`` gives all ten digits (8x8 or 20x20, see ``datasets/digits.py``).

``digits01.npz`` is derived from the UCI "Optical Recognition of Handwritten Digits" data set
by E. Alpaydin and C. Kaynak (1998), https://doi.org/10.24432/C50P49, as shipped in
scikit-learn (``sklearn.datasets.load_digits``), and is licensed CC BY 4.0 like its source.
It was changed: only digits 0 and 1 are kept and the 8x8 images are resized to 20x20
(``scripts/make_digits.py`` made it; ``docs/data.md`` says exactly how).
"""

from importlib import resources

import numpy as np

from tinykeras.datasets.course import make_blobs, make_coffee
from tinykeras.datasets.digits import load_digits

__all__ = ["load_digits", "load_digits01", "make_blobs", "make_coffee"]


def load_digits01() -> tuple[np.ndarray, np.ndarray]:
    """Return ``(X, y)``: 360 handwritten 0s and 1s as 20x20 images, unrolled column by column.

    Returns:
        X: float32 array of shape (360, 400), values in [0, 1] (0 is background, 1 full
            ink). Row ``i`` is a 20x20 image unrolled column by column (Fortran order), as
            in the course's ``X.npy``: ``X[i].reshape((20, 20)).T`` shows it upright.
        y: uint8 array of shape (360, 1): 178 zeros and 182 ones, in scikit-learn's order.

    Source: UCI Optical Recognition of Handwritten Digits (E. Alpaydin and C. Kaynak, 1998;
    CC BY 4.0) as shipped in scikit-learn, bilinearly resized from 8x8 and divided by 16.

    >>> X, y = load_digits01()
    >>> X.shape, X.dtype.name, y.shape, y.dtype.name, int(y.sum())
    ((360, 400), 'float32', (360, 1), 'uint8', 182)
    """
    with resources.files(__name__).joinpath("digits01.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as data:
            return data["X"], data["y"]
