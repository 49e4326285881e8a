"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts."""

import shutil

from tinykeras.utils import validation as check


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print the summary table of ``model`` (to stdout, or line by line to ``print_fn``)."""
    line_length = check.check_int("line_length", line_length, low=1, allow_none=True,
                                  who="summary")
    if line_length is None:
        # Keras: min(88, terminal width - 4); 76 when not on a terminal (80 - 4).
        line_length = min(88, shutil.get_terminal_size().columns - 4)
    positions = positions or [0.45, 0.80, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    widths = [positions[0] - 1, positions[1] - positions[0] - 2, positions[2] - positions[1] - 1]

    rows = []
    for layer in model.layers:
        shape = layer._output_shape if layer.built else None
        shape_text = "?" if shape is None else _shape_text(shape)
        count = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        rows.append((f"{layer.name} ({type(layer).__name__})", shape_text, count))

    lines = [f'Model: "{model.name}"']
    lines.append(_rule("┏", "━", "┳", "┓", widths))
    lines.append(_row(("Layer (type)", "Output Shape", "Param #"), widths, "┃"))
    lines.append(_rule("┡", "━", "╇", "┩", widths))
    for i, row in enumerate(rows):
        if i:
            lines.append(_rule("├", "─", "┼", "┤", widths))
        lines.append(_row(row, widths, "│"))
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
    parts = []
    for i, (text, width) in enumerate(zip(cells, widths)):
        inner = width - 2
        text = text if len(text) <= inner else text[: inner - 1] + "…"
        parts.append(" " + (text.rjust(inner) if i == 2 else text.ljust(inner)) + " ")
    return bar + bar.join(parts) + bar


def _size(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"
