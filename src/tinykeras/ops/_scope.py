"""The ``keras.ops`` names tinykeras leaves out on purpose, and why: each is a function that
raises ``NotImplementedError`` saying so, so that a pasted guide fails with a clear message."""

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
