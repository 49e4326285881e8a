"""Arithmetic on symbolic tensors: ``y + 1.0``, ``y * y``, ``-y`` while building a model.

Keras 3 turns each operator applied to a ``KerasTensor`` into an operation node of the graph
(class ``Add``, ``Multiply``... of ``keras.src.ops.numpy``, named ``add``, ``multiply``...);
the summary lists it as a layer, and a ``.keras`` file stores it with its call's arguments
(tensors and Python numbers), which Keras loads back. tinykeras does the same with the small
``OpLayer`` classes here: weightless layers whose call applies the tinykeras op (so the tape
differentiates it and trace-and-replay records it like any other op).
"""

import numbers

import numpy as np

from tinykeras.autodiff import math_ops
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers.base import Layer
from tinykeras.layers.keras_tensor import KerasTensor, Node

KERAS_MODULE = "keras.src.ops.numpy"  # where Keras's classes of these operations live


class OpLayer(Layer):
    """One arithmetic operation in a functional graph; its arguments are symbolic tensors
    and Python numbers, in the order the operator received them."""

    _fn = None  # the tinykeras op

    def __init__(self, name=None, **kwargs):
        from tinykeras.utils.naming import unique_name

        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name or unique_name(_snake(type(self).__name__)), **kwargs)
        self.built = True

    def call(self, *args):
        """Apply the operation to Tensors (and numbers)."""
        return type(self)._fn(*args)

    def symbolic(self, *args) -> KerasTensor:
        """Record this operation on symbolic ``args`` as a node; return its symbolic output."""
        tensors = [a for a in args if isinstance(a, KerasTensor)]
        shapes = [tuple(a.shape) if isinstance(a, KerasTensor) else () for a in args]
        shape = _broadcast(shapes, f"operation '{self.name}'")
        dtype = tensors[0].dtype
        out = KerasTensor(shape, dtype=dtype, name=self.name, layer=self)
        node = Node(self, tensors, [out])
        node.arguments = list(args)  # the call as made: tensors and numbers in their places
        self._build_shape = tuple(tensors[0].shape)
        self._output_shape = shape
        self._symbolic_output = out
        return out

    def get_config(self):
        """Keras's config of an operation: its name."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        """Rebuild the operation from ``get_config()`` output."""
        return cls(name=config.get("name"))


def _snake(name):
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower()
                   for i, c in enumerate(name))


def _make(name, fn):
    cls = type(name, (OpLayer,), {"_fn": staticmethod(fn),
                                  "__doc__": f"Keras's ``{name}`` operation on symbolic tensors."})
    cls.__module__ = __name__
    return cls


Add = _make("Add", math_ops.add)
Subtract = _make("Subtract", math_ops.subtract)
Multiply = _make("Multiply", math_ops.multiply)
TrueDivide = _make("TrueDivide", math_ops.divide)
Power = _make("Power", math_ops.power)
Negative = _make("Negative", math_ops.negative)
Absolute = _make("Absolute", math_ops.abs)
OP_CLASSES = {cls.__name__: cls for cls in (Add, Subtract, Multiply, TrueDivide, Power,
                                            Negative, Absolute)}


def apply(cls, symbol, *args):
    """``symbol`` (an operator such as ``+``) applied to ``args``, at least one of them a
    KerasTensor: a new node of class ``cls``; numbers are the only other operands."""
    for a in args:
        if not isinstance(a, KerasTensor) and (
                isinstance(a, bool) or not isinstance(a, (numbers.Real, np.number))):
            raise InvalidArgumentError(
                f"Operator `{symbol}` on a symbolic tensor: the other operand must be a "
                f"symbolic tensor or a Python number. Received: {type(a).__name__} "
                f"{_short(a)}. For a constant array, make it a layer's weight (a Layer "
                "subclass), or use a merging layer (layers.Add, layers.Multiply) on two "
                "symbolic tensors."
            )
    args = [a if isinstance(a, KerasTensor) else a.item() if isinstance(a, np.number) else a
            for a in args]
    # Shapes checked before the operation exists (a refusal leaves no half-made node).
    _broadcast([tuple(a.shape) if isinstance(a, KerasTensor) else () for a in args],
               f"operator `{symbol}`")
    return cls().symbolic(*args)


def _short(a):
    text = repr(a)
    return text if len(text) <= 60 else text[:57] + "..."


def _broadcast(shapes, name):
    """NumPy's broadcast of shapes that may hold None (unknown, the batch axis)."""
    ndim = max(len(s) for s in shapes)
    out = []
    for axis in range(ndim):
        dims = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0}
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise InvalidArgumentError(
                f"{name[0].upper()}{name[1:]}: the operands' shapes "
                f"{[tuple(s) for s in shapes]} do not broadcast together. Give the operands "
                "equal shapes (or 1 where one is repeated), for example with a Dense layer "
                "of the right size first."
            )
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1 if dims else None)
    return tuple(out)
