"""JAX + optax: one jitted train step (forward, loss, grad, optax.adam update), the usual way.

Losses from the logits (optax.sigmoid_binary_cross_entropy / softmax_cross_entropy with integer
labels). NOTE: optax.adam(eps=1e-7) divides by sqrt(v_hat) + eps, not by Keras's epsilon-hat
sqrt(v) + eps; with eps this small the final losses differ by far less than the 1e-4 we compare
at. Batches are NumPy slices handed to the jitted step (XLA copies them in); the step compiles
twice in the first epoch (full and last partial batch), which is why the first epoch is slow.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

NAME = "jax"
IMPORT = "import jax, optax"


class JaxModel:
    """Parameters as a list of (kernel, bias), the optax state, and the jitted functions."""

    def __init__(self, network: str, weights: list, loss: str):
        """Put the shared initial weights on the device and jit the step and the forward pass."""
        from data import NETWORKS

        acts = NETWORKS[network]["activations"]
        self.bce = loss == "bce"
        self.params = [(jnp.asarray(weights[i]), jnp.asarray(weights[i + 1])) for i in (0, 2, 4)]
        self.optimizer = optax.adam(1e-3, eps=1e-7)
        self.opt_state = self.optimizer.init(self.params)

        def logits_fn(params, x):
            for i, (w, b) in enumerate(params):
                x = x @ w + b
                if i < len(params) - 1:
                    x = jax.nn.sigmoid(x) if acts[i] == "sigmoid" else jax.nn.relu(x)
            return x

        def loss_fn(params, x, y):
            z = logits_fn(params, x)
            if self.bce:
                return optax.sigmoid_binary_cross_entropy(z, y).mean()
            return optax.softmax_cross_entropy_with_integer_labels(z, y).mean()

        def train_step(params, opt_state, x, y):
            loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
            updates, opt_state = self.optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        def output_fn(params, x):
            z = logits_fn(params, x)
            return jax.nn.sigmoid(z) if self.bce else z

        self.train_step = jax.jit(train_step)
        self.output = jax.jit(output_fn)


def build(network: str, weights: list, loss: str) -> JaxModel:
    """Make the JAX model from the shared initial weights."""
    return JaxModel(network, weights, loss)


def fit(model: JaxModel, x, y, batch_size: int, epochs: int) -> tuple[list, list]:
    """Loop over NumPy batches calling the jitted step; losses are read once per epoch."""
    y = y if model.bce else y.astype(np.int32)
    n_rows = x.shape[0]
    step = model.train_step
    params, opt_state = model.params, model.opt_state
    times, losses = [], []
    for _ in range(epochs):
        batch_losses = []
        for s in range(0, n_rows, batch_size):
            xb, yb = x[s : s + batch_size], y[s : s + batch_size]
            params, opt_state, loss = step(params, opt_state, xb, yb)
            batch_losses.append((loss, xb.shape[0]))
        jax.block_until_ready(params)
        times.append(time.perf_counter())
        losses.append(sum(float(loss) * n for loss, n in batch_losses) / n_rows)
    model.params, model.opt_state = params, opt_state
    return times, losses


def predict(model: JaxModel, x, batch_size: int) -> np.ndarray:
    """Jitted forward pass per batch, gathered into one NumPy array."""
    outs = [model.output(model.params, x[s : s + batch_size]) for s in range(0, len(x), batch_size)]
    return np.concatenate([np.asarray(o) for o in outs])


def call_row(model: JaxModel, row) -> np.ndarray:
    """One row through the jitted forward pass, back as NumPy."""
    return np.asarray(model.output(model.params, row))


ROW_CALLS = {"predict": call_row, "call": call_row}
