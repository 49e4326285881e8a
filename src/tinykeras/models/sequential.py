"""``Sequential``: a plain stack of layers, each feeding the next."""

from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.layers.base import Layer
from tinykeras.layers.input_layer import InputLayer
from tinykeras.layers.keras_tensor import KerasTensor
from tinykeras.models.model import Model
from tinykeras.utils import validation


class Sequential(Model):
    """A model whose layers run one after the other.

    Starting with ``Input(shape=...)`` (or a first layer given ``input_shape``/``input_dim``)
    builds the weights at once; otherwise they are built by the first call or ``fit``.

    >>> from tinykeras.layers import Dense, Input
    >>> model = Sequential([Input(shape=(400,)), Dense(25, activation="sigmoid")])
    >>> model.layers[0].kernel.shape
    (400, 25)
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._layers: list[Layer] = []
        self._plain_layers: list[Layer] = []
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise InvalidTypeError(
                f"Argument `layers` of Sequential must be a list of layers, such as "
                f"[Input(shape=(4,)), Dense(1)]. Received: layers={layers!r}"
            )
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Append a layer (or an ``Input`` tensor as the first element)."""
        if isinstance(layer, KerasTensor):
            if not isinstance(layer.layer, InputLayer) or self._layers:
                raise InvalidArgumentError(
                    "Only an `Input()` tensor can be added to a Sequential model, and only as "
                    f"its first element. Received: {layer!r}"
                )
            layer = layer.layer
        if isinstance(layer, type) and issubclass(layer, Layer):
            raise InvalidTypeError(
                f"Sequential.add received the class {layer.__name__}, not a layer. Create the "
                f"layer first: {layer.__name__}(...)."
            )
        if not isinstance(layer, Layer):
            raise InvalidArgumentError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._layers:
            raise InvalidArgumentError(
                f"Sequential model '{self.name}' has already been configured to use an input; "
                "an InputLayer can only be its first layer."
            )
        if any(existing.name == layer.name for existing in self._layers):
            raise InvalidArgumentError(
                "All layers added to a Sequential model should have unique names. Name "
                f"'{layer.name}' is already the name of a layer in this model. Update the "
                "`name` argument to pass a unique name."
            )
        if not self._layers and not isinstance(layer, InputLayer):
            legacy = getattr(layer, "_batch_input_shape", None)
            if legacy is not None:  # Dense(..., input_dim=...) as the first layer
                self._layers.append(InputLayer(batch_shape=legacy, dtype=layer.dtype))
        self._layers.append(layer)
        self._sync_layers()
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self):
        """Remove and return the last layer."""
        layer = self.layers[-1] if self.layers else None
        if layer is None:
            raise IndexError("There are no layers in the model.")
        self._layers.remove(layer)
        self._sync_layers()
        self.built = False
        self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._layers and isinstance(self._layers[0], InputLayer) and len(self._layers) > 1:
            self.build(self._layers[0].batch_shape)

    @property
    def layers(self) -> list:
        """The layers in order, without the input layer."""
        return self._plain_layers

    def _sync_layers(self):
        # Cached because ``layers`` is read on every forward pass; called after every change.
        self._plain_layers = [la for la in self._layers if not isinstance(la, InputLayer)]

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (batch axis included)."""
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                raise InvalidArgumentError(
                    f"Sequential model '{self.name}' cannot be built: pass `input_shape` or "
                    "start the model with `Input(shape=...)`."
                )
        input_shape = validation.check_shape("input_shape", input_shape, batch=True,
                                             who=f"Sequential model '{self.name}'")
        if self.built and self._build_shape is not None:
            if tuple(self._build_shape[1:]) == input_shape[1:]:
                return  # course tests call build() on models that are already built
        saved = list(self._layers), [layer.built for layer in self.layers]
        try:
            if not self._layers or not isinstance(self._layers[0], InputLayer):
                self._layers.insert(0, InputLayer(batch_shape=(None,) + input_shape[1:],
                                                  dtype=self.dtype))
                self._sync_layers()
            x = self._layers[0].output
            for layer in self.layers:
                x = layer(x)
        except Exception:
            # A layer refused the shape: undo the partial build, so the model stays usable.
            self._layers = saved[0]
            self._sync_layers()
            for layer, was_built in zip(self.layers, saved[1]):
                if not was_built:
                    layer._unbuild()
            raise
        self._build_shape = tuple(self._layers[0].batch_shape)
        self._output_shape = tuple(x.shape)
        self.built = True

    def call(self, inputs, training=False):
        """Run the layers in order."""
        layers = self.layers
        x = inputs
        for layer in layers:
            x = layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        """Chain each layer's output shape."""
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    @property
    def input(self):
        """The symbolic input tensor (shape ``(None, features)``)."""
        if not self._layers or not isinstance(self._layers[0], InputLayer):
            raise AttributeError(
                f"Sequential model '{self.name}' has no defined input yet: it is not built."
            )
        return self._layers[0].output

    @property
    def output(self):
        """The symbolic output tensor of the last layer."""
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output yet.")
        return self.layers[-1].output

    @property
    def inputs(self) -> list:
        """``[model.input]``."""
        return [self.input]

    @property
    def outputs(self) -> list:
        """``[model.output]``."""
        return [self.output]

    def get_config(self):
        """Return the config Keras writes for a Sequential model."""
        from tinykeras.saving.config import serialize_layer

        config = {**Layer.get_config(self),
                  "layers": [serialize_layer(la) for la in self._layers]}
        if self._layers and isinstance(self._layers[0], InputLayer):
            config["build_input_shape"] = list(self._layers[0].batch_shape)
        elif self.built and self._build_shape is not None:
            config["build_input_shape"] = list(self._build_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Create a Sequential model from ``get_config()`` output (Keras 3 or Keras 2)."""
        from tinykeras.saving.config import check_shape, deserialize_layer

        if isinstance(config, list):  # Keras 2.0-2.2 wrote the bare list of layers
            config = {"layers": config}
        layer_configs = config.get("layers") or []
        if not isinstance(layer_configs, list):
            raise InvalidArgumentError(f"Sequential config: 'layers' must be a list. "
                             f"Received: {type(layer_configs).__name__}")
        layers = [deserialize_layer(c, custom_objects) for c in layer_configs]
        model = cls(name=config.get("name"), trainable=config.get("trainable", True),
                    dtype=config.get("dtype"))
        for layer in layers:
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        shape = config.get("build_input_shape")
        if not model.built and shape is not None and model.layers:
            model.build(check_shape(shape, f"Sequential '{model.name}' build_input_shape"))
        return model
