"""The functional API: ``Model(inputs, outputs)`` over a graph of layer calls.

Calling a layer on symbolic tensors (``Input(...)`` or another layer's output) records a
``Node``; ``Model(inputs, outputs)`` walks those nodes back from the outputs, orders them so
that every layer runs after the layers feeding it, and ``call`` replays them on real arrays
with each layer's own ``__call__``. So the functional model uses the same layers and ops as
``Sequential`` and records on the same tape: training, gradients and the fast paths need
nothing of their own.
"""

from functools import partial

import numpy as np

from tinykeras import losses as losses_module
from tinykeras import metrics as metrics_module
from tinykeras.autodiff import Tensor
from tinykeras.autodiff import plan as plan_module
from tinykeras.errors import InvalidArgumentError
from tinykeras.layers import symbolic_ops
from tinykeras.layers.base import Layer
from tinykeras.layers.input_layer import InputLayer
from tinykeras.layers.keras_tensor import KerasTensor
from tinykeras.layers.symbolic_ops import OpLayer
from tinykeras.models import data
from tinykeras.models.model import Model
from tinykeras.models.trainer import _log_names as _trainer_log_names
from tinykeras.utils import validation as check


class Functional(Model):
    """A model defined by its input and output symbolic tensors.

    Args:
        inputs: an ``Input`` tensor, or a list of them.
        outputs: a symbolic tensor computed from ``inputs``, a list of them, or a dict of
            them by name (then ``model(x)`` and ``predict`` give a dict, targets and
            losses may be given by those names, and logs use them: ``out_a_loss``).
        name: the model name (default ``functional``, made unique).

    >>> from tinykeras.layers import Dense, Input
    >>> x = Input(shape=(3,))
    >>> model = Model(x, Dense(2)(x))
    >>> model.predict(np.zeros((4, 3))).shape
    (4, 2)
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name or _unique("functional"), trainable=trainable, **kwargs)
        self._init_trainer()
        self._single_input = isinstance(inputs, KerasTensor)
        self._single_output = isinstance(outputs, KerasTensor)
        self._inputs = [inputs] if self._single_input else list(_as_list(inputs, "inputs"))
        # A dict of outputs runs in the order of its sorted keys, as Keras flattens it.
        self._output_keys = sorted(_check_output_keys(outputs)) \
            if isinstance(outputs, dict) else None
        if self._output_keys is not None:
            outputs = [outputs[k] for k in self._output_keys]
        self._outputs = [outputs] if self._single_output else list(_as_list(outputs, "outputs"))
        for t in self._inputs:
            if not isinstance(t.layer, InputLayer):
                raise InvalidArgumentError(
                    f"Model '{self.name}': every entry of `inputs` must be an `Input()` tensor. "
                    f"Received: {t!r}, made by layer '{t.layer.name}'. Pass the Input tensor "
                    "the graph starts from."
                )
        self._nodes = _ordered_nodes(self._inputs, self._outputs, self.name)
        # Every step of the graph (what the summary and the config list, operations such as
        # ``y + 1.0`` included); ``layers`` leaves the operations out, as Keras's does.
        self._operations = _keras_layer_order(self._inputs, self._outputs, self._nodes)
        self._layers = [la for la in self._operations if not isinstance(la, OpLayer)]
        self._build_shape = tuple(self._inputs[0].shape)
        self._output_shape = tuple(self._outputs[0].shape)
        self.built = True

    # -- structure -------------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """Every layer of the graph in Keras's order, input layers first; arithmetic
        operations (``y + 1.0``) are not layers here, as in Keras (the summary lists them)."""
        return self._layers

    @property
    def inputs(self) -> list:
        """The input symbolic tensors."""
        return list(self._inputs)

    @property
    def outputs(self) -> list:
        """The output symbolic tensors."""
        return list(self._outputs)

    @property
    def input(self):
        """The input tensor (a list when the model has several)."""
        return self._inputs[0] if self._single_input else list(self._inputs)

    @property
    def output(self):
        """The output tensor (a list when the model has several, a dict if made with one)."""
        return self._outputs[0] if self._single_output else self._pack(self._outputs)

    def _pack(self, outs):
        """One value per output, as a dict by name for a model made with a dict of outputs."""
        return dict(zip(self._output_keys, outs)) if self._output_keys else list(outs)

    def _flat(self, values, what="y"):
        """One value per output, in output order, from a list, a MultiArray or a dict by
        output name (the dict keys, or the output layers' names)."""
        if isinstance(values, MultiArray):
            return values.arrays
        if not isinstance(values, dict):
            return list(values)
        names = self._output_names
        unknown = sorted(set(values) - set(names), key=str)
        if unknown or len(values) != len(names):
            raise InvalidArgumentError(
                f"Model '{self.name}': `{what}` as a dict needs one entry per output, by the "
                f"output names {names}. Received keys: {sorted(values, key=str)}.")
        return [values[n] for n in names]

    @property
    def _output_names(self) -> list:
        """The names of the outputs in logs and in dicts of losses, metrics and targets: the
        keys of a dict of outputs, else the output layers' names."""
        return list(self._output_keys or [t.layer.name for t in self._outputs])

    def build(self, input_shape=None):
        """A functional model is built when made: nothing to do."""

    def compute_output_shape(self, input_shape):
        """The output shape(s) the graph declares."""
        shapes = [tuple(t.shape) for t in self._outputs]
        return shapes[0] if self._single_output else shapes

    # -- running ---------------------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        """Run the graph on arrays or Tensors (a list for several inputs); symbolic inputs
        add this whole model as one layer call to an enclosing graph."""
        if isinstance(inputs, KerasTensor) or (
            isinstance(inputs, (list, tuple)) and inputs and
            all(isinstance(t, KerasTensor) for t in inputs)
        ):
            if not self._single_output:
                raise InvalidArgumentError(
                    f"Model '{self.name}' has {len(self._outputs)} outputs; tinykeras can nest "
                    "only single-output models inside another functional model."
                )
            return self._symbolic_call(inputs if not isinstance(inputs, tuple) else list(inputs))
        return self.call(inputs, training=bool(training))

    def call(self, inputs, training=False):
        """Replay the recorded layer calls on ``inputs``; return the output(s) as Tensors."""
        arrays = _split_inputs(inputs, len(self._inputs), self.name)
        values = {}
        for t, x in zip(self._inputs, arrays):
            if not isinstance(x, Tensor):
                x = Tensor(np.asarray(x, dtype=t.dtype))
            _check_input_shape(t, x, self.name)
            values[id(t)] = x
        for node in self._nodes:
            if node.arguments is not None:  # an operation (``y + 1.0``): numbers in place
                out = node.layer.call(*[values[id(a)] if isinstance(a, KerasTensor) else a
                                        for a in node.arguments])
                values[id(node.outputs[0])] = out
                continue
            args = [values[id(t)] for t in node.inputs]
            out = node.layer(args if node.multi_input else args[0], training=training)
            values[id(node.outputs[0])] = out
        outs = [values[id(t)] for t in self._outputs]
        return outs[0] if self._single_output else self._pack(outs)

    def _symbolic_call(self, inputs):
        from tinykeras.layers.keras_tensor import Node

        inputs_list = inputs if isinstance(inputs, list) else [inputs]
        if len(inputs_list) != len(self._inputs):
            raise InvalidArgumentError(
                f"Model '{self.name}' expects {len(self._inputs)} input(s), "
                f"received {len(inputs_list)}."
            )
        out = KerasTensor(self._outputs[0].shape, dtype=self.dtype, name=self.name, layer=self)
        Node(self, inputs_list, [out], multi_input=not self._single_input)
        self._symbolic_output = out
        return out

    # -- training data ---------------------------------------------------------------------------
    def _convert_inputs(self, x):
        """One array per input (a ``MultiArray`` that batches them together for several)."""
        if self._single_input:
            if isinstance(x, (list, tuple)) and len(x) == 1:
                x = x[0]
            return data.to_array(x, "x", dtype=np.dtype(self._inputs[0].dtype))
        arrays = _split_inputs(x, len(self._inputs), self.name)
        arrays = {f"x[{i}]": data.to_array(a, f"x[{i}]", dtype=np.dtype(t.dtype))
                  for i, (a, t) in enumerate(zip(arrays, self._inputs))}
        # Checked here for several inputs (one array is checked by the trainer): the same
        # number of rows in each, no empty or non-finite one.
        data.check_lengths(**arrays)
        for name, a in arrays.items():
            check.check_not_empty(name, a)
            data.check_finite(a, name)
        return MultiArray(list(arrays.values()))

    def _ensure_built(self, x, batch_size=None):
        """Check each input's feature shape against the graph's, before any batch runs."""
        arrays = x.arrays if isinstance(x, MultiArray) else [x]
        for t, a in zip(self._inputs, arrays):
            _check_input_shape(t, a, self.name)

    # -- several outputs -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, **kwargs):
        """As ``Model.compile``; with several outputs ``loss`` may be one loss for all, a list
        (one per output) or a dict by output layer name, ``loss_weights`` likewise, and
        ``metrics``/``weighted_metrics`` a dict by output name or a list with one entry (a
        metric, a list of them or None) per output. As Keras 3, each output's loss and
        metrics are logged under its name: ``out_a_loss``, ``out_a_accuracy``..."""
        if self._single_output or loss is None:
            return super().compile(optimizer=optimizer, loss=loss, loss_weights=loss_weights,
                                   metrics=metrics, weighted_metrics=weighted_metrics,
                                   **kwargs)
        names = self._output_names
        # Checked before anything is assigned: a refused compile leaves the model as it was.
        specs = [(i, ident, False) for i, idents in
                 enumerate(_per_output_metrics(metrics, names, "metrics")) for ident in idents]
        specs += [(i, ident, True) for i, idents in enumerate(
            _per_output_metrics(weighted_metrics, names, "weighted_metrics")) for ident in idents]
        combined = _MultiOutputLoss(_per_output(loss, names, "loss"),
                                    _per_output(loss_weights, names, "loss_weights", 1.0),
                                    self._flat)
        super().compile(optimizer=optimizer, loss=combined, **kwargs)
        self.loss = loss  # kept as given, as Keras does
        self._compile_config.update(loss=loss, loss_weights=loss_weights, metrics=metrics,
                                    weighted_metrics=weighted_metrics)
        # Each output's loss is tracked as a metric too (Keras's `out_a_loss`), before the
        # compiled metrics; all are made from the first batch's shapes ("accuracy").
        # Keras tracks a dict of outputs' losses in the order of a `loss` dict's keys.
        order = range(len(names))
        if self._output_keys and isinstance(loss, dict):
            keys = list(loss)
            order = sorted(order, key=lambda i: keys.index(names[i]))  # all there: checked
        self._metric_ids = [(i, "loss", False) for i in order] + specs
        self._metrics = None

    def _prepare_xy(self, x, y, sample_weight, class_weight, rows=None, names=("x", "y")):
        if self._single_output:
            return super()._prepare_xy(x, y, sample_weight, class_weight, rows, names)
        if class_weight is not None:
            raise InvalidArgumentError(
                f"Model '{self.name}': `class_weight` needs a single output."
            )
        if y is None:
            raise InvalidArgumentError(
                "Argument `y` is required: tinykeras models learn from (x, y) pairs."
            )
        ys = self._flat(y) if isinstance(y, dict) else _split_inputs(
            y, len(self._outputs), self.name, what="targets `y`")
        converted = []
        for i, (target, loss) in enumerate(zip(ys, self._loss_fn.losses)):
            sparse = getattr(loss, "fn", None) is losses_module.sparse_categorical_crossentropy
            converted.append(data.to_array(target, f"{names[1]}[{i}]",
                                           dtype=None if sparse else self.dtype))
            data.check_finite(converted[-1], f"{names[1]}[{i}]")
        x = self._convert_inputs(x)
        if isinstance(x, np.ndarray):  # one input (several are checked as they convert)
            check.check_not_empty(names[0], x)
            data.check_finite(x, names[0])
        y = MultiArray(converted)
        if sample_weight is not None:
            sample_weight = data.to_array(sample_weight, "sample_weight", dtype=self.dtype)
        data.check_lengths(x=x, **{f"y[{i}]": a for i, a in enumerate(converted)},
                           sample_weight=sample_weight)
        return x, y, sample_weight

    def _update_metrics(self, y, y_pred, sample_weight, output_losses=True):
        if self._single_output:
            return super()._update_metrics(y, y_pred, sample_weight)
        # Metrics accumulate in Python: a step that updates them cannot be replayed.
        plan_module.refuse("metrics updated inside the traced step")
        preds = [getattr(p, "value", p) for p in self._flat(y_pred, "y_pred")]
        ys = self._flat(y)
        if self._metrics is None:
            self._resolve_metrics(ys, preds)
        for metric, (i, ident, weighted) in zip(self._metrics, self._metric_ids):
            if ident == "loss" and not output_losses:
                continue
            # Keras gives sample weights to each output's loss and to weighted_metrics only.
            sw = sample_weight if weighted or isinstance(metric, _OutputLoss) else None
            metric.update_state(ys[i], preds[i], sw)

    def _resolve_metrics(self, y, y_pred):
        if self._single_output:
            return super()._resolve_metrics(y, y_pred)
        names = self._output_names
        y, y_pred = self._flat(y), self._flat(y_pred, "y_pred")
        resolved, log_names = [], []
        for i, ident, _ in self._metric_ids:
            if ident == "loss":
                metric = _OutputLoss(self._loss_fn.losses[i], name=f"{names[i]}_loss",
                                     part=partial(_part, self._flat, i))
            elif isinstance(ident, str) and ident.lower() in ("accuracy", "acc"):
                metric = metrics_module.get_accuracy(np.shape(y[i]), np.shape(y_pred[i]), ident)
            else:
                metric = metrics_module.get(ident)
            resolved.append(metric)
            log_names.append(metric.name if ident == "loss" else f"{names[i]}_{metric.name}")
        self._metrics = resolved
        unweighted = sum(1 for _, _, weighted in self._metric_ids if not weighted)
        self._metric_names = _trainer_log_names(log_names, unweighted)

    def _logs_as_list(self, logs):
        """Keras's list order for several outputs: the loss, each output's loss, then the
        other logs sorted (Keras looks for the compiled metrics by their unprefixed names,
        finds none, and sorts them with the rest)."""
        if self._single_output or len(logs) == 1:
            return super()._logs_as_list(logs)
        names = ["loss"] + [n for n, (_, ident, _) in zip(
            getattr(self, "_metric_names", []), self._metric_ids) if ident == "loss"]
        return [logs[n] for n in names if n in logs] + [
            logs[k] for k in sorted(logs) if k not in names]

    @property
    def metrics_names(self) -> list:
        """``["loss", ...]`` and, with several outputs, each output's loss and metrics by
        their log names (``out_a_loss``, ``out_a_accuracy``) once resolved."""
        if self._single_output or self._metrics is None:
            return super().metrics_names
        return ["loss"] + list(self._metric_names)

    def _call_to_array(self, x):
        out = self(x)
        return out.value if self._single_output else [o.value for o in self._flat(out)]

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Return the outputs for ``x`` batch by batch (a list of arrays for several)."""
        if self._single_output:
            return super().predict(x, batch_size=batch_size, verbose=verbose, steps=steps,
                                   callbacks=callbacks)
        batch_size = data.check_batch_size(batch_size)
        x = self._convert_inputs(x)
        self._ensure_built(x)
        outs = [self._call_to_array(x[sl]) for sl in data.batch_slices(len(x), batch_size)]
        return self._pack([np.concatenate([o[i] for o in outs], axis=0)
                           for i in range(len(self._outputs))])

    # -- configs ---------------------------------------------------------------------------------
    def get_config(self):
        """Keras 3's functional config: the layers, each with the calls that feed it."""
        # Node indices count only this graph's calls of a layer, so that from_config (which
        # sees only these) numbers them alike.
        local, nodes_by_layer = {}, {}
        for node in self._nodes:
            calls = nodes_by_layer.setdefault(id(node.layer), [])
            local[id(node)] = len(calls)
            calls.append(node)

        def history(t):
            return [t.layer.name, local.get(id(t.node), 0), 0]

        def tensor(t):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(t.shape), "dtype": t.dtype,
                               "keras_history": history(t)}}

        from tinykeras.saving.config import serialize_layer

        layers = []
        for layer in self._operations:
            if isinstance(layer, OpLayer):  # Keras's operation entry: name, call arguments
                layers.append({
                    "module": symbolic_ops.KERAS_MODULE, "class_name": type(layer).__name__,
                    "config": layer.get_config(), "registered_name": type(layer).__name__,
                    "name": layer.name,
                    "inbound_nodes": [
                        {"args": [tensor(a) if isinstance(a, KerasTensor) else a
                                  for a in n.arguments], "kwargs": {}}
                        for n in nodes_by_layer.get(id(layer), [])],
                })
                continue
            layers.append({
                **serialize_layer(layer), "name": layer.name,
                "inbound_nodes": [
                    {"args": [[tensor(t) for t in n.inputs] if n.multi_input
                              else tensor(n.inputs[0])], "kwargs": {}}
                    for n in nodes_by_layer.get(id(layer), [])
                ],
            })
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": [history(t) for t in self._inputs],
                "output_layers": self._pack([history(t) for t in self._outputs])}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph from ``get_config()`` output: create each layer, then replay its
        calls once the tensors they read exist."""
        created, pending = {}, []
        for spec in config["layers"]:
            layer = _deserialize_layer(spec, custom_objects)
            created[spec["name"]] = layer
            pending.extend((layer, node) for node in spec.get("inbound_nodes", []))
        tensors = {}  # (layer name, node index) -> KerasTensor
        counts = {}
        for name, layer in created.items():
            if isinstance(layer, InputLayer):
                tensors[(name, 0)] = layer.output
                counts[name] = 1
        while pending:
            progress = False
            for item in list(pending):
                layer, node = item
                op = isinstance(layer, OpLayer)
                specs = node["args"] if op else node["args"][0]
                multi = isinstance(specs, list)
                keys = [tuple(s["config"]["keras_history"][:2]) for s in
                        (specs if multi else [specs]) if not op or _is_tensor_spec(s)]
                if all(k in tensors for k in keys):
                    args = [tensors[k] for k in keys]
                    if op:  # tensors and numbers back in their places
                        found = iter(args)
                        out = layer.symbolic(*[next(found) if _is_tensor_spec(s) else s
                                               for s in specs])
                    else:
                        out = layer(args if multi else args[0])
                    idx = counts.get(layer.name, 0)
                    tensors[(layer.name, idx)] = out
                    counts[layer.name] = idx + 1
                    pending.remove(item)
                    progress = True
            if not progress:
                raise InvalidArgumentError(
                    "Functional config is inconsistent: some layer calls read tensors that no "
                    f"layer makes ({[la.name for la, _ in pending]})."
                )

        def lookup(h):
            return tensors[(h[0], h[1])]

        def histories(value):
            # Keras writes one input as a bare ["name", 0, 0], several as a list of them.
            return [value] if value and isinstance(value[0], str) else value

        inputs = [lookup(h) for h in histories(config["input_layers"])]
        if isinstance(config["output_layers"], dict):  # a model made with a dict of outputs
            outputs = {k: lookup(h) for k, h in config["output_layers"].items()}
        else:
            outputs = [lookup(h) for h in histories(config["output_layers"])]
            outputs = outputs[0] if len(outputs) == 1 else outputs
        return cls(inputs[0] if len(inputs) == 1 else inputs, outputs,
                   name=config.get("name"), trainable=config.get("trainable", True))


class _MultiOutputLoss(losses_module.Loss):
    """The weighted sum of one loss per output: what ``fit`` minimizes for several outputs."""

    def __init__(self, losses, weights, flat):
        super().__init__(name="multi_output_loss")
        self.losses = [_as_loss(loss) for loss in losses]
        self.weights = [float(w) for w in weights]
        self._flat = flat  # the model's: targets and predictions as one list in output order

    def __call__(self, y_true, y_pred, sample_weight=None):
        total = None
        for loss, weight, target, pred in zip(self.losses, self.weights, self._flat(y_true),
                                              self._flat(y_pred, "y_pred")):
            term = loss(target, pred, sample_weight)
            term = term if weight == 1.0 else term * weight
            total = term if total is None else total + term
        return total


class _OutputLoss(metrics_module.Mean):
    """The running mean of one output's own loss, unweighted by ``loss_weights`` (Keras's
    ``<output>_loss`` log): each batch counts by its number of rows."""

    output_loss = True  # not a compiled metric: custom_step.CompileMetrics leaves it out
    _direction = "down"  # a loss: callbacks minimize `val_out_a_loss` in mode="auto"

    def __init__(self, loss, name, part):
        super().__init__(name=name)
        self.loss = loss
        self._part = part  # this output's share of the model's targets or predictions

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's loss of the output, weighted by the batch's row count; given the
        model's whole targets and predictions (the Keras guide's loop over
        ``self.metrics`` in a custom ``train_step``), this output's part of each."""
        if isinstance(y_pred, (list, tuple, dict)):
            y_true, y_pred = self._part(y_true), self._part(y_pred)
        value = self.loss(y_true, y_pred, sample_weight)
        super().update_state(float(getattr(value, "value", value)), sample_weight=len(y_pred))


