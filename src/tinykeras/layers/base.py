"""The ``Layer`` base class: lazy build, named weights, input checks and configs."""

import inspect

from tinykeras import debugging, initializers, regularizers
from tinykeras.autodiff import Tensor, Variable, ops, wrap
from tinykeras.autodiff import plan as _plan
from tinykeras.backend import floatx, standardize_dtype, xp
from tinykeras.backend.limits import charge_weight
from tinykeras.errors import InvalidArgumentError, InvalidTypeError, NonFiniteValueError
from tinykeras.layers import tracking
from tinykeras.layers.keras_tensor import KerasTensor, Node
from tinykeras.utils import validation
from tinykeras.utils.naming import to_snake_case, unique_name
from tinykeras.utils.serialization import drop_unknown_keys

_BASE_KWARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape",
                "batch_size", "autocast")


class Layer:
    """Base class of all layers.

    ``__init__`` only validates and stores the configuration; ``build(input_shape)`` creates
    the weights the first time the layer sees an input shape; ``call(inputs)`` computes the
    output with tinykeras ops, so that the backward pass comes for free.

    Args:
        name: the layer name (default: the snake-case class name, made unique: ``dense_1``).
        trainable: whether the layer's weights are updated by ``fit``.
        dtype: the dtype of weights and computations (default: ``floatx()``).
        input_shape / input_dim: the Keras-2 way to give the first layer its input shape.
    """

    # The keywords **kwargs may carry, for configs (see utils.serialization.accepted_kwargs).
    _extra_config_keys = _BASE_KWARGS

    def __init__(self, *, name=None, trainable=True, dtype=None, **kwargs):
        unknown = set(kwargs) - set(_BASE_KWARGS)
        if unknown:
            raise InvalidArgumentError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if name is not None and not isinstance(name, str):
            raise InvalidArgumentError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        if isinstance(dtype, dict):  # a serialized DTypePolicy
            dtype = dtype.get("config", {}).get("name", None)
        self.dtype = standardize_dtype(dtype) if dtype is not None else floatx()
        self._np_dtype = xp.dtype(self.dtype)
        self.built = False
        self._weights: list[Variable] = []
        self._input_last_dim = None  # the input size pinned by build (Keras's InputSpec)
        self._build_shape = None
        self._output_shape = None
        self._call_takes_training = "training" in inspect.signature(self.call).parameters
        self._batch_input_shape = _legacy_input_shape(kwargs)

    # -- building --------------------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (the base layer has none)."""
        self.built = True

    def _build_once(self, input_shape):
        input_shape = tuple(input_shape)
        self.build(input_shape)
        self.built = True
        self._build_shape = input_shape
        out = self.compute_output_shape(input_shape)
        self._output_shape = [tuple(o) for o in out] if out and isinstance(
            out[0], (list, tuple)) else tuple(out)

    def _unbuild(self):
        """Forget a build that failed part way (its weights, shapes and built flag)."""
        dropped = {id(w) for w in self._weights}
        for attr, value in list(vars(self).items()):
            if isinstance(value, Variable) and id(value) in dropped:
                setattr(self, attr, None)
        self._weights = []
        self.built = False
        self._input_last_dim = None
        self._build_shape = None
        self._output_shape = None

    def compute_output_shape(self, input_shape):
        """Return the output shape for ``input_shape``: the same shape for tinykeras's own
        layers; a user's layer runs its ``call`` once on zeros to find it, as Keras infers it
        symbolically (layers/tracking.py)."""
        if type(self).__module__.startswith("tinykeras."):
            return tuple(input_shape)
        return tracking.infer_output_shape(self, input_shape)

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None):
        """Create, track and return a Variable initialized by ``initializer``."""
        shape = tuple(int(d) for d in (shape or ()))
        dtype = standardize_dtype(dtype) if dtype is not None else self.dtype
        charge_weight(shape, self.name)  # bounded while loading a file (backend/limits.py)
        init = initializers.get(initializer)
        var = Variable(init(shape, dtype=dtype), dtype=dtype, trainable=trainable, name=name)
        var.path = f"{self.name}/{name}"
        var.regularizer = regularizers.get(regularizer)
        var.constraint = constraint
        self._weights.append(var)
        return var

    def __setattr__(self, name, value):
        # Sublayers and metrics assigned as attributes are tracked, as in Keras 3: their
        # weights become this layer's (layers/tracking.py).
        if isinstance(value, (Layer, list, tuple)) or name in self.__dict__.get("_tracked", ()):
            tracking.track(self, name, value)
        elif type(value).__module__ != "builtins" and hasattr(value, "update_state"):
            tracking.track(self, name, value)
        object.__setattr__(self, name, value)

    def add_loss(self, loss):
        """Add a scalar loss (e.g. an activity penalty) to this forward pass; ``fit`` adds it
        to the training loss, and ``layer.losses`` lists it until the next call."""
        tracking.add_loss(self, loss)

    # -- calling ---------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        """Build on first use, check the input, and return ``call(inputs)`` as a Tensor."""
        if tracking._any_added[0]:  # added losses belong to the outermost call: see tracking
            with tracking.entering(self):
                return self._call(inputs, training, **kwargs)
        return self._call(inputs, training, **kwargs)

    def _call(self, inputs, training=None, **kwargs):
        if isinstance(inputs, KerasTensor) or _is_symbolic_list(inputs):
            return self._symbolic_call(inputs)
        if isinstance(inputs, (list, tuple)):  # several inputs (a subclassed layer's own call)
            inputs = type(inputs)(i if isinstance(i, Tensor) else ops.convert_to_tensor(i)
                                  for i in inputs)
            if not self.built:
                self._build_once([(None,) + tuple(i.value.shape[1:]) for i in inputs])
            if self._call_takes_training:
                return self.call(inputs, training=bool(training), **kwargs)
            return self.call(inputs, **kwargs)
        if not isinstance(inputs, Tensor):
            inputs = wrap(_to_array(inputs, self._np_dtype, self.name))
        elif inputs.value.dtype != self._np_dtype and inputs.value.dtype.kind in "biuf":
            inputs = ops.cast(inputs, self.dtype)  # Keras autocasts inputs to the layer dtype
        if not self.built:
            self._build_once((None,) + tuple(inputs.value.shape[1:]))
        last = self._input_last_dim
        if last is not None and (inputs.value.ndim < 2 or inputs.value.shape[-1] != last):
            self._check_input(inputs.value.shape)
        try:
            if self._call_takes_training:
                return self.call(inputs, training=bool(training), **kwargs)
            return self.call(inputs, **kwargs)
        except NonFiniteValueError as err:  # check_numerics: say which layer (free otherwise)
            debugging.name_layer(err, self.name)
            raise

    def call(self, inputs):
        """Compute the output (the base layer is the identity)."""
        return inputs

    def _symbolic_call(self, inputs) -> KerasTensor:
        """Called on symbolic tensors (one, or a list for merging layers): build, check the
        shape, and return a symbolic output linked to its inputs by a ``Node``."""
        multi = isinstance(inputs, (list, tuple))
        shape = [tuple(t.shape) for t in inputs] if multi else tuple(inputs.shape)
        if not self.built:
            self._build_once(shape)
        if not multi:
            self._check_input(shape)
        out = KerasTensor(self.compute_output_shape(shape), dtype=self.dtype,
                          name=self.name, layer=self)
        Node(self, inputs if multi else [inputs], [out], multi_input=multi)
        self._symbolic_output = out
        return out

    def _check_input(self, shape):
        if len(shape) < 2 and self._input_last_dim is not None:
            raise InvalidArgumentError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"min_ndim=2, found ndim={len(shape)}. Full shape received: {tuple(shape)}"
            )
        if self._input_last_dim is not None and shape[-1] != self._input_last_dim:
            raise InvalidArgumentError(
                f"Input 0 of layer '{self.name}' is incompatible with the layer: expected "
                f"axis -1 of input shape to have value {self._input_last_dim}, but received "
                f"input with shape {_shape_str(shape)}"
            )

    # -- weights ---------------------------------------------------------------------------------
    @property
    def weights(self) -> list:
        """All weights, trainable first (Keras order)."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self) -> list:
        """The weights that ``fit`` updates: this layer's, then its sublayers'."""
        if not self.trainable:
            return []
        own = [w for w in self._weights if w.trainable]
        return own + [w for sub in tracking.sublayers(self) for w in sub.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        """The weights that ``fit`` leaves alone: this layer's, then its sublayers'."""
        subs = tracking.sublayers(self)
        if not self.trainable:
            return list(self._weights) + [w for sub in subs for w in sub.weights]
        own = [w for w in self._weights if not w.trainable]
        return own + [w for sub in subs for w in sub.non_trainable_weights]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights
    variables = weights

    def get_weights(self) -> list:
        """Return copies of the weights as NumPy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays (count, shapes, numbers and finiteness are
        all checked first, so a bad list changes nothing)."""
        for var, value in self._checked_weights(weights):
            var.assign(value.astype(var.value.dtype, copy=False))

    def _checked_weights(self, weights, first_index=0) -> list:
        """Return ``[(variable, array)]`` for ``weights`` after checking every array."""
        params = self.weights
        weights = _weight_list(weights, f"layer '{self.name}'")
        if len(params) != len(weights):
            raise InvalidArgumentError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights."
            )
        return [(var, _weight_array(value, var, first_index + i, self.name))
                for i, (var, value) in enumerate(zip(params, weights))]

    def count_params(self) -> int:
        """Return the number of scalars in the layer's weights."""
        return int(sum(w.value.size for w in self.weights))

    @property
    def losses(self) -> list:
        """The regularization penalties of this layer's weights and the losses ``add_loss``
        added in the last call, with its sublayers', as scalar Tensors."""
        own = [w.regularizer(w) for w in self._weights if w.regularizer is not None]
        subs = tracking.sublayers(self)
        if not subs and not tracking.any_added():
            return own
        return (own + [p for sub in subs for p in sub.losses]
                + list(self.__dict__.get("_added_losses", ())))

    # -- shapes ----------------------------------------------------------------------------------
    @property
    def output(self) -> KerasTensor:
        """The symbolic output (shape with ``None`` batch axis), once the layer is built."""
        out = getattr(self, "_symbolic_output", None)
        if out is None:
            if self._output_shape is None:
                raise AttributeError(
                    f"Layer '{self.name}' has never been called and thus has no defined output."
                )
            out = KerasTensor(self._output_shape, dtype=self.dtype, name=self.name, layer=self)
        return out

    @property
    def input(self) -> KerasTensor:
        """The symbolic input, once the layer is built."""
        if self._build_shape is None:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no defined input."
            )
        return KerasTensor(self._build_shape, dtype=self.dtype, name=f"{self.name}_input")

    @property
    def output_shape(self):
        """The output shape, batch axis as ``None``."""
        return self.output.shape

    @property
    def input_shape(self):
        """The input shape, batch axis as ``None``."""
        return self.input.shape

    # -- configs ---------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Return the constructor arguments, as Keras writes them in ``config.json``."""
        return {"name": self.name, "trainable": self.trainable, "dtype": dtype_policy(self.dtype)}

    @classmethod
    def from_config(cls, config):
        """Create a layer from ``get_config()`` output; keys this class does not take (added
        by newer Keras versions) are dropped, with a warning when their value matters."""
        if not cls.__module__.startswith("tinykeras."):
            return cls(**config)  # a user's class gets its config as is, as in Keras
        return cls(**drop_unknown_keys(cls, config, f"{cls.__name__} config"))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _is_symbolic_list(inputs) -> bool:
    return type(inputs) in (list, tuple) and bool(inputs) and all(
        isinstance(t, KerasTensor) for t in inputs)


