"""Adam, and AdamW (Adam with decoupled weight decay on by default)."""

import math

import numpy as np

from tinykeras.errors import InvalidArgumentError
from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer
from tinykeras.optimizers.flat import rounded
from tinykeras.utils import validation


class Adam(Optimizer):
    """Adam in Keras's "epsilon-hat" form, with ``t = iterations + 1``::

        m += (g - m) * (1 - beta_1)
        v += (g**2 - v) * (1 - beta_2)
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        var -= m * alpha / (sqrt(v) + epsilon)

    Epsilon is not bias-corrected, so results differ slightly from ``m_hat / (sqrt(v_hat) +
    eps)``. With ``amsgrad``, ``v_hat = max(v_hat, v)`` replaces ``v`` in the denominator.
    The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: decay of the first-moment estimate, in [0, 1).
        beta_2: decay of the second-moment estimate, in [0, 1).
        epsilon: small constant for numerical stability.
        amsgrad: use the AMSGrad variant.

    >>> from tinykeras.autodiff import Variable
    >>> w = Variable([1.0, 2.0])
    >>> opt = Adam(learning_rate=0.5)
    >>> _ = opt.apply_gradients([(np.array([3.0, -0.5]), w)])
    >>> np.round(w.numpy(), 4)  # the first step moves each weight by about lr * sign(g)
    array([0.5, 2.5], dtype=float32)
    """

    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = self._number("beta_1", beta_1, high=1.0, open_high=True)
        self.beta_2 = self._number("beta_2", beta_2, high=1.0, open_high=True)
        self.epsilon = self._number("epsilon", epsilon)
        self.amsgrad = validation.check_bool("amsgrad", amsgrad, who=type(self).__name__)

    def _slot_groups(self):
        # Keras interleaves m and v per variable; velocity_hat comes after all of them.
        groups = [[("momentum", 0.0), ("velocity", 0.0)]]
        if self.amsgrad:
            groups.append([("velocity_hat", 0.0)])
        return groups

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Adam step to ``variable`` in place."""
        seg = self._segment(variable)
        tmp, denom = seg.scratch
        m, v = seg.slots["momentum"], seg.slots["velocity"]
        t = self._t
        beta_1, beta_2 = rounded(self.beta_1, variable.dtype), rounded(self.beta_2, variable.dtype)
        alpha = learning_rate * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        v_hat = seg.slots["velocity_hat"] if self.amsgrad else v  # v: any array, unused
        kernel = fused.kernel("adam", variable, gradient, m, v, v_hat)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            scalar = variable.dtype.type
            kernel(variable, gradient, m, v, v_hat, scalar(1 - self.beta_1),
                   scalar(1 - self.beta_2), scalar(alpha), scalar(self.epsilon), self.amsgrad)
            return
        one_minus_beta_1, one_minus_beta_2, epsilon, alpha = seg.consts(
            1 - self.beta_1, 1 - self.beta_2, self.epsilon, alpha
        )
        np.subtract(gradient, m, out=tmp)
        tmp *= one_minus_beta_1
        m += tmp
        np.multiply(gradient, gradient, out=tmp)
        tmp -= v
        tmp *= one_minus_beta_2
        v += tmp
        if self.amsgrad:
            v_hat = seg.slots["velocity_hat"]
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        np.sqrt(v, out=denom)
        denom += epsilon
        np.multiply(m, alpha, out=tmp)
        tmp /= denom
        variable -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay: each step first does ``var -= var * wd * lr``.

    The same as ``Adam(weight_decay=...)``, with ``weight_decay`` defaulting to 0.004 and
    required. Other arguments are those of ``Adam`` and ``Optimizer``.
    """

    def __init__(
        self,
        learning_rate=0.001,
        weight_decay: float = 0.004,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ):
        if weight_decay is None:
            raise InvalidArgumentError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None"
            )
        super().__init__(
            learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **kwargs
        )
