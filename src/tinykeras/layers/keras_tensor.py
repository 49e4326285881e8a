"""``KerasTensor``: a symbolic tensor (shape and dtype, no values) for building models."""

from tinykeras.autodiff.tensor import TensorShape
from tinykeras.errors import InvalidArgumentError


class KerasTensor:
    """The symbolic output of ``Input`` or of a layer called on one: a shape with ``None``
    for the batch axis, a dtype, and the layer that produced it."""

    def __init__(self, shape, dtype="float32", name=None, layer=None):
        self._shape = TensorShape(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self.layer = layer  # the layer whose output this is (its InputLayer for Input)
        self.node = None  # the Node (layer call) that made it; set by that call

    @property
    def shape(self) -> TensorShape:
        """The shape, batch axis included (``(None, 400)``); has ``as_list()``."""
        return self._shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self._shape)

    def numpy(self):
        """Symbolic tensors have no value; raise a clear error."""
        raise InvalidArgumentError(
            f"KerasTensor {self.name!r} is symbolic: it has a shape {tuple(self._shape)} but no "
            "value. Call the model or layer on a NumPy array to get numbers."
        )

    # Arithmetic records an operation node, as Keras 3 does (layers/symbolic_ops.py). NumPy
    # must not broadcast an array over a KerasTensor element by element: it defers to these.
    __array_ufunc__ = None

    def _op(self, name, symbol, *args):
        from tinykeras.layers import symbolic_ops

        return symbolic_ops.apply(symbolic_ops.OP_CLASSES[name], symbol, *args)

    def __add__(self, other):
        return self._op("Add", "+", self, other)

    def __radd__(self, other):
        return self._op("Add", "+", other, self)

    def __sub__(self, other):
        return self._op("Subtract", "-", self, other)

    def __rsub__(self, other):
        return self._op("Subtract", "-", other, self)

    def __mul__(self, other):
        return self._op("Multiply", "*", self, other)

    def __rmul__(self, other):
        return self._op("Multiply", "*", other, self)

    def __truediv__(self, other):
        return self._op("TrueDivide", "/", self, other)

    def __rtruediv__(self, other):
        return self._op("TrueDivide", "/", other, self)

    def __pow__(self, other):
        return self._op("Power", "**", self, other)

    def __rpow__(self, other):
        return self._op("Power", "**", other, self)

    def __neg__(self):
        return self._op("Negative", "-", self)

    def __abs__(self):
        return self._op("Absolute", "abs", self)

    def __repr__(self):
        return f"<KerasTensor shape={tuple(self._shape)}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One call of a layer on symbolic tensors: the edge of a functional model's graph.

    ``inputs`` are the KerasTensors it was called on (empty for an ``Input``), ``outputs`` the
    ones it made; ``index`` is its position in ``layer._inbound_nodes`` (Keras's node index).
    """

    def __init__(self, layer, inputs, outputs, multi_input=False):
        self.layer = layer
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.multi_input = multi_input  # the layer took a list of tensors (Dot, Concatenate)
        # An operation's arguments in call order, numbers included (``y + 1.0``); None for a
        # layer call, whose arguments are ``inputs``.
        self.arguments = None
        nodes = layer.__dict__.setdefault("_inbound_nodes", [])
        self.index = len(nodes)
        nodes.append(self)
        for out in self.outputs:
            out.node = self
