"""``tinykeras.ops``: the differentiable ops, named as in ``keras.ops``."""

from tinykeras.autodiff.ops import *  # noqa: F403
from tinykeras.autodiff.ops import sigmoid, softplus, tanh  # noqa: F401
from tinykeras.autodiff.tensor import Tensor  # noqa: F401