def _part(flat, index, values):
    """Output ``index``'s entry of ``values`` (one per output), read by the model's ``flat``."""
    return flat(values)[index]


def _check_output_keys(outputs):
    """The keys of a dict of outputs: strings, each naming a symbolic tensor."""
    for key, t in outputs.items():
        if not isinstance(key, str) or not isinstance(t, KerasTensor):
            raise InvalidArgumentError(
                f"Model: `outputs` as a dict maps output names (strings) to symbolic tensors. "
                f"Received the entry {key!r}: {t!r}.")
    if not outputs:
        raise InvalidArgumentError("Model: `outputs` is an empty dict; give at least one.")
    return outputs


def _per_output_metrics(value, names, what):
    """One list of metric identifiers per output, from a dict by output name or a list with
    one entry per output (each a metric, a list of them, or None); each one checked now."""
    if value is None:
        return [[] for _ in names]
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise InvalidArgumentError(
                f"`{what}` names unknown outputs {sorted(unknown)}; the outputs are {names}."
            )
        entries = [value.get(n) for n in names]
    elif isinstance(value, (list, tuple)) and len(value) == len(names):
        entries = list(value)
    else:
        got = f"a list of {len(value)}" if isinstance(value, (list, tuple)) else repr(value)
        raise InvalidArgumentError(
            f"`{what}` must give the metrics per output for the {len(names)} outputs "
            f"{names}: a dict by output name ({{{names[0]!r}: ['mae']}}) or a list with one "
            f"entry per output ([['mae'], None]). Received: {got}."
        )
    out = []
    for entry in entries:
        idents = [] if entry is None else list(entry) if isinstance(entry, (list, tuple)) \
            else [entry]
        for ident in idents:
            if not (isinstance(ident, str) and ident.lower() in ("accuracy", "acc")):
                metrics_module.get(ident)  # raises now for an unknown one
        out.append(idents)
    return out


