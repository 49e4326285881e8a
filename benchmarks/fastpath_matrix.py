"""Coverage matrix of the fast path: each variant of the seed network timed three ways in
one run, the default (trace and replay), ``jit_compile=False`` (the tape every step) and a
lean hand-written NumPy loop of the same network (preallocated nothing fancy: plain NumPy,
Adam on flat arrays, crossentropy from the logits, the epoch's loss summed as fit reports
it).

    PYTHONPATH=src python benchmarks/fastpath_matrix.py            # every row, 3 reps, 100 epochs
    PYTHONPATH=src python benchmarks/fastpath_matrix.py --reps 5 --rows seed l2 --epochs 20

100 epochs is what the seed page trains for (and what the issue measured, 99); a fit's fixed
cost (building the model's optimizer buffers, tracing and verifying each batch shape: ~3 ms
on the seed network) weighs more in shorter fits, so ``--epochs 20`` reads a little higher.

Each (row, system) repetition runs in this process, systems alternated per repetition;
the table gives medians of whole-fit seconds and the ratios to the lean loop, and the load
average before and after (the machine is shared: read ratios, not absolute times).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

ROWS = ["seed", "l2", "activation_layer", "mse", "sample_weight", "metrics", "validation",
        "dropout", "tape_loop", "relu_softmax_sparse", "W2"]


def data(row, n):
    """Deterministic inputs and labels for a row (W1-like 400 features, or W2's 784)."""
    rng = np.random.default_rng(0)
    features = 784 if row == "W2" else 400
    x = (rng.uniform(size=(n, features)) < 0.2).astype(np.float32)
    teacher = rng.standard_normal((features, 10)).astype(np.float32)
    scores = (x - 0.2) @ teacher
    if row in ("relu_softmax_sparse", "W2"):
        return x, np.argmax(scores, axis=1).astype(np.int64)
    if row == "mse":
        return x, scores[:, :1] / 10.0
    return x, (scores[:, :1] > 0).astype(np.float32)


def layout(row):
    """(layer sizes, hidden activation, output kind) of a row."""
    if row == "W2":
        return [784, 512, 256, 10], "relu", "sparse"
    if row == "relu_softmax_sparse":
        return [400, 25, 15, 10], "relu", "sparse"
    return [400, 25, 15, 1], "sigmoid", ("mse" if row == "mse" else "bce")


def initial_weights(sizes):
    rng = np.random.default_rng(1)
    weights = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (a + b))
        weights += [rng.uniform(-limit, limit, (a, b)).astype(np.float32),
                    np.zeros(b, np.float32)]
    return weights


# -- tinykeras --------------------------------------------------------------------------------
def fit_tinykeras(row, x, y, epochs, batch, jit):
    """Fit with tinykeras's public API; return seconds."""
    import tinykeras as tk
    from tinykeras import layers

    sizes, act, out = layout(row)
    reg = tk.regularizers.l2(0.01) if row == "l2" else None
    model = tk.Sequential([tk.Input(shape=(sizes[0],))])
    for units in sizes[1:-1]:
        if row == "activation_layer":
            model.add(layers.Dense(units, kernel_regularizer=reg))
            model.add(layers.Activation(act))
        else:
            model.add(layers.Dense(units, activation=act, kernel_regularizer=reg))
        if row == "dropout":
            model.add(layers.Dropout(0.2))
    last = {"bce": "sigmoid", "mse": None, "sparse": None}[out]
    if row == "activation_layer":
        model.add(layers.Dense(sizes[-1]))
        model.add(layers.Activation(last))
    else:
        model.add(layers.Dense(sizes[-1], activation=last, kernel_regularizer=reg))
    model.set_weights(initial_weights(sizes))
    loss = {"bce": tk.losses.BinaryCrossentropy(), "mse": "mse",
            "sparse": tk.losses.SparseCategoricalCrossentropy(from_logits=True)}[out]
    optimizer = tk.optimizers.Adam(1e-3)
    model.compile(optimizer=optimizer, loss=loss, jit_compile=jit,
                  metrics=["accuracy"] if row == "metrics" else None)
    kwargs = {}
    if row == "sample_weight":
        kwargs["sample_weight"] = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    if row == "validation":
        kwargs["validation_split"] = 0.2
    if row == "tape_loop":
        loss_fn = tk.losses.BinaryCrossentropy()

        def step(xb, yb):
            with tk.GradientTape() as tape:
                pred = model(xb, training=True)
                value = loss_fn(yb, pred)
            grads = tape.gradient(value, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return value

        step = tk.function(step, jit_compile=jit) if jit is not False else step
        start = time.perf_counter()
        for _ in range(epochs):
            for i in range(0, len(x), batch):
                step(x[i:i + batch], y[i:i + batch])
        return time.perf_counter() - start
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0, **kwargs)
    return time.perf_counter() - start


