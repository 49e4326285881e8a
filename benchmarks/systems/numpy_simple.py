"""numpy-simple: numpy-lean's arithmetic written plainly (temporaries, per-parameter Adam).

No preallocation, no flat arrays, no denormal flush: what a careful NumPy beginner writes.
"""

from __future__ import annotations

import time

import numpy as np

NAME = "numpy-simple"
IMPORT = "import numpy"

LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7


def sigmoid(z):
    """Logistic sigmoid as 0.5 tanh(z/2) + 0.5 (the same formula as numpy-lean)."""
    return 0.5 * np.tanh(0.5 * z) + 0.5


class SimpleNet:
    """A list of (kernel, bias) pairs with Adam slots per parameter."""

    def __init__(self, activations: tuple, weights: list, loss: str):
        """Copy the initial weights and make zero Adam slots."""
        self.activations, self.loss = activations, loss
        self.params = [w.copy() for w in weights]
        self.m = [np.zeros_like(w) for w in weights]
        self.v = [np.zeros_like(w) for w in weights]
        self.iterations = 0

    def forward(self, x):
        """Return the list of layer outputs; the last one is the logits."""
        outs = []
        a = x
        for i, act in enumerate(self.activations):
            z = a @ self.params[2 * i] + self.params[2 * i + 1]
            if i == len(self.activations) - 1:
                a = z
            elif act == "sigmoid":
                a = sigmoid(z)
            elif act == "relu":
                a = np.maximum(z, 0.0)
            else:
                a = z
            outs.append(a)
        return outs

    def loss_and_delta(self, z, y):
        """Return (summed loss, dL/dlogits averaged over the batch) for the logits z."""
        n = z.shape[0]
        if self.loss == "bce":
            per_row = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
            # dL/dz = (p - y) / n only because the sigmoid pairs with BCE.
            return float(per_row.sum()), (sigmoid(z) - y) / n
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        se = e.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        total = float(np.log(se).sum() - shifted[rows, y].sum())
        p = e / se
        p[rows, y] -= 1.0
        return total, p / n

    def backward(self, x, outs, dz):
        """Return the gradients (Keras order) by the chain rule from dL/dlogits."""
        grads = [None] * len(self.params)
        for i in range(len(self.activations) - 1, -1, -1):
            a_in = outs[i - 1] if i > 0 else x
            grads[2 * i] = a_in.T @ dz
            grads[2 * i + 1] = dz.sum(axis=0)
            if i > 0:
                da = dz @ self.params[2 * i].T
                a = outs[i - 1]
                if self.activations[i - 1] == "sigmoid":
                    dz = da * a * (1.0 - a)
                elif self.activations[i - 1] == "relu":
                    dz = da * (a > 0)
                else:
                    dz = da
        return grads

    def adam(self, grads) -> None:
        """Keras's Adam (epsilon-hat form), one parameter at a time."""
        self.iterations += 1
        t = self.iterations
        alpha = LR * (1.0 - BETA_2**t) ** 0.5 / (1.0 - BETA_1**t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m += (g - m) * (1.0 - BETA_1)
            v += (g * g - v) * (1.0 - BETA_2)
            p -= m * alpha / (np.sqrt(v) + EPSILON)


def build(network: str, weights: list, loss: str) -> SimpleNet:
    """Make the simple network from the shared initial weights."""
    from data import NETWORKS

    return SimpleNet(NETWORKS[network]["activations"], weights, loss)


def fit(model: SimpleNet, x, y, batch_size: int, epochs: int) -> tuple[list, list]:
    """Train without shuffling; return each epoch's end time and mean loss."""
    n_rows = x.shape[0]
    times, losses = [], []
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n_rows, batch_size):
            xb, yb = x[s : s + batch_size], y[s : s + batch_size]
            outs = model.forward(xb)
            loss, dz = model.loss_and_delta(outs[-1], yb)
            total += loss
            model.adam(model.backward(xb, outs, dz))
        times.append(time.perf_counter())
        losses.append(total / n_rows)
    return times, losses


def _output(model: SimpleNet, x):
    """Forward pass returning probabilities for BCE networks and logits otherwise."""
    z = model.forward(x)[-1]
    return sigmoid(z) if model.loss == "bce" else z


def predict(model: SimpleNet, x, batch_size: int) -> np.ndarray:
    """Forward pass over x in batches, concatenated."""
    return np.concatenate(
        [_output(model, x[s : s + batch_size]) for s in range(0, x.shape[0], batch_size)]
    )


ROW_CALLS = {"predict": _output, "call": _output}
