"""Scaling out: one model trained data-parallel over MPI ranks.

``MPIDataParallel`` has the shape of Keras 3's ``keras.distribution.DataParallel``: make one,
then build, compile and fit inside ``strategy.scope()`` (or call ``set_distribution``). Run the
script with ``mpiexec -n P python -m mpi4py train.py``; without ``mpiexec`` it is one process
and nothing changes. The trainer asks ``active_for(model)`` at the start of ``fit``,
``evaluate`` and ``predict``; everything MPI-specific lives in ``distribute/mpi.py``, and
mpi4py is imported only when a strategy is created.
"""

from tinykeras.distribute.mpi import MPIDataParallel
from tinykeras.errors import InvalidArgumentError

_CURRENT = None


def distribution():
    """Return the distribution set by ``set_distribution`` or an enclosing ``scope()``."""
    return _CURRENT


def set_distribution(value) -> None:
    """Make ``value`` (an ``MPIDataParallel``, or None) the distribution for later fits."""
    global _CURRENT
    if value is not None and not isinstance(value, MPIDataParallel):
        raise InvalidArgumentError(
            "Argument `value` of set_distribution() must be a tinykeras.distribute."
            f"MPIDataParallel or None. Received: {value!r}"
        )
    _CURRENT = value


def active_for(model):
    """The strategy that ``fit``/``evaluate``/``predict`` of ``model`` run under, or None when
    there is nothing to distribute (no strategy, or a single process)."""
    dist = _CURRENT or getattr(model, "_distribution", None)
    if dist is None or not dist.active:
        return None
    return dist


__all__ = ["MPIDataParallel", "active_for", "distribution", "set_distribution"]
