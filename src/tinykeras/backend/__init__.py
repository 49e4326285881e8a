"""Backend: the array namespace, the float policy and the random generator.

Every piece of array code in tinykeras goes through ``xp`` (NumPy today), so a CuPy backend
can replace it later without touching layer code.
"""

import os

import numpy as xp

from tinykeras.backend.config import epsilon, floatx, set_epsilon, set_floatx, standardize_dtype
from tinykeras.backend.random import global_rng, make_rng, set_random_seed

__all__ = [
    "xp",
    "epsilon",
    "floatx",
    "set_epsilon",
    "set_floatx",
    "standardize_dtype",
    "global_rng",
    "make_rng",
    "set_random_seed",
    "clear_session",
    "usable_cores",
]


def clear_session() -> None:
    """Reset the automatic layer and model names (``dense``, ``dense_1``...)."""
    from tinykeras.utils.naming import reset_names

    reset_names()


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity on Linux, else the CPU count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
