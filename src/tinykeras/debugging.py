"""Numerical-trouble diagnosis: ``enable_check_numerics()`` as in ``tf.debugging``.

When enabled, every op checks its output (and, in the backward pass, the gradients its vjp
returns) for NaN and infinity, and the first one that produces a non-finite value raises
``NonFiniteValueError`` naming the op, the layer that called it, and the range of the inputs
that caused it. The fast paths that bypass the ops (the compiled Dense step, the plain
forward of ``predict``) are turned off while it is on, so every op is seen. It costs one
``isfinite`` reduction per op: a debugging tool, off by default.

>>> enable_check_numerics()
>>> check_numerics_enabled()
True
>>> disable_check_numerics()
"""

import numpy as np

from tinykeras.errors import NonFiniteValueError

ENABLED = False


def enable_check_numerics() -> None:
    """Check every op's output and gradients for NaN/infinity until disabled."""
    global ENABLED
    ENABLED = True


def disable_check_numerics() -> None:
    """Stop checking ops (the default)."""
    global ENABLED
    ENABLED = False


def check_numerics_enabled() -> bool:
    """Return True while ``enable_check_numerics`` is in effect."""
    return ENABLED


def _finite(a) -> bool:
    a = np.asarray(a)
    return a.dtype.kind not in "fc" or bool(np.isfinite(np.add.reduce(a, axis=None))) or bool(
        np.all(np.isfinite(a)))


def _ranges(arrays) -> str:
    parts = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        if a.dtype.kind in "biuf" and a.size:
            parts.append(f"input {i}: shape {a.shape}, range [{np.nanmin(a):.4g}, "
                         f"{np.nanmax(a):.4g}]")
    return "; ".join(parts) or "no numeric inputs"


def check_output(name, arrays, out):
    """Raise if ``out`` of op ``name`` holds NaN/infinity (called by ``op`` when enabled)."""
    if _finite(out):
        return
    bad = "NaN" if np.isnan(np.asarray(out)).any() else "infinity"
    source = ("from finite inputs" if all(map(_finite, arrays))
              else "because an input already held NaN or infinity")
    raise NonFiniteValueError(
        f"check_numerics: op '{name}' produced {bad} {source} ({_ranges(arrays)}). Typical "
        "causes: exp/log of large or non-positive values, a division by zero, a learning rate "
        "too high for unscaled inputs."
    )


def checked_vjp(name, arrays, vjp):
    """Wrap ``vjp`` so a non-finite gradient raises naming the op (backward pass)."""

    def run(g, needs):
        grads = vjp(g, needs)
        for i, gi in enumerate(grads):
            if gi is not None and not _finite(gi):
                raise NonFiniteValueError(
                    f"check_numerics: the gradient of op '{name}' for input {i} holds NaN or "
                    f"infinity in the backward pass ({_ranges(arrays)}; upstream gradient range "
                    f"[{np.nanmin(g):.4g}, {np.nanmax(g):.4g}])."
                )
        return grads

    return run


def name_layer(error: NonFiniteValueError, layer_name: str) -> None:
    """Prefix the innermost layer's name to ``error`` (outer layers leave it alone)."""
    if getattr(error, "layer", None) is None:
        error.layer = layer_name
        error.args = (f"Layer '{layer_name}': {error.args[0]}",) + error.args[1:]
