"""PyTorch (CPU build 2.13.0): the idiomatic eager training loop.

nn.Sequential of Linear layers, BCEWithLogitsLoss / CrossEntropyLoss on the logits (the model's
last layer is linear; the sigmoid is applied only when predicting), torch.optim.Adam with
eps=1e-7. NOTE: torch's Adam divides by sqrt(v_hat) + eps rather than Keras's epsilon-hat form
sqrt(v) + eps; with eps = 1e-7 the difference is far below the loss tolerance we compare at.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch import nn

NAME = "torch"
IMPORT = "import torch"

torch.set_num_threads(2)


class TorchModel:
    """The torch module, its loss and optimizer, and whether outputs need a sigmoid."""

    def __init__(self, network: str, weights: list, loss: str):
        """Build nn.Sequential from the shared weights (torch stores kernels as out x in)."""
        from data import NETWORKS

        spec = NETWORKS[network]
        layers = []
        sizes, acts = spec["sizes"], spec["activations"]
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            lin = nn.Linear(fan_in, fan_out)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(weights[2 * i].T.copy()))
                lin.bias.copy_(torch.from_numpy(weights[2 * i + 1]))
            layers.append(lin)
            if i < len(acts) - 1:
                layers.append(nn.Sigmoid() if acts[i] == "sigmoid" else nn.ReLU())
        self.net = nn.Sequential(*layers)
        self.bce = loss == "bce"
        self.loss_fn = nn.BCEWithLogitsLoss() if self.bce else nn.CrossEntropyLoss()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3, eps=1e-7)


def build(network: str, weights: list, loss: str) -> TorchModel:
    """Make the torch model from the shared initial weights."""
    return TorchModel(network, weights, loss)


def fit(model: TorchModel, x, y, batch_size: int, epochs: int) -> tuple[list, list]:
    """The textbook loop: zero_grad, forward, loss, backward, step; loss.item() per batch."""
    xt = torch.from_numpy(x)
    yt = torch.from_numpy(y) if model.bce else torch.from_numpy(y.astype(np.int64))
    n_rows = xt.shape[0]
    net, loss_fn, opt = model.net, model.loss_fn, model.opt
    net.train()
    times, losses = [], []
    for _ in range(epochs):
        total = 0.0
        for s in range(0, n_rows, batch_size):
            xb, yb = xt[s : s + batch_size], yt[s : s + batch_size]
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
        times.append(time.perf_counter())
        losses.append(total / n_rows)
    return times, losses


def _output(model: TorchModel, xb):
    """Forward without autograd; sigmoid on the logits of a BCE model."""
    z = model.net(xb)
    return torch.sigmoid(z) if model.bce else z


def predict(model: TorchModel, x, batch_size: int) -> np.ndarray:
    """Batched inference under torch.inference_mode, concatenated to one NumPy array."""
    xt = torch.from_numpy(x)
    model.net.eval()
    with torch.inference_mode():
        outs = [_output(model, xt[s : s + batch_size]) for s in range(0, xt.shape[0], batch_size)]
        return torch.cat(outs).numpy()


def call_row(model: TorchModel, row) -> np.ndarray:
    """One row through the module under torch.inference_mode."""
    with torch.inference_mode():
        return _output(model, torch.from_numpy(row)).numpy()


ROW_CALLS = {"predict": call_row, "call": call_row}
