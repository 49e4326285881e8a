"""The Keras-style workflow shared by the tinykeras and Keras 3 systems (same calls, same code).

Only the public Keras API: Sequential, Input, layers.Dense, optimizers.Adam, the losses,
set_weights, compile, fit(shuffle=False, verbose=0), predict and model(x). The seed network
ends in a sigmoid with BinaryCrossentropy (the course's code); W2's ends in a linear layer with
SparseCategoricalCrossentropy(from_logits=True).
"""

from __future__ import annotations

import time

import numpy as np


def build(api, network: str, weights: list, loss: str):
    """Build and compile the Sequential model with `api` (the keras or tinykeras module)."""
    from data import NETWORKS

    spec = NETWORKS[network]
    sizes, acts = spec["sizes"], spec["activations"]
    model = api.Sequential(
        [api.Input(shape=(sizes[0],))]
        + [api.layers.Dense(k, activation=a) for k, a in zip(sizes[1:], acts)]
    )
    if loss == "bce":
        loss_obj = api.losses.BinaryCrossentropy()
    else:
        loss_obj = api.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.set_weights([np.array(w) for w in weights])
    model.compile(optimizer=api.optimizers.Adam(learning_rate=1e-3), loss=loss_obj)
    return model


def fit(model, x, y, batch_size: int, epochs: int) -> tuple[list, list]:
    """fit() the first epoch, then the other epochs in a second call (the optimizer goes on)."""
    h1 = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    times = [time.perf_counter()]
    losses = list(h1.history["loss"])
    if epochs > 1:
        h2 = model.fit(x, y, batch_size=batch_size, epochs=epochs - 1, shuffle=False, verbose=0)
        times.append(time.perf_counter())
        losses += list(h2.history["loss"])
    return times, [float(v) for v in losses]


def predict(model, x, batch_size: int) -> np.ndarray:
    """model.predict over all rows at the given batch size."""
    return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def predict_row(model, row) -> np.ndarray:
    """model.predict on a single (1, n) row."""
    return np.asarray(model.predict(row, verbose=0))


def call_row(model, row) -> np.ndarray:
    """model(row), the eager call Keras recommends for small inputs."""
    return np.asarray(model(row))
