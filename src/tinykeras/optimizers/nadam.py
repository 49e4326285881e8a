"""Nadam: Adam with Nesterov momentum and Keras's momentum-decay schedule."""

import numpy as np

from tinykeras.optimizers import fused
from tinykeras.optimizers.base import Optimizer
from tinykeras.optimizers.flat import rounded, scalar_variable


class Nadam(Optimizer):
    """Nadam as Keras computes it, with ``t = iterations + 1``::

        u_t = beta_1 * (1 - 0.5 * 0.96**t)            (momentum schedule)
        u_product = u_1 * ... * u_t                    (kept in a variable)
        m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        var -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

    The common arguments are those of ``Optimizer``.

    Args:
        learning_rate: float, schedule or callable; default 0.001.
        beta_1: decay of the first-moment estimate, in [0, 1).
        beta_2: decay of the second-moment estimate, in [0, 1).
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
        self.beta_2 = self._number("beta_2", beta_2, high=1.0, open_high=True)
        self.epsilon = self._number("epsilon", epsilon)

    def _slot_groups(self):
        return [[("momentum", 0.0), ("velocity", 0.0)]]

    def build(self, variables):
        """Create m and v per variable, then the ``u_product`` scalar (last, as in Keras)."""
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        dtype = variables[0].dtype if variables else None
        # Keras creates it unnamed and outside the optimizer's scope: name and path "variable".
        self._u_product = scalar_variable(1.0, dtype)
        self._packed.slot_variables.append(self._u_product)

    def _u(self, t: int, dtype) -> float:
        """The momentum schedule u_t, from beta_1 and 0.96 as rounded to ``dtype``."""
        return rounded(self.beta_1, dtype) * (1 - 0.5 * rounded(0.96, dtype) ** t)

    def _update_all(self, segments, learning_rate):
        # Once per step, before the per-array updates (Keras's _backend_update_step).
        u_product = self._u_product.value
        u_product[...] = float(u_product) * self._u(self._t, u_product.dtype)
        super()._update_all(segments, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        """Apply one Nadam step to ``variable`` in place."""
        seg = self._segment(variable)
        tmp, denom = seg.scratch
        m, v = seg.slots["momentum"], seg.slots["velocity"]
        t = self._t
        u_t, u_next = self._u(t, variable.dtype), self._u(t + 1, variable.dtype)
        u_product = float(self._u_product.value)
        beta_2 = rounded(self.beta_2, variable.dtype)
        # lr * m_hat = c_m * m + c_g * g, with lr folded into both coefficients
        c_m = learning_rate * u_next / (1 - u_product * u_next)
        c_g = learning_rate * (1 - u_t) / (1 - u_product)
        one_minus_beta_1, one_minus_beta_2, c_m, c_g, correction, epsilon = seg.consts(
            1 - self.beta_1, 1 - self.beta_2, c_m, c_g, 1 - beta_2**t, self.epsilon
        )
        kernel = fused.kernel("nadam", variable, gradient, m, v)
        if kernel is not None:  # the same arithmetic in one pass (optimizers/fused.py)
            kernel(variable, gradient, m, v, one_minus_beta_1[()], one_minus_beta_2[()],
                   c_m[()], c_g[()], correction[()], epsilon[()])
            return
        np.subtract(gradient, m, out=tmp)
        tmp *= one_minus_beta_1
        m += tmp
        np.multiply(gradient, gradient, out=tmp)
        tmp -= v
        tmp *= one_minus_beta_2
        v += tmp
        np.multiply(gradient, c_g, out=denom)
        np.multiply(m, c_m, out=tmp)
        tmp += denom
        # denom = sqrt(v / (1 - beta_2**t)) + epsilon
        np.divide(v, correction, out=denom)
        np.sqrt(denom, out=denom)
        denom += epsilon
        tmp /= denom
        variable -= tmp
