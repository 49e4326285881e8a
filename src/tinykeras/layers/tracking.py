"""What a subclassed Layer or Model holds: sublayers and metrics assigned as attributes (as
Keras 3 tracks them), and the losses ``add_loss`` records during a forward pass.

``Layer.__setattr__`` calls ``track``; the weights and losses of a layer include those of its
tracked sublayers, in assignment order. Added losses belong to the forward pass that made
them: the outermost ``__call__`` clears them in the whole tree before running (``entering``),
so ``layer.losses`` always shows the last call's, as in Keras.
"""

_depth = [0]           # how many Layer.__call__ are running (nested calls see depth > 0)
_any_added = [False]   # has any layer ever called add_loss (lets fit skip the walk otherwise)


def track(layer, name, value) -> None:
    """Record ``value`` under ``name`` if it is a layer, a list of layers, or a metric."""
    from tinykeras.layers.base import Layer
    from tinykeras.metrics import Metric

    store = layer.__dict__.setdefault("_tracked", {})
    if isinstance(value, (Layer, Metric)) and value is not layer:
        store[name] = value
    elif isinstance(value, (list, tuple)) and value and all(
            isinstance(v, Layer) for v in value):
        store[name] = value
    else:
        store.pop(name, None)


def sublayers(layer) -> list:
    """The layers assigned as attributes of ``layer``, in assignment order."""
    from tinykeras.layers.base import Layer

    out = []
    for value in layer.__dict__.get("_tracked", {}).values():
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(v, Layer) and all(v is not seen for seen in out):
                out.append(v)
    return out


def metrics(layer) -> list:
    """The metrics assigned as attributes of ``layer`` (and of its sublayers)."""
    from tinykeras.metrics import Metric

    own = [v for v in layer.__dict__.get("_tracked", {}).values() if isinstance(v, Metric)]
    return own + [m for sub in sublayers(layer) for m in metrics(sub)]


def added_losses(layer) -> list:
    """The losses ``add_loss`` recorded in ``layer`` and its sublayers in the last call."""
    own = list(layer.__dict__.get("_added_losses", ()))
    return own + [loss for sub in sublayers(layer) for loss in added_losses(sub)]


def any_added() -> bool:
    """True once any layer has called ``add_loss`` (until then fit skips collecting them)."""
    return _any_added[0]


def add_loss(layer, loss) -> None:
    """Record ``loss`` (a scalar Tensor) as part of ``layer``'s current forward pass."""
    layer.__dict__.setdefault("_added_losses", []).append(loss)
    _any_added[0] = True


def _clear(layer) -> None:
    if layer.__dict__.get("_added_losses"):
        layer.__dict__["_added_losses"] = []
    for sub in sublayers(layer):
        _clear(sub)
    for sub in getattr(layer, "layers", None) or ():  # Sequential/functional members too
        _clear(sub)


class entering:
    """Context for one ``Layer.__call__``: the outermost one clears the tree's added losses."""

    __slots__ = ("layer",)

    def __init__(self, layer):
        self.layer = layer

    def __enter__(self):
        if _depth[0] == 0 and _any_added[0]:
            _clear(self.layer)
        _depth[0] += 1

    def __exit__(self, *exc):
        _depth[0] -= 1
        return False


def infer_output_shape(layer, input_shape):
    """The output shape of a user's layer, found by running its ``call`` once on zeros (with
    batch size 1 for ``None``), as Keras infers it from a symbolic call. This also builds the
    sublayers the call uses. The global random stream and the added losses are restored, so
    the trial run leaves no trace but the weights it created."""
    import numpy as np

    from tinykeras.autodiff import wrap
    from tinykeras.backend import global_rng

    def zeros(shape):
        return wrap(np.zeros(tuple(1 if d is None else d for d in shape), dtype=layer.dtype))

    multi = bool(input_shape) and isinstance(input_shape[0], (list, tuple))
    inputs = [zeros(s) for s in input_shape] if multi else zeros(input_shape)
    rng_state = global_rng().bit_generator.state
    _depth[0] += 1  # a nested call: it must not clear the caller's added losses
    try:
        if layer._call_takes_training:
            out = layer.call(inputs, training=False)
        else:
            out = layer.call(inputs)
    finally:
        _depth[0] -= 1
        global_rng().bit_generator.state = rng_state
    layer.__dict__.pop("_added_losses", None)

    def shape_of(t):
        return (None,) + tuple(np.shape(t.value if hasattr(t, "value") else t))[1:]

    if isinstance(out, (list, tuple)):
        return [shape_of(t) for t in out]
    return shape_of(out)
