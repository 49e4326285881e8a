"""numpy-lean: a hand-written float32 NumPy loop, our estimate of a NumPy library's practical limit.

Preallocated buffers and ``out=`` everywhere; parameters, gradients and Adam's moments are views
of four flat arrays, so one Adam update is a dozen whole-model ufunc calls. Keras's exact Adam
(epsilon-hat form) and crossentropy from the logits (as Keras on TensorFlow does for a
sigmoid/softmax output): dL/dz = (p - y) / batch.
"""

from __future__ import annotations

import time

import numpy as np

NAME = "numpy-lean"
IMPORT = "import numpy"

LR, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
FLUSH_EVERY = 100  # steps between denormal flushes of Adam's moments
F32 = np.float32


class LeanNet:
    """A Dense chain whose parameters and gradients are views of one flat float32 array each."""

    def __init__(self, sizes: tuple, activations: tuple, weights: list, loss: str):
        """Lay the given weights (Keras order) into one flat array and make the views."""
        self.sizes, self.activations, self.loss = sizes, activations, loss
        n_params = sum(w.size for w in weights)
        self.flat = np.empty(n_params, dtype=F32)
        self.gflat = np.zeros(n_params, dtype=F32)
        self.params, self.grads = [], []
        offset = 0
        for w in weights:
            view = self.flat[offset : offset + w.size].reshape(w.shape)
            view[...] = w
            self.params.append(view)
            self.grads.append(self.gflat[offset : offset + w.size].reshape(w.shape))
            offset += w.size
        self.m = np.zeros(n_params, dtype=F32)
        self.v = np.zeros(n_params, dtype=F32)
        self.t1 = np.empty(n_params, dtype=F32)
        self.t2 = np.empty(n_params, dtype=F32)
        self.mask = np.empty(n_params, dtype=bool)
        self.iterations = 0
        self._bufs: dict[int, dict] = {}

    def buffers(self, n: int) -> dict:
        """Return (creating once) the activation and delta buffers for a batch of n rows."""
        bufs = self._bufs.get(n)
        if bufs is None:
            outs = self.sizes[1:]
            bufs = {
                "a": [np.empty((n, k), dtype=F32) for k in outs],
                "d": [np.empty((n, k), dtype=F32) for k in outs],
                "t": [np.empty((n, k), dtype=F32) for k in outs],
                "mask": [np.empty((n, k), dtype=bool) for k in outs],
                "col": np.empty((n, 1), dtype=F32),
                "col2": np.empty((n, 1), dtype=F32),
                "rows": np.arange(n),
            }
            self._bufs[n] = bufs
        return bufs

    def forward(self, x: np.ndarray, bufs: dict) -> np.ndarray:
        """Run the layers into the preallocated buffers; the last one holds the logits."""
        a = x
        for i, act in enumerate(self.activations):
            z = bufs["a"][i]
            np.matmul(a, self.params[2 * i], out=z)
            z += self.params[2 * i + 1]
            if act == "sigmoid" and i < len(self.activations) - 1:
                _sigmoid(z, z)
            elif act == "relu":
                np.maximum(z, 0.0, out=z)
            a = z
        return a

    def loss_and_delta(self, logits: np.ndarray, y: np.ndarray, bufs: dict) -> float:
        """Return the batch's summed loss and leave dL/dlogits (mean over the batch) in d[-1]."""
        n = logits.shape[0]
        d, t = bufs["d"][-1], bufs["t"][-1]
        if self.loss == "bce":
            # -log sigmoid(z) terms from the logits: max(z, 0) - z*y + log1p(exp(-|z|)).
            np.abs(logits, out=t)
            np.negative(t, out=t)
            np.exp(t, out=t)
            np.log1p(t, out=t)
            np.maximum(logits, 0.0, out=d)
            t += d
            np.multiply(logits, y, out=d)
            t -= d
            total = float(t.sum())
            # dL/dz = (sigmoid(z) - y) / n only because the sigmoid pairs with BCE.
            _sigmoid(logits, d)
            d -= y
            d *= 1.0 / n
            return total
        # Sparse categorical crossentropy from the logits: logsumexp(z) - z[y].
        col, col2, rows = bufs["col"], bufs["col2"], bufs["rows"]
        np.max(logits, axis=1, keepdims=True, out=col)
        np.subtract(logits, col, out=t)
        np.exp(t, out=d)
        np.sum(d, axis=1, keepdims=True, out=col2)
        total = float(np.log(col2).sum() - t[rows, y].sum())
        d /= col2
        d[rows, y] -= 1.0
        d *= 1.0 / n
        return total

    def backward(self, x: np.ndarray, bufs: dict) -> None:
        """Fill the flat gradient from d[-1] (dL/dlogits) back to the first kernel."""
        acts, deltas, tmps, masks = bufs["a"], bufs["d"], bufs["t"], bufs["mask"]
        for i in range(len(self.activations) - 1, -1, -1):
            dz = deltas[i]
            a_in = acts[i - 1] if i > 0 else x
            np.matmul(a_in.T, dz, out=self.grads[2 * i])
            np.sum(dz, axis=0, out=self.grads[2 * i + 1])
            if i == 0:
                break
            da = deltas[i - 1]
            np.matmul(dz, self.params[2 * i].T, out=da)
            a = acts[i - 1]
            if self.activations[i - 1] == "sigmoid":  # sigmoid' = a (1 - a)
                t = tmps[i - 1]
                np.subtract(1.0, a, out=t)
                t *= a
                da *= t
            elif self.activations[i - 1] == "relu":  # relu' = 1 where a > 0
                np.greater(a, 0.0, out=masks[i - 1])
                np.multiply(da, masks[i - 1], out=da)

    def adam(self) -> None:
        """Keras's Adam on the whole flat parameter array: a dozen ufunc calls."""
        self.iterations += 1
        t = self.iterations
        alpha = LR * (1.0 - BETA_2**t) ** 0.5 / (1.0 - BETA_1**t)  # Python float: stays f32
        g, m, v, t1, t2 = self.gflat, self.m, self.v, self.t1, self.t2
        np.subtract(g, m, out=t1)
        t1 *= 1.0 - BETA_1
        m += t1
        np.multiply(g, g, out=t1)
        t1 -= v
        t1 *= 1.0 - BETA_2
        v += t1
        np.multiply(m, alpha, out=t1)
        np.sqrt(v, out=t2)
        t2 += EPSILON
        t1 /= t2
        self.flat -= t1
        if t % FLUSH_EVERY == 0:
            # NumPy has no flush-to-zero: moments of never-lit inputs decay into float32
            # denormals, and every ufunc over them gets ~10x slower. Values this small change
            # no update, so the losses stay bit-identical.
            for arr in (m, v):
                np.abs(arr, out=t1)
                np.less(t1, 1e-30, out=self.mask)
                np.copyto(arr, 0.0, where=self.mask)


