"""Models: ``Sequential`` and the ``Model`` base class."""

from tinykeras.models.model import Model
from tinykeras.models.sequential import Sequential


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a ``.keras`` or legacy ``.h5`` model file (see ``tinykeras.saving.load_model``)."""
    from tinykeras.saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save ``model`` (see ``tinykeras.saving.save_model``)."""
    from tinykeras.saving import save_model as _save

    _save(model, filepath, overwrite=overwrite, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Build a model from ``model.to_json()`` output."""
    from tinykeras.saving import model_from_json as _from_json

    return _from_json(json_string, custom_objects=custom_objects)


__all__ = ["Model", "Sequential", "load_model", "model_from_json", "save_model"]
