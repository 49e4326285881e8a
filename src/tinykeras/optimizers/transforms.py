"""What Keras's base optimizer does around ``update_step``: gradient clipping, decoupled
weight decay and the moving average (EMA) of the variables, each in place on flat arrays."""

import math

import numpy as np


def clip_gradients(segments, parts, clipnorm=None, clipvalue=None, global_clipnorm=None):
    """Clip the gradient buffers in place: per variable (``parts``) for ``clipnorm``, across
    all of them (``segments`` hold the same numbers) for ``global_clipnorm``, elementwise for
    ``clipvalue``. Values <= 0 mean "off", as in Keras."""
    if clipnorm and clipnorm > 0:
        # Each variable on its own, as Keras: g * clipnorm / max(||g||, clipnorm).
        for p in parts:
            norm = math.sqrt(float(np.dot(p.grad, p.grad)))
            if norm > clipnorm:
                p.grad *= clipnorm / norm
    elif global_clipnorm and global_clipnorm > 0:
        norm = math.sqrt(sum(float(np.dot(s.grad, s.grad)) for s in segments))
        if not math.isfinite(norm) or norm > global_clipnorm:
            # A non-finite norm makes every gradient NaN, as Keras's clip_by_global_norm does.
            scale = global_clipnorm / norm if math.isfinite(norm) else math.nan
            for seg in segments:
                seg.grad *= scale
    elif clipvalue and clipvalue > 0:
        for seg in segments:
            np.clip(seg.grad, -clipvalue, clipvalue, out=seg.grad)


def decay_targets(slabs, use_weight_decay) -> list:
    """The arrays weight decay scales on a full step: a whole slab where no variable is
    excluded (one multiply), otherwise the included variables' slices."""
    targets = []
    for slab in slabs:
        keep = [p.var for p in slab.parts if use_weight_decay(p.variable)]
        targets += [slab.var] if len(keep) == len(slab.parts) else keep
    return targets


def apply_weight_decay(targets, weight_decay: float, learning_rate: float) -> None:
    """Decoupled decay ``var -= var * weight_decay * lr``, done as one multiply by
    ``1 - weight_decay * lr`` (as Keras's torch backend does)."""
    factor = 1 - weight_decay * learning_rate
    for arr in targets:
        arr *= factor


def update_moving_average(slabs, momentum: float, overwrite: bool) -> None:
    """``average = momentum * average + (1 - momentum) * var`` on every slab; with
    ``overwrite``, then copy the averages into the variables."""
    for slab in slabs:
        average, tmp = slab.whole.average, slab.whole.scratch[0]
        average *= momentum
        np.multiply(slab.var, 1 - momentum, out=tmp)
        average += tmp
        if overwrite:
            slab.var[...] = average
