"""``Lambda``: a layer that applies a function made of tinykeras ops (or facade functions).

Saving follows Keras 3's ``config.json`` layout (``function``, ``output_shape``, ``arguments``)
with one rule Keras leaves to ``safe_mode``: a function is saved and loaded by *name* only.
A named function is written as ``{"module": "builtins", "class_name": "function", "config":
"package>name"}``, exactly as Keras 3.15 writes it, and loading finds it among the functions
you registered (``register_keras_serializable``) or passed (``custom_objects``), or among
tinykeras's own: activations, and the ``tf.*`` functions of the facade (``SYMBOLIC_OPS``).
A lambda expression has no name, and Keras's alternative (its marshalled bytecode) is code
from a file, which tinykeras never runs: saving one is refused with the fix, and a Keras
file holding bytecode is refused on load.
"""

import numbers

import numpy as np

from tinykeras.autodiff import Tensor, wrap
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer, so it can sit in a model.

    The function must be built from tinykeras ops (``tinykeras.ops``, ``import tinykeras as
    tf`` functions) so that gradients flow through it. Without ``output_shape`` the output
    shape is found by running the function once on zeros; ``output_shape`` is the shape
    without the batch axis, or a function of the input shape (batch axis included).

    To save the model, give a named function and register it (a lambda expression cannot be
    saved: see the module docstring); ``load_model`` then finds it by name.

    >>> Lambda(lambda x: x * 2)(np.ones((1, 2))).numpy()
    array([[2., 2.]], dtype=float32)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise InvalidArgumentError(
                f"Lambda layer '{self.name}': `function` must be callable. "
                f"Received: function={function!r}"
            )
        if mask is not None:
            raise InvalidArgumentError(
                f"Lambda layer '{self.name}': tinykeras layers carry no masks, so `mask` must "
                f"be None. Received: mask={mask!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise InvalidArgumentError(
                f"Lambda layer '{self.name}': `arguments` must be a dict of keyword arguments "
                f"for the function. Received: arguments={arguments!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        if output_shape is None or callable(output_shape):
            self._fixed_output_shape = output_shape
        else:
            self._fixed_output_shape = tuple(output_shape)

    def call(self, inputs):
        """Return ``function(inputs, **arguments)``."""
        out = self.function(inputs, **self.arguments)
        return out if isinstance(out, Tensor) else wrap(np.asarray(out))

    def compute_output_shape(self, input_shape):
        """The given ``output_shape``, else the shape of the function's output on zeros."""
        if callable(self._fixed_output_shape):
            return tuple(self._fixed_output_shape(input_shape))
        if self._fixed_output_shape is not None:
            return (input_shape[0],) + self._fixed_output_shape
        probe = np.zeros([1 if d is None else d for d in input_shape], dtype=self.dtype)
        out = self.function(wrap(probe), **self.arguments)
        return (input_shape[0],) + tuple(np.shape(out))[1:]

    def get_config(self):
        """Keras 3's config: the function (and a callable ``output_shape``) by name, the
        arguments as JSON (arrays as Keras's ``__numpy__`` dicts)."""
        config = super().get_config()
        config["function"] = _function_to_config(self.function, self.name, "function")
        shape = self._fixed_output_shape
        if callable(shape):
            config["output_shape"] = _function_to_config(shape, self.name, "output_shape")
        elif shape is not None:
            config["output_shape"] = list(shape)
        config["arguments"] = {k: _argument_to_config(v, self.name, k)
                               for k, v in self.arguments.items()}
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from a tinykeras or Keras 3 config, finding functions by name only."""
        config = dict(config)
        name = config.get("name", "lambda")
        # Keras 2 (tf.keras, legacy .h5) wrote "function_type": "lambda" beside the bytecode
        # and "function" beside a name, with the defining module; the module is never used.
        for what in ("function", "output_shape"):
            kind = config.pop(f"{what}_type" if what == "function" else "output_shape_type",
                              None)
            config.pop("module" if what == "function" else "output_shape_module", None)
            if kind == "lambda":
                config[what] = {"class_name": "__lambda__"}
        config["function"] = _function_from_config(config.get("function"), name, "function")
        shape = config.get("output_shape")
        if isinstance(shape, (dict, str)):
            config["output_shape"] = _function_from_config(shape, name, "output_shape")
        arguments = config.get("arguments")
        if isinstance(arguments, dict):
            config["arguments"] = {k: _argument_from_config(v) for k, v in arguments.items()}
        return super().from_config(config)


def _function_to_config(fn, layer, what):
    """Keras 3.15's dict for a named function, or the refusal that says how to name it."""
    from tinykeras.utils.serialization import get_registered_name

    name = getattr(fn, "__name__", None)
    if name == "<lambda>" or not isinstance(name, str):
        kind = "a lambda expression" if name == "<lambda>" else (
            f"a callable {type(fn).__name__} object without a name")
        raise NotImplementedError(
            f"Lambda layer '{layer}': its `{what}` is {kind}, which cannot be saved: a model "
            "file names its functions, and the only other way (Keras stores the bytecode) would "
            "make loading run code from the file, which tinykeras never does. Fix: define it as "
            "a named function and register it, e.g.\n"
            "    @tinykeras.saving.register_keras_serializable(package='my_project')\n"
            "    def double(x):\n"
            "        return x * 2\n"
            "and build the layer as Lambda(double); load_model then finds it by name (or pass "
            "custom_objects={'double': double} to load_model). Constants go in "
            "Lambda(fn, arguments={...}).")
    # Keras writes "builtins" as the module of every function, registered or not. A tf.*
    # function applied to a symbolic tensor is named as TensorFlow spells it.
    name = getattr(fn, "_tf_op_name", None) or get_registered_name(fn)
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def _function_from_config(config, layer, what):
    """The function a config names: the user's (registered or in ``custom_objects``), else a
    tinykeras activation of that name. Bytecode (Keras's ``__lambda__``) is refused."""
    from tinykeras import activations
    from tinykeras.saving.config import FileFormatError, short_repr
    from tinykeras.utils.serialization import custom_objects_in_scope

    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        raise FileFormatError(
            f"Lambda layer '{layer}': this file stores its `{what}` as Python bytecode (Keras "
            "saved a lambda expression). tinykeras never runs code from a file, whatever "
            "safe_mode says. Fix: where the model is built, replace the lambda with a named "
            "function registered with @keras.saving.register_keras_serializable() (or "
            "tinykeras.saving's), save again, and load with that function registered or in "
            "custom_objects; or build the model in code and use load_weights.")
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    if not isinstance(config, str):
        raise FileFormatError(f"Lambda layer '{layer}': `{what}` must name a function. "
                              f"Received: {short_repr(config)}")
    from tinykeras.facade import SYMBOLIC_OPS

    user = custom_objects_in_scope()
    fn = user.get(config)
    if fn is None and ">" not in config:
        fn = activations.ALL_OBJECTS.get(config) or SYMBOLIC_OPS.get(config)
    if fn is None or not callable(fn):
        short = config.rsplit(">", 1)[-1]
        raise FileFormatError(
            f"Lambda layer '{layer}': unknown {what} {config!r}. tinykeras loads a Lambda's "
            "function by name only, from the functions you allow: register it with "
            "@tinykeras.saving.register_keras_serializable("
            + (f"package={config.rsplit('>', 1)[0]!r}" if ">" in config else "")
            + f") on `def {short}(...)`, or pass custom_objects={{{config!r}: {short}}}.")
    return fn


def _argument_to_config(value, layer, key):
    """A JSON value for ``arguments[key]``: numbers, strings, lists, dicts; arrays as Keras's
    ``{"class_name": "__numpy__", ...}``."""
    if isinstance(value, Tensor):
        value = value.value
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "fiub":
        return {"class_name": "__numpy__",
                "config": {"value": np.asarray(value).tolist(), "dtype": str(value.dtype)}}
    if value is None or isinstance(value, (str, bool, numbers.Number)):
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(value, (list, tuple)):
        return [_argument_to_config(v, layer, key) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _argument_to_config(v, layer, key) for k, v in value.items()}
    raise NotImplementedError(
        f"Lambda layer '{layer}': argument {key!r} is {type(value).__name__}, which a model "
        "file cannot hold. Arguments are saved as JSON: use numbers, strings, lists, dicts or "
        "NumPy arrays.")


def _argument_from_config(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        from tinykeras.saving.config import FileFormatError

        inner = value.get("config") if isinstance(value.get("config"), dict) else {}
        try:
            dtype = np.dtype(inner.get("dtype", "float32"))
            if dtype.kind not in "fiub":  # data only: no object or string arrays
                raise ValueError(f"dtype {dtype} is not numeric")
            return np.asarray(inner["value"], dtype=dtype)
        except (KeyError, TypeError, ValueError) as exc:
            raise FileFormatError(f"A Lambda argument array could not be read: {exc}") from exc
    if isinstance(value, dict):
        return {k: _argument_from_config(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_argument_from_config(v) for v in value]
    return value
