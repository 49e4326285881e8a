"""Plots for learners: training curves, decision regions, digit grids and the model's layers.

matplotlib is an optional extra (``pip install tinykeras[plot]``), imported only when a plot
is drawn. Each function returns the matplotlib Figure and, given ``path``, saves it as PNG.
"""

import numpy as np

from tinykeras.errors import InvalidArgumentError, InvalidTypeError
from tinykeras.utils import validation as check


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib, an optional extra: pip install 'tinykeras[plot]'."
        ) from exc
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        import sys

        if "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")  # no display needed to save PNG files
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
    return fig


def plot_history(history, path=None, metrics=None):
    """Plot each logged quantity per epoch, training and ``val_`` curves together.

    Args:
        history: the ``History`` that ``fit`` returns (or its ``.history`` dict).
        metrics: the names to plot (default: every key without the ``val_`` prefix).
    """
    logs = history.history if hasattr(history, "history") else dict(history)
    names = metrics or [k for k in logs if not k.startswith("val_")]
    if not names:
        raise InvalidArgumentError("plot_history: the history has no logged values to plot.")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    return _finish(fig, path)


def plot_decision_boundary(predict, X, y, path=None, labels=("x0", "x1"), resolution=200,
                           title=None):
    """Shade the class ``predict`` gives over the plane of 2-D inputs ``X``; mark ``X`` by ``y``.

    ``predict`` maps an ``(n, 2)`` array to probabilities ``(n, 1)`` (binary, 0.5 threshold)
    or scores ``(n, k)`` (multiclass, argmax); a model's ``predict`` works as it is.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise InvalidArgumentError(
            f"plot_decision_boundary needs 2-D inputs of shape (n, 2). Got {X.shape}")
    y = np.asarray(y).reshape(-1)
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    scores = np.asarray(predict(grid))  # one call for the whole grid
    if scores.ndim == 1 or scores.shape[1] == 1:
        classes = (scores.reshape(-1) >= 0.5).astype(int)
    else:
        classes = np.argmax(scores, axis=1)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.contourf(g0, g1, classes.reshape(g0.shape), alpha=0.25, cmap="tab10",
                levels=np.arange(classes.max() + 2) - 0.5)
    for c in np.unique(y):
        pts = X[y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=12, label=f"class {int(c)}")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return _finish(fig, path)


def plot_images(images, y_true, y_pred=None, path=None, shape=None, transpose=False, cols=8):
    """A grid of images titled with their true label (and the prediction, red when wrong).

    ``images`` are unrolled rows (``(n, 400)`` for 20x20) or ``(n, h, w)``; ``transpose``
    shows the course's column-by-column layout upright.
    """
    images = np.asarray(images, dtype=np.float64)
    n = len(images)
    if images.ndim == 2:
        side = shape or (int(round(np.sqrt(images.shape[1]))),) * 2
        images = images.reshape((n,) + tuple(side))
    if transpose:
        images = images.transpose(0, 2, 1)
    y_true = np.asarray(y_true).reshape(-1)
    y_pred = None if y_pred is None else np.asarray(y_pred).reshape(-1)
    cols = min(cols, n)
    rows = -(-n // cols)
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.4 * rows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap="gray")
        if y_pred is None:
            ax.set_title(f"{y_true[i]}", fontsize=9)
        else:
            ax.set_title(f"{y_true[i]},{y_pred[i]}", fontsize=9,
                         color="black" if y_true[i] == y_pred[i] else "red")
    fig.suptitle("label, prediction" if y_pred is not None else "label", fontsize=10)
    return _finish(fig, path)


def plot_training(history, images, y_true, y_pred, path=None, transpose=False, cols=6):
    """The loss curve beside a grid of images with their true and predicted labels (what
    ``python -m tinykeras demo --plot out.png`` saves)."""
    logs = history.history if hasattr(history, "history") else dict(history)
    images = np.asarray(images, dtype=np.float64)
    side = int(round(np.sqrt(images.shape[1])))
    images = images.reshape(len(images), side, side)
    if transpose:
        images = images.transpose(0, 2, 1)
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    rows = -(-len(images) // cols)
    plt = _pyplot()
    fig = plt.figure(figsize=(4.5 + 1.1 * cols, max(3.2, 1.15 * rows)))
    grid = fig.add_gridspec(rows, cols + 4)
    ax = fig.add_subplot(grid[:, :4])
    ax.plot(np.arange(1, len(logs["loss"]) + 1), logs["loss"], label="training loss")
    if "val_loss" in logs:
        ax.plot(np.arange(1, len(logs["val_loss"]) + 1), logs["val_loss"],
                label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, alpha=0.3)
    ax.legend()
    for i, image in enumerate(images):
        cell = fig.add_subplot(grid[i // cols, 4 + i % cols])
        cell.imshow(image, cmap="gray")
        cell.axis("off")
        cell.set_title(f"{y_true[i]},{y_pred[i]}", fontsize=8,
                       color="black" if y_true[i] == y_pred[i] else "red")
    fig.suptitle("loss per epoch; held-out digits (label, prediction)", fontsize=10)
    return _finish(fig, path)


def plot_model(model, to_file=None, path=None, **kwargs):
    """Draw the model as a column of boxes, one per layer, with its output shape and size.

    ``to_file`` (Keras's name) or ``path`` is the PNG to write; Keras's other options
    (``show_shapes``, ``dpi``...) are accepted and ignored: shapes are always shown.
    """
    if not hasattr(model, "layers") or not hasattr(model, "count_params"):
        raise InvalidTypeError(
            f"Argument `model` of plot_model must be a tinykeras Model. Received: "
            f"{check.show(model)} of type {type(model).__name__}")
    path = to_file if to_file is not None else path
    rows = []
    for layer in model.layers:
        shape = getattr(layer, "_output_shape", None)
        rows.append(f"{layer.name} ({type(layer).__name__})\n"
                    f"output {tuple(shape) if shape else '?'} - {layer.count_params():,} params")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 0.9 * len(rows) + 0.5))
    ax.axis("off")
    for i, text in enumerate(rows):
        yc = 1 - (i + 0.5) / len(rows)
        ax.text(0.5, yc, text, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "#dde8f5", "edgecolor": "#335"})
        if i:
            ax.annotate("", xy=(0.5, yc + 0.5 / len(rows) - 0.02),
                        xytext=(0.5, yc + 1.5 / len(rows) - 0.1),
                        arrowprops={"arrowstyle": "->"})
    ax.set_title(f'Model "{model.name}"', fontsize=10)
    return _finish(fig, path)
