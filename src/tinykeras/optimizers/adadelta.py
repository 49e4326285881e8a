"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """With ``rms(x) = sqrt(x + epsilon)``::

        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = -rms(acc_delta) * g / rms(acc_g)
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        var += lr * delta

    The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        rho: decay of both running averages, in [0, 1].
        epsilon: small constant for numerical stability.
    """

    _config_keys = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho: float = 0.95, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = self._number("rho", rho, high=1.0)
        self.epsilon = self._number("epsilon", epsilon)

    def _slot_groups(self):
        return [[("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]]

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Adadelta step to ``variable`` in place."""
        seg = self._segment(variable)
        step, tmp = seg.scratch
        acc_grad = seg.slots["accumulated_grad"]
        acc_delta = seg.slots["accumulated_delta_var"]
        rho, one_minus_rho, epsilon, lr = seg.consts(
            self.rho, 1 - self.rho, self.epsilon, learning_rate
        )
        kernel = fused.kernel("adadelta", variable, gradient, acc_grad, acc_delta)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            kernel(variable, gradient, acc_grad, acc_delta, rho[()], one_minus_rho[()],
                   epsilon[()], lr[()])
            return
        acc_grad *= rho
        np.multiply(gradient, gradient, out=tmp)
        tmp *= one_minus_rho
        acc_grad += tmp
        # step = -delta = rms(acc_delta) * g / rms(acc_grad)
        np.add(acc_delta, epsilon, out=step)
        np.sqrt(step, out=step)
        step *= gradient
        np.add(acc_grad, epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        step /= tmp
        acc_delta *= rho
        np.multiply(step, step, out=tmp)
        tmp *= one_minus_rho
        acc_delta += tmp
        step *= lr
        variable -= step
