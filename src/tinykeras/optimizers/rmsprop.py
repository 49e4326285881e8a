"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """``v = rho * v + (1 - rho) * g**2``; ``var -= lr * g / sqrt(v + epsilon)``.

    ``centered`` also tracks ``a = rho * a + (1 - rho) * g`` and divides by
    ``sqrt(v - a**2 + epsilon)``; with ``momentum > 0`` the step goes through
    ``mom = momentum * mom + step; var -= mom``. Epsilon sits inside the square root, as in
    Keras. The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        rho: discount of the running mean square, in [0, 1].
        momentum: float in [0, 1].
        epsilon: small constant for numerical stability.
        centered: normalize by the estimated variance instead of the raw second moment.
    """

    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho = self._number("rho", rho, high=1.0)
        self.momentum = self._number("momentum", momentum, high=1.0)
        self.epsilon = self._number("epsilon", epsilon)
        self.centered = bool(centered)

    def _slot_groups(self):
        # Keras builds all velocities, then all momentums, then all average gradients.
        groups = [[("velocity", 0.0)]]
        if self.momentum > 0:
            groups.append([("momentum", 0.0)])
        if self.centered:
            groups.append([("average_gradient", 0.0)])
        return groups

    def update_step(self, gradient, variable, learning_rate):
        """Apply one RMSprop step to ``variable`` in place."""
        seg = self._segment(variable)
        velocity = seg.slots["velocity"]
        if not self.centered and self.momentum == 0:
            slots = ()
            kernel = fused.kernel("rmsprop", variable, gradient, velocity)
        else:  # the slots a form does not use are passed as any array of the right size
            slots = (seg.slots.get("average_gradient", velocity),
                     seg.slots.get("momentum", velocity))
            kernel = fused.kernel("rmsprop_full", variable, gradient, velocity, *slots)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            scalar = variable.dtype.type
            consts = (scalar(self.rho), scalar(1 - self.rho), scalar(self.epsilon),
                      scalar(learning_rate))
            if slots:
                consts += (scalar(self.momentum), self.centered, self.momentum > 0)
            kernel(variable, gradient, velocity, *slots, *consts)
            return
        tmp, denom = seg.scratch
        rho, one_minus_rho, epsilon, lr, momentum = seg.consts(
            self.rho, 1 - self.rho, self.epsilon, learning_rate, self.momentum
        )
        velocity *= rho
        np.multiply(gradient, gradient, out=tmp)
        tmp *= one_minus_rho
        velocity += tmp
        if self.centered:
            average = seg.slots["average_gradient"]
            average *= rho
            np.multiply(gradient, one_minus_rho, out=tmp)
            average += tmp
            np.multiply(average, average, out=denom)
            np.subtract(velocity, denom, out=denom)
            denom += epsilon
        else:
            np.add(velocity, epsilon, out=denom)
        np.sqrt(denom, out=denom)
        np.multiply(gradient, lr, out=tmp)
        tmp /= denom  # the increment lr * g / sqrt(...)
        if self.momentum > 0:
            mom = seg.slots["momentum"]
            mom *= momentum
            mom += tmp
            variable -= mom
        else:
            variable -= tmp
