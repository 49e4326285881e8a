"""The ``keras.ops`` names tinykeras leaves out on purpose, and why: each is a function that
raises ``NotImplementedError`` saying so, so that a pasted guide fails with a clear message.
Also the guard every public op goes through: NumPy's and Python's own refusals of bad
arguments become tinykeras errors that name the op and what it was given."""

import functools

import numpy as np

from tinykeras.errors import InvalidArgumentError, InvalidTypeError, TinykerasError

_CONV = "convolution is out of scope (tinykeras covers dense networks)"
_POOL = "pooling is out of scope (tinykeras covers dense networks)"
_FFT = "FFT and signal processing are out of scope (tinykeras covers dense networks)"
_IMAGE = "image ops are out of scope (tinykeras covers dense networks)"
_CTC = "CTC (sequence alignment) is out of scope (tinykeras covers dense networks)"
_ATTN = "attention is out of scope (tinykeras covers dense networks)"

OUT_OF_SCOPE = {
    "conv": _CONV, "conv_transpose": _CONV, "depthwise_conv": _CONV, "separable_conv": _CONV,
    "average_pool": _POOL, "max_pool": _POOL, "adaptive_average_pool": _POOL,
    "adaptive_max_pool": _POOL,
    "fft": _FFT, "fft2": _FFT, "ifft2": _FFT, "rfft": _FFT, "irfft": _FFT, "stft": _FFT,
    "istft": _FFT, "extract_sequences": _FFT,
    "ctc_loss": _CTC, "ctc_decode": _CTC,
    "dot_product_attention": _ATTN,
    "depth_to_space": _IMAGE, "space_to_depth": _IMAGE, "fold": _IMAGE, "unfold": _IMAGE,
}


def out_of_scope(name: str):
    """A function standing in for ``keras.ops.<name>`` that raises with the reason."""

    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"`ops.{name}` is not available in tinykeras: {OUT_OF_SCOPE[name]}. Use Keras "
            "itself for models that need it."
        )

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Out of scope in tinykeras: {OUT_OF_SCOPE[name]}."
    refuse.out_of_scope = OUT_OF_SCOPE[name]
    return refuse


def _refusing(name: str, fn, prefix: str = "ops"):
    """``fn`` as the public ``ops.<name>`` (``tf.<name>`` with ``prefix="tf"``): a
    ``ValueError``, ``TypeError``, ``IndexError``, ``ZeroDivisionError`` or ``AttributeError``
    from deep inside NumPy (an axis out of range, a split that does not divide, a string where
    numbers go) is raised again as a tinykeras error naming the op and its arguments. Errors
    from a function the op calls for the user (the branches of ``cond``, a loop body) pass
    through unchanged: they are the user's own."""

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TinykerasError:
            raise
        except (ValueError, TypeError, IndexError, ZeroDivisionError, AttributeError) as exc:
            values = list(args) + list(kwargs.values())
            if any(callable(v) and not hasattr(v, "shape") for v in values):
                raise
            kind = InvalidTypeError if isinstance(exc, (TypeError, AttributeError)) else \
                InvalidArgumentError
            given = ", ".join([_show(v) for v in args] + [f"{k}={_show(v)}"
                                                          for k, v in kwargs.items()])
            raise kind(
                f"{prefix}.{name} cannot take the arguments ({given}): {exc}. See "
                f"help({'tinykeras.ops' if prefix == 'ops' else prefix}.{name}) for what each "
                "argument takes."
            ) from exc

    return op


def _show(value) -> str:
    """An argument for a message: arrays and tensors by shape and dtype, the rest by repr."""
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"array of shape {tuple(np.shape(value))} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
