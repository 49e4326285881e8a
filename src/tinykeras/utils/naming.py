"""Keras-style automatic names: ``to_snake_case`` and per-process unique names."""

import re
from collections import defaultdict

_COUNTS: defaultdict = defaultdict(int)


def to_snake_case(name: str) -> str:
    """Return Keras's snake-case form of a class name (``RMSprop`` -> ``rm_sprop``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def unique_name(base: str) -> str:
    """Return ``base``, then ``base_1``, ``base_2``... on later calls in this process."""
    count = _COUNTS[base]
    _COUNTS[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset_names() -> None:
    """Forget the counters, so auto names start again at ``dense``, ``sequential``..."""
    _COUNTS.clear()
