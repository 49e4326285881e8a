"""ONNX export: each layer becomes a few standard ONNX operators (opset 17), so onnxruntime,
or any ONNX runtime, computes the same predictions without Python.

``EXPORTERS`` maps a layer class name to ``fn(graph, layer, input_names) -> output name``;
a new layer plugs in with ``register_onnx_exporter``. A layer without one (``Lambda`` holds
arbitrary Python) is refused with an error that names it.
"""

import numpy as np

from tinykeras import activations
from tinykeras.backend import epsilon
from tinykeras.errors import InvalidArgumentError
from tinykeras.saving.atomic import atomic_write_bytes

OPSET = 17
IR_VERSION = 8  # understood by every onnxruntime since 1.10
EXPORTERS: dict = {}


def register_onnx_exporter(class_name: str):
    """Decorator: ``fn(graph, layer, inputs) -> output name`` exports layers of ``class_name``."""
    def decorator(fn):
        EXPORTERS[class_name] = fn
        return fn
    return decorator


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'tinykeras[onnx]' "
                          "(or pip install onnx).") from None
    return onnx


class Graph:
    """The ONNX graph being built: nodes, constant initializers and unique value names."""

    def __init__(self, dtype):
        self.onnx = _onnx()
        self.dtype = np.dtype(dtype)
        self.nodes, self.initializers, self._count = [], [], 0

    def name(self, base: str) -> str:
        """Return a fresh value name."""
        self._count += 1
        return f"{base}_{self._count}"

    def const(self, value, base="const", dtype=None) -> str:
        """Add a constant tensor; return its name."""
        name = self.name(base)
        array = np.asarray(value, dtype=dtype or self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs, base=None, **attrs) -> str:
        """Add one node with a single output; return the output's name."""
        out = self.name(base or op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out


# -- activations -----------------------------------------------------------------------------------
def _activation(graph: Graph, fn, x: str, who: str) -> str:
    a = activations
    simple = {a.relu: "Relu", a.sigmoid: "Sigmoid", a.tanh: "Tanh", a.softplus: "Softplus",
              a.softsign: "Softsign", a.exponential: "Exp"}
    if fn is a.linear or fn is None:
        return x
    if fn in simple:
        return graph.op(simple[fn], [x])
    if fn is a.softmax:
        return graph.op("Softmax", [x], axis=-1)
    if fn is a.log_softmax:
        return graph.op("LogSoftmax", [x], axis=-1)
    if fn is a.elu:
        return graph.op("Elu", [x], alpha=1.0)
    if fn is a.selu:  # Keras's constants
        return graph.op("Selu", [x], alpha=1.6732632423543772, gamma=1.0507009873554805)
    if fn is a.leaky_relu:
        return graph.op("LeakyRelu", [x], alpha=0.2)
    if fn is a.relu6:
        return graph.op("Clip", [x, graph.const(0.0), graph.const(6.0)])
    if fn is a.hard_sigmoid:  # Keras 3: relu6(x + 3) / 6
        return graph.op("HardSigmoid", [x], alpha=1 / 6, beta=0.5)
    if fn is a.silu:
        return graph.op("Mul", [x, graph.op("Sigmoid", [x])])
    if fn is a.gelu:  # the exact (erf) form, Keras's default
        inner = graph.op("Erf", [graph.op("Div", [x, graph.const(np.sqrt(2.0))])])
        half = graph.op("Mul", [x, graph.const(0.5)])
        return graph.op("Mul", [half, graph.op("Add", [inner, graph.const(1.0)])])
    if fn is a.mish:
        return graph.op("Mul", [x, graph.op("Tanh", [graph.op("Softplus", [x])])])
    raise InvalidArgumentError(
        f"Layer '{who}': activation {getattr(fn, '__name__', fn)!r} has no ONNX "
        "export. Use a built-in activation, or register an exporter.")


# -- layers ----------------------------------------------------------------------------------------
@register_onnx_exporter("Dense")
def _dense(graph, layer, inputs):
    (x,) = inputs
    y = graph.op("MatMul", [x, graph.const(layer.kernel.value, "kernel")])
    if layer.use_bias:
        y = graph.op("Add", [y, graph.const(layer.bias.value, "bias")])
    return _activation(graph, layer.activation, y, layer.name)


@register_onnx_exporter("Activation")
def _activation_layer(graph, layer, inputs):
    return _activation(graph, layer.activation, inputs[0], layer.name)


@register_onnx_exporter("LeakyReLU")
def _leaky(graph, layer, inputs):
    return graph.op("LeakyRelu", inputs, alpha=float(layer.negative_slope))


@register_onnx_exporter("Normalization")
def _normalization(graph, layer, inputs):
    mean = np.reshape(layer.adapt_mean.value, layer._broadcast[1:])
    std = np.maximum(np.sqrt(np.reshape(layer.adapt_variance.value, layer._broadcast[1:])),
                     epsilon())
    if layer.invert:
        return graph.op("Add", [graph.op("Mul", [inputs[0], graph.const(std)]),
                                graph.const(mean)])
    return graph.op("Div", [graph.op("Sub", [inputs[0], graph.const(mean)]), graph.const(std)])


def _fold(op_type):
    def export(graph, layer, inputs):
        out = inputs[0]
        for other in inputs[1:]:
            out = graph.op(op_type, [out, other])
        return out
    return export


for _name, _op in (("Add", "Add"), ("Multiply", "Mul"), ("Maximum", "Max"),
                   ("Minimum", "Min"), ("Subtract", "Sub")):
    register_onnx_exporter(_name)(_fold(_op))


@register_onnx_exporter("Average")
def _average(graph, layer, inputs):
    return graph.op("Div", [_fold("Add")(graph, layer, inputs), graph.const(len(inputs))])


@register_onnx_exporter("Concatenate")
def _concatenate(graph, layer, inputs):
    return graph.op("Concat", inputs, axis=int(layer.axis))


@register_onnx_exporter("Dot")
def _dot(graph, layer, inputs):
    axes = graph.const([1], "axes", dtype=np.int64)

    def normalized(x):  # x / sqrt(max(sum(x**2), 1e-12)), as layers.merging.l2_normalize
        square_sum = graph.op("ReduceSum", [graph.op("Mul", [x, x]), axes], keepdims=1)
        norm = graph.op("Sqrt", [graph.op("Max", [square_sum, graph.const(1e-12)])])
        return graph.op("Div", [x, norm])

    a, b = inputs
    if layer.normalize:
        a, b = normalized(a), normalized(b)
    return graph.op("ReduceSum", [graph.op("Mul", [a, b]), axes], keepdims=1)


def _identity(graph, layer, inputs):
    return graph.op("Identity", inputs)  # inference: the noise layers do nothing


for _name in ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise"):
    register_onnx_exporter(_name)(_identity)


@register_onnx_exporter("ReLU")
def _relu_layer(graph, layer, inputs):
    # activations.relu's formula, step by step (slope below the threshold, then the cap).
    (x,) = inputs
    slope, cap, threshold = layer.negative_slope, layer.max_value, layer.threshold
    if threshold:
        mask = graph.op("Cast", [graph.op("Greater", [x, graph.const(threshold)])],
                        to=graph.onnx.helper.np_dtype_to_tensor_dtype(graph.dtype))
        out = graph.op("Mul", [x, mask])
    else:
        out = graph.op("Relu", [x])
    if cap is not None:
        out = graph.op("Clip", [out, graph.const(0.0), graph.const(float(cap))])
    if slope:
        shifted = graph.op("Sub", [graph.const(threshold), x]) if threshold else graph.op(
            "Neg", [x])
        negative = graph.op("Mul", [graph.op("Relu", [shifted]), graph.const(slope)])
        out = graph.op("Sub", [out, negative])
    return out


@register_onnx_exporter("ELU")
def _elu_layer(graph, layer, inputs):
    return graph.op("Elu", inputs, alpha=float(layer.alpha))


@register_onnx_exporter("Softmax")
def _softmax_layer(graph, layer, inputs):
    if not isinstance(layer.axis, int):
        raise InvalidArgumentError(
            f"Layer '{layer.name}': ONNX export of Softmax over several axes is "
            "not supported.")
    return graph.op("Softmax", inputs, axis=int(layer.axis))


@register_onnx_exporter("PReLU")
def _prelu(graph, layer, inputs):
    (x,) = inputs  # relu(x) - alpha * relu(-x)
    negative = graph.op("Mul", [graph.const(layer.alpha.value), graph.op(
        "Relu", [graph.op("Neg", [x])])])
    return graph.op("Sub", [graph.op("Relu", [x]), negative])


@register_onnx_exporter("BatchNormalization")
def _batch_norm(graph, layer, inputs):
    # Inference: (x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta, folded.
    shape = layer._broadcast[1:]
    mean = np.reshape(layer.moving_mean.value, shape)
    inv = 1.0 / np.sqrt(np.reshape(layer.moving_variance.value, shape) + layer.epsilon)
    out = graph.op("Mul", [graph.op("Sub", [inputs[0], graph.const(mean)]), graph.const(inv)])
    if layer.gamma is not None:
        out = graph.op("Mul", [out, graph.const(np.reshape(layer.gamma.value, shape))])
    if layer.beta is not None:
        out = graph.op("Add", [out, graph.const(np.reshape(layer.beta.value, shape))])
    return out


@register_onnx_exporter("LayerNormalization")
def _layer_norm(graph, layer, inputs):
    (x,) = inputs
    axes = [int(a) for a in layer._norm]  # ReduceMean takes axes as an attribute before opset 18
    mean = graph.op("ReduceMean", [x], axes=axes, keepdims=1)
    centered = graph.op("Sub", [x, mean])
    var = graph.op("ReduceMean", [graph.op("Mul", [centered, centered])], axes=axes, keepdims=1)
    inv = graph.op("Reciprocal", [graph.op("Sqrt", [graph.op(
        "Add", [var, graph.const(layer.epsilon)])])])
    # rms_scaling (Keras's deprecated formula) scales the uncentred input.
    out = graph.op("Mul", [x if getattr(layer, "rms_scaling", False) else centered, inv])
    shape = layer._broadcast[1:]
    if layer.gamma is not None:
        out = graph.op("Mul", [out, graph.const(np.reshape(layer.gamma.value, shape))])
    if layer.beta is not None:
        out = graph.op("Add", [out, graph.const(np.reshape(layer.beta.value, shape))])
    return out


@register_onnx_exporter("UnitNormalization")
def _unit_norm(graph, layer, inputs):
    (x,) = inputs
    axis = [layer.axis] if isinstance(layer.axis, int) else list(layer.axis)
    axes = graph.const(axis, "axes", dtype=np.int64)
    square_sum = graph.op("ReduceSum", [graph.op("Mul", [x, x]), axes], keepdims=1)
    norm = graph.op("Sqrt", [graph.op("Max", [square_sum, graph.const(1e-12)])])
    return graph.op("Div", [x, norm])


@register_onnx_exporter("Embedding")
def _embedding(graph, layer, inputs):
    indices = graph.op("Cast", inputs, to=graph.onnx.TensorProto.INT64)
    return graph.op("Gather", [graph.const(layer.embeddings.value, "embeddings"), indices],
                    axis=0)


@register_onnx_exporter("Flatten")
def _flatten(graph, layer, inputs):
    return graph.op("Flatten", inputs, axis=1)


@register_onnx_exporter("Reshape")
def _reshape(graph, layer, inputs):
    shape = [0] + [int(d) for d in layer.target_shape]  # 0 keeps the batch size
    return graph.op("Reshape", [inputs[0], graph.const(shape, "shape", dtype=np.int64)])


@register_onnx_exporter("Rescaling")
def _rescaling(graph, layer, inputs):
    out = graph.op("Mul", [inputs[0], graph.const(layer.scale)])
    if layer.offset is not None and np.any(np.asarray(layer.offset) != 0):
        out = graph.op("Add", [out, graph.const(layer.offset)])
    return out


# -- models ----------------------------------------------------------------------------------------
def _export_layer(graph, layer, inputs):
    from tinykeras.models import Model

    if isinstance(layer, Model):
        return _export_model(graph, layer, inputs)
    fn = EXPORTERS.get(type(layer).__name__)
    if fn is None:
        raise InvalidArgumentError(
            f"Layer '{layer.name}' ({type(layer).__name__}) cannot be exported to ONNX: "
            f"tinykeras has ONNX exporters for {sorted(EXPORTERS)}. A Lambda layer runs "
            "arbitrary Python; rewrite it as a layer and register_onnx_exporter() for it."
        )
    return fn(graph, layer, inputs)


def _export_model(graph, model, inputs):
    if type(model).__name__ == "Sequential":
        x = inputs[0]
        for layer in model.layers:
            x = _export_layer(graph, layer, [x])
        return x
    values = {id(t): name for t, name in zip(model._inputs, inputs)}
    for node in model._nodes:
        names = [values[id(t)] for t in node.inputs]
        out = _export_layer(graph, node.layer, names)
        for t in node.outputs:
            values[id(t)] = out
    outs = [values[id(t)] for t in model._outputs]
    if len(outs) != 1:
        raise InvalidArgumentError(
            f"Model '{model.name}': ONNX export supports one output; this model "
            f"has {len(outs)}.")
    return outs[0]


def to_onnx(model, filepath=None, opset: int = OPSET):
    """Export a built model to ONNX; write it to ``filepath`` (atomically) if given and
    return the ``onnx.ModelProto``.

    The input is named ``"inputs"`` with a dynamic batch axis, the output ``"outputs"``.
    """
    if not model.built:
        raise InvalidArgumentError(
            f"Model '{model.name}' is not built: call it on data or build() it "
            "before exporting.")
    inputs = getattr(model, "inputs", None) or [model.input]
    if len(inputs) != 1:
        raise InvalidArgumentError(
            f"Model '{model.name}': ONNX export supports one input; this model "
            f"has {len(inputs)}.")
    graph = Graph(model.dtype)
    onnx = graph.onnx
    elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(inputs[0].dtype or model.dtype))
    out_elem = onnx.helper.np_dtype_to_tensor_dtype(graph.dtype)
    shape = ["batch"] + [d if d is not None else f"dim{i}" for i, d in
                         enumerate(inputs[0].shape[1:], 1)]
    out = _export_model(graph, model, ["inputs"])
    graph.nodes.append(onnx.helper.make_node("Identity", [out], ["outputs"]))
    out_shape = ["batch"] + [d if d is not None else f"out{i}" for i, d in
                             enumerate(model.output.shape[1:], 1)]
    proto = onnx.helper.make_model(
        onnx.helper.make_graph(
            graph.nodes, model.name,
            [onnx.helper.make_tensor_value_info("inputs", elem, shape)],
            [onnx.helper.make_tensor_value_info("outputs", out_elem, out_shape)],
            graph.initializers),
        opset_imports=[onnx.helper.make_opsetid("", opset)],
        producer_name="tinykeras", ir_version=IR_VERSION)
    onnx.checker.check_model(proto)
    if filepath is not None:
        atomic_write_bytes(filepath, proto.SerializeToString())
    return proto