def _as_loss(loss):
    fn = losses_module.get(loss)
    if fn is None:
        raise InvalidArgumentError("Every output needs a loss; received None for one of them.")
    return fn if isinstance(fn, losses_module.Loss) else losses_module.LossFunctionWrapper(fn)


def _per_output(value, names, what, default=None):
    """One entry per output from a single value, a list or a dict keyed by output name."""
    if value is None:
        return [default] * len(names)
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise InvalidArgumentError(
                f"`{what}` names unknown outputs {sorted(unknown)}; the outputs "
                f"are {names}."
            )
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise InvalidArgumentError(
                f"`{what}` has {len(value)} entries for {len(names)} outputs "
                f"({names}). Give one per output."
            )
        return list(value)
    return [value] * len(names)


class MultiArray:
    """Several input arrays batched together: ``m[idx]`` indexes each one alike."""

    _plan_container = True  # trace and replay (autodiff/plan.py) looks inside for the arrays

    def __init__(self, arrays):
        self.arrays = list(arrays)

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, idx):
        return MultiArray([a[idx] for a in self.arrays])

    @property
    def shape(self):
        """The first array's shape (the batch axis is shared)."""
        return self.arrays[0].shape

    def __iter__(self):
        return iter(self.arrays)


def _unique(base):
    from tinykeras.utils.naming import unique_name

    return unique_name(base)


