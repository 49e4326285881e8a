"""``tinykeras.ops.nn``: the neural-network ops of ``keras.ops.nn``."""

from tinykeras.autodiff import nn_extra_ops as _nn
from tinykeras.autodiff.elementwise_ops import log_sigmoid, polar  # noqa: F401
from tinykeras.ops import _namespace
from tinykeras.ops._scope import OUT_OF_SCOPE, out_of_scope

_NAMES = [name for name in vars(_nn) if not name.startswith("_") and name in _namespace]
globals().update({name: _namespace[name] for name in _NAMES})
globals().update({name: out_of_scope(name) for name in (
    "conv", "conv_transpose", "depthwise_conv", "separable_conv", "average_pool", "max_pool",
    "adaptive_average_pool", "adaptive_max_pool", "ctc_loss", "ctc_decode",
    "dot_product_attention", "depth_to_space", "space_to_depth", "fold", "unfold")
    if name in OUT_OF_SCOPE})
