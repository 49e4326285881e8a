"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

Keras draws the table with ``rich``; tinykeras draws the same characters itself: the column
widths rich settles on (``_column_widths``) and rich's word wrapping inside a cell
(``_wrap``), so that the text matches Keras's line for line.
"""

import re
import shutil

from tinykeras.utils import validation as check


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print the summary table of ``model`` (to stdout, or line by line to ``print_fn``)."""
    line_length = check.check_int("line_length", line_length, low=1, allow_none=True,
                                  who="summary")
    connected = not _sequential_like(model)
    if line_length is None:
        # Keras: min(88, terminal width - 4) (108 with the "Connected to" column); 76 when
        # not on a terminal (80 - 4).
        line_length = min(108 if connected else 88, shutil.get_terminal_size().columns - 4)
    default = [0.3, 0.56, 0.74, 1.0] if connected else [0.45, 0.80, 1.0]
    widths = _column_widths(line_length, positions or default)

    rows = []
    # A functional model's operations (``y + 1.0``) are rows too, as in Keras.
    for layer in getattr(model, "_operations", None) or model.layers:
        shape = layer._output_shape if layer.built else None
        shape_text = "?" if shape is None else _shape_text(shape)
        count = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        row = [f"{layer.name} ({type(layer).__name__})", shape_text, count]
        if connected:
            row.append(_connections(model, layer))
        rows.append(row)

    header = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected else [])
    lines = [f'Model: "{model.name}"']
    lines.append(_rule("┏", "━", "┳", "┓", widths))
    lines.extend(_row(header, widths, "┃"))
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule("├", "─", "┼", "┤", widths))
        lines.extend(_row(row, widths, "│"))
    lines.append(_rule("└", "─", "┴", "┘", widths))

    trainable = sum(w.value.size for w in model.trainable_weights)
    trainable_bytes = sum(w.value.nbytes for w in model.trainable_weights)
    frozen = sum(w.value.size for w in model.non_trainable_weights)
    frozen_bytes = sum(w.value.nbytes for w in model.non_trainable_weights)
    opt_vars = []
    if getattr(model, "optimizer", None) is not None and model.optimizer.built:
        opt_vars = model.optimizer.variables
    opt = sum(v.value.size for v in opt_vars)
    opt_bytes = sum(v.value.nbytes for v in opt_vars)
    total, total_bytes = trainable + frozen + opt, trainable_bytes + frozen_bytes + opt_bytes
    lines.append(f" Total params: {total:,} ({_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {frozen:,} ({_size(frozen_bytes)})")
    if opt_vars:
        lines.append(f" Optimizer params: {opt:,} ({_size(opt_bytes)})")

    if print_fn is None:
        print("\n".join(lines))
    else:
        for line in lines:
            print_fn(line)


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")"
    )


def _rule(left, fill, mid, right, widths):
    return left + mid.join(fill * w for w in widths) + right


def _row(cells, widths, bar):
    """The text lines of one table row: each cell wrapped at spaces to its column, as rich
    does (a word longer than the column is cut with an ellipsis), shorter cells padded."""
    wrapped = [_wrap(text, width - 2) for text, width in zip(cells, widths)]
    lines = []
    for k in range(max(len(w) for w in wrapped)):
        parts = []
        for i, (cell, width) in enumerate(zip(wrapped, widths)):
            text = cell[k] if k < len(cell) else ""
            parts.append(" " + (text.rjust(width - 2) if i == 2 else text.ljust(width - 2)) + " ")
        lines.append(bar + bar.join(parts) + bar)
    return lines


def _wrap(text, width):
    """Greedy word wrap: a line breaks before a word that would not fit."""
    lines, line = [], ""
    for word in re.findall(r"\S+\s*", text) or [""]:
        if line and len(line + word.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += word
    lines.append(line.rstrip())
    return [t if len(t) <= width else t[: width - 1] + "…" for t in lines]


def _column_widths(line_length, positions):
    """The columns' widths between the borders, padding included, as rich draws Keras's
    table: Keras asks for ``int(p * line_length)`` steps; rich adds one space each side, then
    takes the excess over the line (less the borders) off the columns evenly, in order."""
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    asked = [b - a + 2 for a, b in zip([0] + list(positions[:-1]), positions)]
    excess = sum(asked) - (line_length - len(asked) - 1)
    widths, left = [], len(asked)
    for width in asked:
        cut = min(width, round(excess / left)) if excess > 0 else 0
        widths.append(width - cut)
        excess -= cut
        left -= 1
    return widths


def _sequential_like(model):
    """Keras leaves out "Connected to" unless the model is functional and its graph is not
    one chain of distinct layers from one input (several inputs or outputs, a layer reading
    several tensors, a branch, or a layer called twice all make it a graph)."""
    nodes = getattr(model, "_nodes", None)
    inputs = getattr(model, "_inputs", None)
    if nodes is None or inputs is None:
        return True
    if len(inputs) != 1:
        return False
    previous = inputs[0]
    for node in nodes:
        if len(node.inputs) != 1 or node.inputs[0] is not previous:
            return False
        previous = node.outputs[0]
    return len({id(node.layer) for node in nodes}) == len(nodes)


def _connections(model, layer):
    """``layer[node][tensor]`` for every tensor each of this model's calls of ``layer``
    reads (Keras's node index counts the layer's calls in every graph), ``-`` for none."""
    ours = {id(node) for node in model._nodes}
    names = [f"{t.layer.name}[{t.node.index if t.node is not None else 0}][0]"
             for node in getattr(layer, "_inbound_nodes", []) if id(node) in ours
             for t in node.inputs]
    return ", ".join(names) or "-"


def _size(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"
