"""Adamax: Adam with the infinity norm in place of the second moment."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer
from tinykeras.optimizers.flat import rounded


class Adamax(Optimizer):
    """``m += (g - m) * (1 - beta_1)``; ``u = max(beta_2 * u, |g|)``;
    ``var -= lr * m / ((1 - beta_1**t) * (u + epsilon))``, with ``t = iterations + 1``.

    The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: decay of the first-moment estimate, in [0, 1).
        beta_2: decay of the infinity norm, in [0, 1].
        epsilon: small constant for numerical stability.
    """

    _config_keys = ("beta_1", "beta_2", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = self._number("beta_1", beta_1, high=1.0, open_high=True)
        self.beta_2 = self._number("beta_2", beta_2, high=1.0)
        self.epsilon = self._number("epsilon", epsilon)

    def _slot_groups(self):
        return [[("momentum", 0.0), ("norm", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Adamax step to ``variable`` in place."""
        seg = self._segment(variable)
        tmp, denom = seg.scratch
        m, u = seg.slots["momentum"], seg.slots["norm"]
        beta_1 = rounded(self.beta_1, variable.dtype)
        one_minus_beta_1, beta_2, epsilon, correction, lr = seg.consts(
            1 - self.beta_1, self.beta_2, self.epsilon, 1 - beta_1**self._t, learning_rate
        )
        kernel = fused.kernel("adamax", variable, gradient, m, u)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            kernel(variable, gradient, m, u, one_minus_beta_1[()], beta_2[()], epsilon[()],
                   correction[()], lr[()])
            return
        np.subtract(gradient, m, out=tmp)
        tmp *= one_minus_beta_1
        m += tmp
        u *= beta_2
        np.abs(gradient, out=tmp)
        np.maximum(u, tmp, out=u)
        np.multiply(m, lr, out=tmp)
        np.add(u, epsilon, out=denom)
        denom *= correction  # (1 - beta_1**t) * (u + epsilon)
        tmp /= denom
        variable -= tmp
