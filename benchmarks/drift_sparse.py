"""Where does the relu + softmax + sparse-labels run drift from its lean loop? Runs the
network of ``fastpath_matrix.py``'s ``relu_softmax_sparse`` row for 100 epochs in tinykeras and in a
lean NumPy loop, in float32 and float64, and prints how far apart they are.

    PYTHONPATH=src python benchmarks/drift_sparse.py          # lean loop: 1 - float32(beta)
    KC=1 PYTHONPATH=src python benchmarks/drift_sparse.py     # lean loop: float32(1 - beta)

See docs/benchmarks.md ("The relu + softmax + sparse drift") for the reading.
"""

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fastpath_matrix as cv  # noqa: E402

import tinykeras as tk  # noqa: E402
from tinykeras import layers  # noqa: E402

# Keras (and tinykeras) round 1 - beta to the variable dtype; a plain float32 loop computes
# 1 - float32(beta), which differs by one float32 ulp.
KERAS_CONST = os.environ.get("KC") == "1"


def OMB1(dt):  # noqa: N802 - one minus beta_1
    return dt(1 - 0.9) if KERAS_CONST else (1 - dt(0.9))


def OMB2(dt):  # noqa: N802 - one minus beta_2
    return dt(1 - 0.999) if KERAS_CONST else (1 - dt(0.999))


def lean(x, y, epochs, dt):
    """The network trained by hand in NumPy; the epoch losses."""
    sizes = [400, 25, 15, 10]
    params = [p.astype(dt) for p in cv.initial_weights(sizes)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps, lr = dt(0.9), dt(0.999), dt(1e-7), 1e-3
    t = 0
    hist = []
    x = x.astype(dt)
    for _ in range(epochs):
        tot = 0.0
        for i in range(0, len(x), 32):
            xb, yb = x[i : i + 32], y[i : i + 32]
            nb = len(xb)
            acts = [xb]
            a = xb
            for k in range(3):
                z = a @ params[2 * k] + params[2 * k + 1]
                if k < 2:
                    a = np.maximum(z, dt(0))
                    acts.append(a)
                else:
                    logits = z
            sh = logits - logits.max(axis=1, keepdims=True)
            logp = sh - np.log(np.exp(sh).sum(axis=1, keepdims=True))
            tot += float(-logp[np.arange(nb), yb].mean()) * nb
            g = np.exp(logp)
            g[np.arange(nb), yb] -= 1
            g /= dt(nb)
            grads = [None] * 6
            for k in range(2, -1, -1):
                grads[2 * k] = acts[k].T @ g
                grads[2 * k + 1] = g.sum(axis=0)
                if k:
                    g = (g @ params[2 * k].T) * (acts[k] > 0)
            t += 1
            alpha = lr * np.sqrt(1 - float(b2) ** t) / (1 - float(b1) ** t)
            for p, gg, mm, vv in zip(params, grads, m, v):
                mm += (gg - mm) * OMB1(dt)
                vv += (gg * gg - vv) * OMB2(dt)
                p -= mm * dt(alpha) / (np.sqrt(vv) + eps)
        hist.append(tot / len(x))
    return hist


def tiny(x, y, epochs, dt):
    """The same with tinykeras's fit; the epoch losses."""
    tk.config.set_floatx(np.dtype(dt).name)
    model = tk.Sequential(
        [
            tk.Input(shape=(400,)),
            layers.Dense(25, activation="relu"),
            layers.Dense(15, activation="relu"),
            layers.Dense(10),
        ]
    )
    model.set_weights([p.astype(dt) for p in cv.initial_weights([400, 25, 15, 10])])
    model.compile(
        optimizer=tk.optimizers.Adam(1e-3),
        loss=tk.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model.fit(
        x.astype(dt), y, batch_size=32, epochs=epochs, shuffle=False, verbose=0
    ).history["loss"]


x, y = cv.data("relu_softmax_sparse", 1000)
E = 100  # noqa: N816
r = {}
for dt in (np.float32, np.float64):
    r[("lean", dt)] = lean(x, y, E, dt)
    r[("tk", dt)] = tiny(x, y, E, dt)
for e in (0, 4, 9, 19, 49, 99):
    print(e + 1, " ".join(f"{k[0]}-{np.dtype(k[1]).name}={v[e]:.6f}" for k, v in r.items()))
for dt in (np.float32, np.float64):
    d = np.abs(np.array(r[("lean", dt)]) - np.array(r[("tk", dt)]))
    print(
        np.dtype(dt).name,
        "max |tk - lean| per epoch at 1,10,20,50,100:",
        [f"{d[i]:.2e}" for i in (0, 9, 19, 49, 99)],
    )
d = np.abs(np.array(r[("lean", np.float32)]) - np.array(r[("lean", np.float64)]))
print("lean f32 vs lean f64 at 1,10,20,50,100:", [f"{d[i]:.2e}" for i in (0, 9, 19, 49, 99)])
