"""Adagrad: per-element learning rates from the sum of all past squared gradients."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """``acc += g**2``; ``var -= lr * g / sqrt(acc + epsilon)``, with ``acc`` starting at
    ``initial_accumulator_value``. The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        initial_accumulator_value: starting value of the accumulators, >= 0.
        epsilon: small constant for numerical stability.
    """

    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(
        self,
        learning_rate=0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = self._number(
            "initial_accumulator_value", initial_accumulator_value
        )
        self.epsilon = self._number("epsilon", epsilon)

    def _slot_groups(self):
        return [[("accumulator", self.initial_accumulator_value)]]

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Adagrad step to ``variable`` in place."""
        seg = self._segment(variable)
        tmp, denom = seg.scratch
        epsilon, lr = seg.consts(self.epsilon, learning_rate)
        accumulator = seg.slots["accumulator"]
        kernel = fused.kernel("adagrad", variable, gradient, accumulator)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            kernel(variable, gradient, accumulator, epsilon[()], lr[()])
            return
        np.multiply(gradient, gradient, out=tmp)
        accumulator += tmp
        np.add(accumulator, epsilon, out=denom)
        np.sqrt(denom, out=denom)
        np.multiply(gradient, lr, out=tmp)
        tmp /= denom
        variable -= tmp