def _sigmoid(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Logistic sigmoid written into out as 0.5 tanh(z/2) + 0.5 (no overflow for large -z)."""
    np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def build(network: str, weights: list, loss: str) -> LeanNet:
    """Make the lean network from the shared initial weights."""
    from data import NETWORKS

    spec = NETWORKS[network]
    return LeanNet(spec["sizes"], spec["activations"], weights, loss)


def fit(model: LeanNet, x, y, batch_size: int, epochs: int) -> tuple[list, list]:
    """Train without shuffling; return each epoch's end time and mean loss."""
    n_rows = x.shape[0]
    starts = range(0, n_rows, batch_size)
    if model.loss == "scce":
        y = y.astype(np.intp)
    times, losses = [], []
    for _ in range(epochs):
        total = 0.0
        for s in starts:
            xb, yb = x[s : s + batch_size], y[s : s + batch_size]
            bufs = model.buffers(xb.shape[0])
            logits = model.forward(xb, bufs)
            total += model.loss_and_delta(logits, yb, bufs)
            model.backward(xb, bufs)
            model.adam()
        times.append(time.perf_counter())
        losses.append(total / n_rows)
    return times, losses


def predict(model: LeanNet, x, batch_size: int) -> np.ndarray:
    """Forward pass over x in batches into one preallocated output (sigmoid on BCE outputs)."""
    out = np.empty((x.shape[0], model.sizes[-1]), dtype=F32)
    for s in range(0, x.shape[0], batch_size):
        xb = x[s : s + batch_size]
        logits = model.forward(xb, model.buffers(xb.shape[0]))
        if model.loss == "bce":
            _sigmoid(logits, out[s : s + batch_size])
        else:
            out[s : s + batch_size] = logits
    return out


def call_row(model: LeanNet, row) -> np.ndarray:
    """Forward pass of one row into preallocated buffers (returns a fresh array)."""
    logits = model.forward(row, model.buffers(1))
    if model.loss == "bce":
        return _sigmoid(logits, np.empty_like(logits))
    return logits.copy()


ROW_CALLS = {"predict": call_row, "call": call_row}
