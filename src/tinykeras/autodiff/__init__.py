"""Reverse-mode automatic differentiation: Tensor, Variable, GradientTape and the ops."""

from tinykeras.autodiff import math_ops as _math_ops  # noqa: F401 - installs Tensor's operators
from tinykeras.autodiff.core import op, unbroadcast, wrap
from tinykeras.autodiff.tape import GradientTape, backward, is_recording
from tinykeras.autodiff.tensor import Tensor, TensorShape, Variable

__all__ = [
    "GradientTape",
    "Tensor",
    "TensorShape",
    "Variable",
    "backward",
    "is_recording",
    "op",
    "unbroadcast",
    "wrap",
]
