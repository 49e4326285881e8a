"""``Model``: a Layer made of layers, with the training API of ``Trainer``."""

from tinykeras.errors import InvalidArgumentError
from tinykeras.layers import tracking
from tinykeras.layers.base import Layer
from tinykeras.models import custom_step
from tinykeras.models.trainer import Trainer

_GRAPH_CLASSES: dict = {}  # a user's Model subclass -> its functional variant (see __new__)


class Model(Trainer, Layer):
    """Base class of models: owns layers, their weights and the Keras training API.

    Subclasses (``Sequential``) define ``layers`` and ``call``.
    """

    def __new__(cls, *args, **kwargs):
        # ``Model(inputs, outputs)`` is the functional API: make a Functional model, as Keras.
        functional_args = bool(args) or "inputs" in kwargs or "outputs" in kwargs
        if cls is Model and functional_args:
            from tinykeras.models.functional import Functional

            return Functional.__new__(Functional)
        if _graph_arguments(args, kwargs) and _subclass_without_graph(cls):
            # A subclass called with (inputs, outputs), as in Keras's custom train_step guide:
            # a functional model that keeps the subclass's methods (Keras does the same).
            from tinykeras.models.functional import Functional

            graph_cls = _GRAPH_CLASSES.get(cls)
            if graph_cls is None:
                graph_cls = _GRAPH_CLASSES[cls] = type(cls.__name__, (cls, Functional), {
                    "__module__": cls.__module__, "__qualname__": cls.__qualname__,
                    "_graph_subclass_of": cls})  # saving names the user's class
            return super().__new__(graph_cls)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                "The functional API `Model(inputs, outputs)` is not available yet in tinykeras; "
                "use `Sequential([...])`."
            )
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Keras 3 guides write train_step(self, data) / test_step(self, data) returning logs:
        # adapt them to the loop's step(x, y, sample_weight) (models/custom_step.py).
        for name in ("train_step", "test_step"):
            fn = cls.__dict__.get(name)
            if fn is not None and custom_step.is_data_step(fn):
                setattr(cls, name, custom_step.adapt(fn))

    @property
    def metrics(self) -> list:
        """The compiled metrics and the metrics assigned as attributes; with a Keras-3 custom
        ``train_step(self, data)``, Keras's list instead: a ``Mean`` named ``"loss"`` for the
        step to update, ``compile_metrics``, each output's loss, then the attributes'."""
        tracked = [m for m in tracking.metrics(self) if all(m is not c for c in
                                                             self._metrics or ())]
        if custom_step.uses_data_step(self):
            return custom_step.data_step_metrics(self) + tracked
        return list(self._metrics or []) + tracked

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a model from ``get_config()`` output (a functional config for ``Model``)."""
        if "input_layers" in config:
            from tinykeras.models.functional import Functional

            if _subclass_without_graph(cls) and cls is not Model:  # a user's graph subclass
                return Functional.from_config.__func__(cls, config, custom_objects)
            return Functional.from_config(config, custom_objects)
        return cls(**config)

    @property
    def layers(self) -> list:
        """The model's layers, in order (a subclassed model: those assigned as attributes)."""
        return tracking.sublayers(self)

    def _flat_layers(self):
        for layer in self.layers:
            if isinstance(layer, Model):
                yield from layer._flat_layers()
            else:
                yield layer

    # Weights are the layers' weights, in layer order (kernel then bias within a Dense).
    @property
    def weights(self) -> list:
        """Every weight, layer by layer (each layer's trainable weights first), as Keras."""
        return [w for layer in self.layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        """The weights ``fit`` updates, in layer order."""
        if not self.trainable:
            return []
        return [w for layer in self.layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        """The weights ``fit`` leaves alone, in layer order."""
        if not self.trainable:
            return [w for layer in self.layers for w in layer.weights]
        return [w for layer in self.layers for w in layer.non_trainable_weights]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self) -> list:
        """Return copies of all weights as NumPy arrays, layer by layer."""
        return [w.numpy() for layer in self.layers for w in layer.weights]

    def set_weights(self, weights) -> None:
        """Set all weights from a list of arrays (as returned by ``get_weights``); every array
        is checked (count, shape, numbers, finiteness) before any is written."""
        from tinykeras.layers.base import _weight_list

        weights = _weight_list(weights, f"model '{self.name}'")
        expected = sum(len(layer.weights) for layer in self.layers)
        if len(weights) != expected:
            raise InvalidArgumentError(
                f"You called `set_weights(weights)` on model '{self.name}' with a weight list of "
                f"length {len(weights)}, but the model was expecting {expected} weights."
            )
        start = 0
        plan = []
        for layer in self.layers:
            n = len(layer.weights)
            plan += layer._checked_weights(weights[start:start + n], first_index=start)
            start += n
        for var, value in plan:
            var.assign(value.astype(var.value.dtype, copy=False))

    def count_params(self) -> int:
        """Return the number of scalars in all weights."""
        return int(sum(w.value.size for w in self.weights))

    @property
    def losses(self) -> list:
        """The regularization penalties of every layer and the losses ``add_loss`` added in the
        last call, as scalar Tensors."""
        own = list(self.__dict__.get("_added_losses", ()))
        return own + [p for layer in self.layers for p in layer.losses]

    def get_layer(self, name=None, index=None):
        """Return a layer by ``name`` or by ``index`` (in ``model.layers``)."""
        if index is not None and name is not None:
            raise InvalidArgumentError(
                "Provide only a layer name or a layer index. "
                f"Received: index={index}, name={name}."
            )
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise InvalidArgumentError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise InvalidArgumentError(
                f"No such layer: {name}. Existing layers are: {[la.name for la in self.layers]}."
            )
        raise InvalidArgumentError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        """Print a table of the layers, their output shapes and parameter counts."""
        from tinykeras.utils.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    # -- saving (implemented in tinykeras/saving) -------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save to ``.keras`` (Keras 3) or ``.h5`` (legacy), atomically; see saving.save_model."""
        from tinykeras.saving import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights to ``*.weights.h5`` (Keras 3 layout) or a legacy ``*.h5``."""
        from tinykeras.saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights from a ``.keras``, ``.weights.h5`` or legacy ``.h5`` file."""
        from tinykeras.saving import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs) -> str:
        """Return the model's config as JSON (``models.model_from_json`` rebuilds it)."""
        from tinykeras.saving import model_to_json

        return model_to_json(self, **kwargs)

    def get_compile_config(self):
        """Return the serialized compile arguments (None if not compiled)."""
        from tinykeras.saving.compile_config import serialize_compile_config

        return serialize_compile_config(self)

    def compile_from_config(self, config):
        """Compile with the arguments of a ``get_compile_config()`` dict."""
        from tinykeras.saving.compile_config import compile_args

        self.compile(**compile_args(config))

    def get_build_config(self):
        """Return ``{"input_shape": ...}`` once built (None before)."""
        return {"input_shape": list(self._build_shape)} if self.built and self._build_shape \
            else None

    def build_from_config(self, config):
        """Build from a ``get_build_config()`` dict."""
        if config and config.get("input_shape") is not None:
            shape = tuple(config["input_shape"])
            if not type(self).__module__.startswith("tinykeras.") and \
                    _subclass_without_graph(type(self)):
                self._build_once(shape)  # a subclassed model: its call builds its layers
            else:
                self.build(shape)

    def export(self, filepath, format="onnx", **kwargs):
        """Export for inference without Python: ``format="onnx"`` (see tinykeras.export)."""
        if format != "onnx":
            raise InvalidArgumentError(
                f"tinykeras exports only format='onnx'. Received: format={format!r}"
            )
        from tinykeras.export import to_onnx
        from tinykeras.utils.validation import check_path

        if filepath is not None:
            filepath = check_path("filepath", filepath, who="export")
        return to_onnx(self, filepath, **kwargs)

    def _ensure_built(self, x, batch_size=None):
        """Build for ``x`` if needed, and check its shape once, before any batch runs (the
        error shows the first batch's shape, as Keras's does)."""
        user_model = not type(self).__module__.startswith("tinykeras.")
        if not self.built:
            shape = (None,) + tuple(x.shape[1:])
            if user_model and _subclass_without_graph(type(self)):
                # A subclassed model: one call on zeros builds the layers its call uses.
                self._build_once(shape)
            else:
                self.build(shape)
        if user_model and _subclass_without_graph(type(self)):
            return  # its attributes' order says nothing about which layer sees x first
        layers = self.layers
        if layers and layers[0]._input_last_dim is not None:
            rows = len(x) if batch_size is None else min(len(x), batch_size)
            layers[0]._check_input((rows,) + tuple(x.shape[1:]))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _subclass_without_graph(cls) -> bool:
    """True for a user's Model subclass that is neither Sequential nor functional yet."""
    from tinykeras.models.functional import Functional
    from tinykeras.models.sequential import Sequential

    return not issubclass(cls, (Functional, Sequential))


def _graph_arguments(args, kwargs) -> bool:
    """True for ``(inputs, outputs)`` given as symbolic tensors (Keras's functional call)."""
    from tinykeras.layers.keras_tensor import KerasTensor

    inputs = args[0] if args else kwargs.get("inputs")
    outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
    if inputs is None or outputs is None:
        return False
    first = inputs[0] if isinstance(inputs, (list, tuple)) and inputs else inputs
    return isinstance(first, KerasTensor)
