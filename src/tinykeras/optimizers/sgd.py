"""Stochastic gradient descent, with optional (Nesterov) momentum."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer
from tinykeras.utils import validation


class SGD(Optimizer):
    """Gradient descent: ``var -= lr * g``, or with momentum ``m = momentum * m - lr * g;
    var += m`` (Nesterov: ``var += momentum * m - lr * g`` with the new ``m``).

    Plain SGD is the ``momentum=0`` case of the same rule; it keeps no slots. The common
    arguments (``weight_decay``, ``clipnorm``, ``name``...) are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.01.
        momentum: float in [0, 1]; 0 means plain gradient descent.
        nesterov: use Nesterov momentum.

    >>> from tinykeras.autodiff import Variable
    >>> w = Variable([1.0, 2.0])
    >>> _ = SGD(learning_rate=0.5).apply_gradients([(np.array([1.0, -2.0]), w)])
    >>> w.numpy()
    array([0.5, 3. ], dtype=float32)
    """

    _config_keys = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = self._number("momentum", momentum, high=1.0)
        self.nesterov = validation.check_bool("nesterov", nesterov, who="SGD")

    def _slot_groups(self):
        return [[("momentum", 0.0)]] if self.momentum != 0 else []

    def update_step(self, gradient, variable, learning_rate):
        """Apply one (momentum) SGD step to ``variable`` in place."""
        seg = self._segment(variable)
        scalar = variable.dtype.type
        if self.momentum == 0:
            kernel = fused.kernel("sgd", variable, gradient)
            if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
                kernel(variable, gradient, scalar(learning_rate))
                return
        else:
            m = seg.slots["momentum"]
            kernel = fused.kernel("nesterov" if self.nesterov else "momentum", variable,
                                  gradient, m)
            if kernel is not None:
                kernel(variable, gradient, m, scalar(learning_rate), scalar(self.momentum))
                return
        step, tmp = seg.scratch
        lr, momentum = seg.consts(learning_rate, self.momentum)
        np.multiply(gradient, lr, out=step)  # lr * g
        if self.momentum == 0:
            variable -= step
            return
        m = seg.slots["momentum"]
        m *= momentum
        m -= step
        if self.nesterov:
            np.multiply(m, momentum, out=tmp)
            tmp -= step
            variable += tmp
        else:
            variable += m