# -- the lean NumPy loop ----------------------------------------------------------------------
def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def fit_lean(row, x, y, epochs, batch, _jit=None):
    """The same network and arithmetic written by hand in NumPy; return seconds."""
    sizes, act, out = layout(row)
    params = initial_weights(sizes)
    flat = np.concatenate([p.ravel() for p in params])
    views, start = [], 0
    for p in params:
        views.append(flat[start:start + p.size].reshape(p.shape))
        start += p.size
    grad = np.zeros_like(flat)
    gviews, start = [], 0
    for p in params:
        gviews.append(grad[start:start + p.size].reshape(p.shape))
        start += p.size
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    b1, b2, eps, lr = np.float32(0.9), np.float32(0.999), np.float32(1e-7), 1e-3
    n_layers = len(sizes) - 1
    sw_all = np.linspace(0.5, 1.5, len(x)).astype(np.float32) if row == "sample_weight" else None
    n_train = int(len(x) * 0.8) if row == "validation" else len(x)
    rng = np.random.default_rng(3)
    t = 0
    begin = time.perf_counter()
    for _ in range(epochs):
        correct, epoch_loss = 0, 0.0
        for i in range(0, n_train, batch):
            xb, yb = x[i:min(i + batch, n_train)], y[i:min(i + batch, n_train)]
            nb = len(xb)
            acts, masks = [xb], []
            a = xb
            for k in range(n_layers):
                z = a @ views[2 * k] + views[2 * k + 1]
                if k < n_layers - 1:
                    a = np.maximum(z, 0) if act == "relu" else _sigmoid(z)
                    if row == "dropout":
                        mask = (rng.random(a.shape) >= 0.2).astype(np.float32) / np.float32(0.8)
                        a = a * mask
                        masks.append(mask)
                    acts.append(a)
                else:
                    logits = z
            # The loss value too, as fit reports it (benchmarks/systems/numpy_lean.py does
            # the same): per sample from the logits, summed over the epoch.
            if out == "bce":
                p = _sigmoid(logits)
                losses = np.maximum(logits, 0) - logits * yb + np.log1p(np.exp(-np.abs(logits)))
                g = (p - yb) / nb
            elif out == "mse":
                diff = logits - yb
                losses = diff * diff
                g = 2.0 * diff / nb
            else:
                shifted = logits - logits.max(axis=1, keepdims=True)
                e = np.exp(shifted)
                total_e = e.sum(axis=1, keepdims=True)
                p = e / total_e
                losses = np.log(total_e[:, 0]) - shifted[np.arange(nb), yb]
                g = p.copy()
                g[np.arange(nb), yb] -= 1
                g /= nb
            if sw_all is not None:
                weights = sw_all[i:i + nb, None]
                losses = losses * (weights if losses.ndim == 2 else weights[:, 0])
                g = g * weights
            epoch_loss += float(losses.sum())
            if row == "l2":  # the penalties are part of the reported loss
                epoch_loss += nb * sum(0.01 * float(np.sum(views[2 * k] ** 2))
                                       for k in range(n_layers))
            if row == "metrics":
                correct += int(((p > 0.5) == (yb > 0.5)).sum())
            for k in range(n_layers - 1, -1, -1):
                np.matmul(acts[k].T, g, out=gviews[2 * k])
                np.sum(g, axis=0, out=gviews[2 * k + 1])
                if row == "l2":
                    gviews[2 * k] += 0.02 * views[2 * k]
                if k:
                    g = g @ views[2 * k].T
                    if row == "dropout":
                        g = g * masks[k - 1]
                    a = acts[k] if row != "dropout" else acts[k] / np.where(
                        masks[k - 1] > 0, masks[k - 1], 1)
                    g = g * (a > 0) if act == "relu" else g * a * (1 - a)
            t += 1
            m += (grad - m) * (1 - b1)
            v += (grad * grad - v) * (1 - b2)
            alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            flat -= m * np.float32(alpha) / (np.sqrt(v) + eps)
            if t % 100 == 0:
                # As tinykeras's optimizers (and benchmarks/systems/numpy_lean.py) do: moments of
                # never-lit inputs decay into float32 denormals, which make every ufunc over
                # them ~10x slower; values this small change no update.
                for moment in (m, v):
                    moment[np.abs(moment) < 1e-30] = 0
        if row == "validation":
            # The validation loss, as fit reports val_loss, in batches of the same size as
            # fit's (one 200-row matmul would use both BLAS threads, whose timing swings 4x
            # on a shared machine when the other core is busy).
            val_loss = 0.0
            for i in range(n_train, len(x), batch):
                a, yv = x[i:i + batch], y[i:i + batch]
                for k in range(n_layers):
                    z = a @ views[2 * k] + views[2 * k + 1]
                    a = (np.maximum(z, 0) if act == "relu" else _sigmoid(z)) \
                        if k < n_layers - 1 else z
                val_loss += float(np.sum(np.maximum(a, 0) - a * yv
                                         + np.log1p(np.exp(-np.abs(a)))))
    return time.perf_counter() - begin


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="*", default=ROWS)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=100, help="epochs per fit (W2: 1/25)")
    parser.add_argument("--n", type=int, default=1000, help="rows of data (W2: 4x)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    systems = {"default": lambda *a: fit_tinykeras(*a, "auto"),
               "jit_compile=False": lambda *a: fit_tinykeras(*a, False),
               "lean NumPy": lambda *a: fit_lean(*a)}
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} "
          f"{load_before[2]:.2f}; {args.epochs} epochs, {args.reps} repetitions (median)")
    print()
    print("| row | default s | jit_compile=False s | lean NumPy s | default / lean | "
          "tape / lean |")
    print("|---|---|---|---|---|---|")
    for row in args.rows:
        n = args.n * 4 if row == "W2" else args.n
        batch = 128 if row == "W2" else 32
        epochs = max(1, args.epochs // 25) if row == "W2" else args.epochs
        x, y = data(row, n)
        times = {name: [] for name in systems}
        for _ in range(args.reps):
            for name, fit in systems.items():
                times[name].append(fit(row, x, y, epochs, batch))
        med = {name: statistics.median(ts) for name, ts in times.items()}
        lean = med["lean NumPy"]
        print(f"| {row} | {med['default']:.3f} | {med['jit_compile=False']:.3f} | {lean:.3f} | "
              f"{med['default'] / lean:.2f}x | {med['jit_compile=False'] / lean:.2f}x |",
              flush=True)
    load_after = os.getloadavg()
    print()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")


if __name__ == "__main__":
    main()