def _as_list(x, what):
    if not isinstance(x, (list, tuple)) or not x or not all(isinstance(t, KerasTensor) for t in x):
        raise InvalidArgumentError(
            f"Model: `{what}` must be a symbolic tensor (from `Input()` or a layer call) or a "
            f"list of them. Received: {x!r}"
        )
    return x


def _split_inputs(x, count, model_name, what="inputs"):
    if isinstance(x, MultiArray):
        x = x.arrays
    if count == 1:
        if isinstance(x, (list, tuple)) and len(x) == 1:
            return [x[0]]
        return [x]
    if isinstance(x, dict):
        raise InvalidArgumentError(
            f"Model '{model_name}': pass the {count} {what} as a list, in order."
        )
    if not isinstance(x, (list, tuple)) or len(x) != count:
        got = f"a list of {len(x)}" if isinstance(x, (list, tuple)) else type(x).__name__
        raise InvalidArgumentError(
            f"Model '{model_name}' expects {count} {what} (a list of {count} arrays). "
            f"Received: {got}."
        )
    return list(x)


def _check_input_shape(t, x, model_name):
    expected = tuple(t.shape)[1:]
    got = tuple(np.shape(x))[1:]
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise InvalidArgumentError(
            f"Input '{t.name}' of model '{model_name}' is incompatible: expected shape "
            f"{tuple(t.shape)}, but received input with shape {tuple(np.shape(x))}."
        )