def dtype_policy(dtype: str) -> dict:
    """Return Keras's serialized DTypePolicy for ``dtype``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def _weight_list(weights, who) -> list:
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise InvalidTypeError(
            f"`set_weights` on {who} takes a list of arrays (as `get_weights()` returns). "
            f"Received: {validation.show(weights)} of type {type(weights).__name__}"
        )
    return list(weights)


def _weight_array(value, var, index, layer):
    """One array for ``set_weights``: present, numeric, of the variable's shape, finite."""
    if value is None:
        raise InvalidArgumentError(
            f"`set_weights`: weight {index} (layer '{layer}', '{var.name}') is None; expected "
            f"an array of shape {var.value.shape}."
        )
    try:
        array = xp.asarray(value.value if isinstance(value, Tensor) else value)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(
            f"`set_weights`: weight {index} (layer '{layer}', '{var.name}') is not an array: "
            f"{exc}"
        ) from None
    if array.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"`set_weights`: weight {index} (layer '{layer}', '{var.name}') must be numeric. "
            f"Received an array of dtype {array.dtype}."
        )
    if array.shape != var.value.shape:
        raise InvalidArgumentError(
            f"Layer '{layer}' weight shape {var.value.shape} is not compatible with provided "
            f"weight shape {array.shape}."
        )
    validation.check_finite(f"weights[{index}]", array, who=f"set_weights on layer '{layer}'")
    return array


def _legacy_input_shape(kwargs):
    batch = validation.check_int("batch_size", kwargs.get("batch_size"), low=1, allow_none=True)
    if kwargs.get("batch_input_shape") is not None:
        return validation.check_shape("batch_input_shape", kwargs["batch_input_shape"],
                                      batch=True)
    if kwargs.get("input_shape") is not None:
        return (batch,) + validation.check_shape("input_shape", kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (batch, validation.check_int("input_dim", kwargs["input_dim"], low=1))
    return None


def _to_array(x, dtype, who):
    """Convert a layer input to a NumPy array of the layer dtype, with a clear error."""
    arr = xp.asanyarray(x)  # keeps a traced batch marked (autodiff/plan.py)
    if arr.dtype.kind not in "biuf":
        raise InvalidArgumentError(
            f"Layer '{who}' expects numeric input. Received an array of dtype {arr.dtype}"
            + (f" such as {arr.flat[0]!r}." if arr.size else ".")
        )
    if arr.dtype != dtype:
        if _plan.ACTIVE:  # a traced batch: cast by an op, so the replay casts each batch
            return ops.cast(arr, dtype).value
        arr = arr.astype(dtype)
    return arr


def _shape_str(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")"
    )
