"""An opt-in validation split for ``fit``: shuffled and stratified, instead of Keras's
"the last fraction of the rows, before shuffling".

Keras's rule surprises users whose rows are sorted (by class, by date): the validation set is
then one class, or only the latest rows. ``fit(validation_split=ValidationSplit(0.2))`` keeps
the same fraction of every class in the validation set (as scikit-learn's early stopping
does), chosen at random from tinykeras's generator, so ``set_random_seed`` makes it
reproducible. A plain float keeps Keras's behaviour.
"""

import math

import numpy as np

from tinykeras.backend import global_rng
from tinykeras.errors import InvalidArgumentError


class ValidationSplit:
    """A validation split: ``fraction`` of the rows, shuffled and stratified by default.

    Args:
        fraction: the share of the rows for validation, in (0, 1).
        stratify: keep each class's share (classes from the labels: integers, 0/1 columns or
            the argmax of one-hot rows); regression targets are split without stratifying.
        shuffle: choose the rows at random (False with stratify: the last rows of each class).
        seed: a seed of its own (default: tinykeras's generator, seeded by set_random_seed).

    >>> import numpy as np
    >>> split = ValidationSplit(0.25, seed=0)
    >>> (x_tr, y_tr, _), (x_val, y_val, _) = split.split(np.arange(8.0)[:, None],
    ...                                                  np.array([0, 0, 0, 0, 1, 1, 1, 1]))
    >>> sorted(y_val.tolist())
    [0, 1]
    """

    def __init__(self, fraction, stratify=True, shuffle=True, seed=None):
        if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not (
            0 < fraction < 1
        ):
            raise InvalidArgumentError(
                f"ValidationSplit: `fraction` must be a float in (0, 1). Received: "
                f"fraction={fraction!r}"
            )
        self.fraction = float(fraction)
        self.stratify = bool(stratify)
        self.shuffle = bool(shuffle)
        self.seed = seed

    def indices(self, y, n):
        """Return ``(train_rows, validation_rows)``, each in increasing order."""
        rng = np.random.default_rng(self.seed) if self.seed is not None else global_rng()
        groups = _classes(y) if self.stratify and y is not None else None
        if groups is None:
            groups = np.zeros(n, dtype=np.int64)
        val = []
        for label in np.unique(groups):
            rows = np.flatnonzero(groups == label)
            take = int(round(len(rows) * self.fraction))
            if self.shuffle:
                rows = rng.permutation(rows)
            val.append(rows[len(rows) - take:])
        val = np.sort(np.concatenate(val)) if val else np.zeros(0, dtype=np.int64)
        if len(val) == 0 or len(val) == n:
            raise InvalidArgumentError(
                f"ValidationSplit({self.fraction}) leaves no rows for "
                f"{'validation' if len(val) == 0 else 'training'} out of {n} samples; use more "
                "data or another fraction."
            )
        train = np.setdiff1d(np.arange(n), val, assume_unique=True)
        return train, val

    def split(self, x, y, sample_weight=None):
        """Return ``((x, y, w) for training, (x, y, w) for validation)``."""
        train, val = self.indices(y, len(x))
        pick = [(None if a is None else a[train], None if a is None else a[val])
                for a in (x, y, sample_weight)]
        return tuple(p[0] for p in pick), tuple(p[1] for p in pick)

    def __repr__(self):
        return (f"ValidationSplit({self.fraction}, stratify={self.stratify}, "
                f"shuffle={self.shuffle}, seed={self.seed})")


def _classes(y):
    """Class ids for stratifying, or None for continuous targets."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)  # one-hot rows
    flat = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    if flat.dtype.kind in "biu":
        return flat.astype(np.int64)
    if flat.dtype.kind == "f" and np.all(flat == np.round(flat)):
        values = np.unique(flat)
        if len(values) <= max(2, math.isqrt(len(flat))):  # few distinct integers: classes
            return flat.astype(np.int64)
    return None
