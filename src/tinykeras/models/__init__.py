"""Models: ``Sequential`` and the ``Model`` base class."""

from tinykeras.models.model import Model
from tinykeras.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
