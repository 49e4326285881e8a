"""The one random generator behind initializers, shuffling and dropout.

``set_random_seed(seed)`` reseeds it, which makes a whole run reproducible bit for bit.
"""

import random as _py_random

import numpy as np

from tinykeras.errors import InvalidArgumentError

_GLOBAL_RNG = np.random.default_rng()
# Called by global_rng() while a trace records (autodiff/plan.py registers its guard here).
_GUARDS: list = []


def set_random_seed(seed: int) -> None:
    """Seed tinykeras's generator, NumPy's legacy global generator and Python's ``random``."""
    global _GLOBAL_RNG
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise InvalidArgumentError(f"Expected `seed` to be an integer. Received: seed={seed!r}")
    _GLOBAL_RNG = np.random.default_rng(int(seed))
    np.random.seed(int(seed) % 2**32)
    _py_random.seed(int(seed))


def global_rng() -> np.random.Generator:
    """Return the process-wide generator (reseeded by ``set_random_seed``)."""
    if _GUARDS:
        _GUARDS[0]()
    return _GLOBAL_RNG


def make_rng(seed: int | None = None) -> np.random.Generator:
    """Return a generator of its own for an explicit ``seed``, else the global one."""
    if seed is None:
        return global_rng()
    return np.random.default_rng(int(seed))
