"""A bound on the weights built while loading a file, so a hostile config that declares
huge layers fails fast instead of allocating unbounded memory."""

import threading
from contextlib import contextmanager

_STATE = threading.local()


class WeightBudgetExceeded(ValueError):
    """Building a loaded config asked for more weights than its file can hold."""


@contextmanager
def weight_budget(max_elements: int, source: str):
    """Inside, every new weight counts against ``max_elements`` scalars; past it, building
    raises ValueError naming ``source`` (the file being loaded)."""
    previous = getattr(_STATE, "budget", None)
    _STATE.budget = [int(max_elements), source]
    try:
        yield
    finally:
        _STATE.budget = previous


def charge_weight(shape, who: str) -> None:
    """Count a weight of ``shape`` against the active budget (no-op outside one)."""
    budget = getattr(_STATE, "budget", None)
    if budget is None:
        return
    size = 1
    for d in shape:
        size *= int(d)
    budget[0] -= size
    if budget[0] < 0:
        raise WeightBudgetExceeded(
            f"{budget[1]}: the config declares more weights than the file holds (layer "
            f"'{who}' asks for a weight of shape {tuple(shape)}). The file is corrupted or "
            "hostile; nothing was allocated for it."
        )
