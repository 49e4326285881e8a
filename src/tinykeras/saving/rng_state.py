"""The random generators' positions, saved so that ``fit`` after ``load_model`` draws the same
shuffles and noise as a run without the break: the global generator (``set_random_seed``)
and the own generator of every layer given a ``seed`` (Dropout, GaussianNoise...).

Keras itself keeps neither; the state lives in places Keras ignores (``metadata.json`` of a
``.keras`` file, a root attribute of a legacy ``.h5``), as ``{"global": state, "layers":
{weights path: state}}`` with NumPy's PCG64 states.
"""

import numpy as np

from tinykeras.backend import global_rng
from tinykeras.saving.config import FileFormatError


def _state(rng) -> dict:
    s = rng.bit_generator.state
    return {"bit_generator": s["bit_generator"], "state": s["state"],
            "has_uint32": s["has_uint32"], "uinteger": s["uinteger"]}


def _layer_generators(model):
    from tinykeras.saving.weights_h5 import walk

    for path, obj in walk(model):
        rng = getattr(obj, "_rng", None)
        if isinstance(rng, np.random.Generator):
            yield path, rng


def rng_states(model) -> dict:
    """Return the positions of the global generator and of the model's seeded layers."""
    return {"global": _state(global_rng()),
            "layers": {path: _state(rng) for path, rng in _layer_generators(model)}}


def _set(rng, state, source):
    current = rng.bit_generator.state
    ok = isinstance(state, dict) and state.get("bit_generator") == current["bit_generator"]
    inner = state.get("state") if ok else None
    ok = ok and isinstance(inner, dict) and set(inner) == set(current["state"]) and all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**128
        for v in inner.values())
    if not ok:
        raise FileFormatError(f"{source}: invalid random generator state in the file.")
    rng.bit_generator.state = {**current, "state": inner,
                               "has_uint32": int(bool(state.get("has_uint32", 0))),
                               "uinteger": int(state.get("uinteger", 0)) % 2**32}


def restore_rng_states(model, states, source: str) -> None:
    """Put the generators back where ``rng_states`` found them (validated first)."""
    if not isinstance(states, dict):
        raise FileFormatError(f"{source}: invalid random generator state in the file.")
    if "bit_generator" in states:  # the first format: the global generator only
        states = {"global": states}
    layers = states.get("layers") or {}
    if not isinstance(layers, dict):
        raise FileFormatError(f"{source}: invalid random generator state in the file.")
    generators = dict(_layer_generators(model))
    for path, state in layers.items():
        if path in generators:
            _set(generators[path], state, source)
    if states.get("global") is not None:
        _set(global_rng(), states["global"], source)