def _ordered_nodes(inputs, outputs, model_name):
    """The nodes between ``inputs`` and ``outputs``, each after the nodes it reads from."""
    input_ids = {id(t) for t in inputs}
    order, seen = [], set()

    def visit(t, path):
        if id(t) in input_ids:
            return
        node = t.node
        if node is None or not node.inputs:
            raise InvalidArgumentError(
                f"Graph disconnected in model '{model_name}': cannot obtain a value for tensor "
                f"{t!r} (from layer '{t.layer.name if t.layer else '?'}'): it does not come "
                "from the model's `inputs`. Add the Input it starts from to `inputs`."
            )
        if id(node) in seen:
            return
        if id(node) in path:
            raise InvalidArgumentError(f"Model '{model_name}': the layer graph has a cycle.")
        path.add(id(node))
        for parent in node.inputs:
            visit(parent, path)
        path.discard(id(node))
        seen.add(id(node))
        order.append(node)

    for t in outputs:
        visit(t, set())
    return order


def _keras_layer_order(inputs, outputs, nodes):
    """The layers in Keras's order (``Functional.layers``): by decreasing depth (the longest
    path to an output), ties by first visit walking back from the outputs. Saved weight
    paths and ``get_weights`` follow this order, so it must be Keras's exactly."""
    input_ids = {id(t) for t in inputs}

    def is_input(t):
        return id(t) in input_ids or t.node is None or not t.node.inputs

    first_visit, seen = {}, set()
    stack = list(reversed(outputs))
    while stack:  # pre-order walk from the outputs, as Keras's _build_map_helper
        t = stack.pop()
        first_visit.setdefault(id(t.layer), (len(first_visit), t.layer))
        if is_input(t) or id(t.node) in seen:
            continue
        seen.add(id(t.node))
        stack.extend(reversed(t.node.inputs))
    node_depth, layer_depth = {}, {}
    for node in reversed(nodes):  # every consumer before the nodes it reads
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        node_depth[id(node)] = layer_depth[id(node.layer)] = depth
        for parent in node.inputs:
            key = id(parent.layer) if is_input(parent) else id(parent.node)
            table = layer_depth if is_input(parent) else node_depth
            table[key] = max(table.get(key, 0), depth + 1)
    for t in inputs:
        first_visit.setdefault(id(t.layer), (len(first_visit), t.layer))
        layer_depth.setdefault(id(t.layer), 0)
    ranked = sorted(first_visit.items(), key=lambda kv: (-layer_depth[kv[0]], kv[1][0]))
    return [layer for _, (_, layer) in ranked]


def _is_tensor_spec(spec):
    return isinstance(spec, dict) and spec.get("class_name") == "__keras_tensor__"


def _deserialize_layer(spec, custom_objects=None):
    if isinstance(spec, dict) and spec.get("module") == symbolic_ops.KERAS_MODULE:
        # Keras's arithmetic operations (``y + 1.0``): only the ones tinykeras knows.
        cls = symbolic_ops.OP_CLASSES.get(spec.get("class_name"))
        if cls is None:
            raise InvalidArgumentError(
                f"The model uses Keras's operation {spec.get('class_name')!r}, which tinykeras "
                f"cannot rebuild; it knows {sorted(symbolic_ops.OP_CLASSES)}."
            )
        return cls.from_config(spec.get("config") or {})
    # The allow-list loader (tinykeras.saving): built-in and registered classes only.
    from tinykeras.saving.config import deserialize_layer

    return deserialize_layer(spec, custom_objects)
