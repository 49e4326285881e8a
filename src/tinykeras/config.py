"""Global settings, as ``keras.config``: the default float type and epsilon."""

from tinykeras.backend.config import epsilon, floatx, set_epsilon, set_floatx


def image_data_format() -> str:
    """Return ``"channels_last"`` (the only layout tinykeras uses)."""
    return "channels_last"


def backend() -> str:
    """Return the name of the array backend: ``"numpy"``."""
    return "numpy"


__all__ = ["backend", "epsilon", "floatx", "image_data_format", "set_epsilon", "set_floatx"]
