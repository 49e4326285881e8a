"""``tinykeras.ops``: the ``keras.ops`` functions, with Keras 3's names and semantics.

Every op works on Tensors, NumPy arrays and Python numbers, and records itself on an active
``GradientTape``; ops with integer or boolean results carry no gradient. ``ops.nn`` and
``ops.linalg`` hold the neural-network and linear-algebra subsets, as in Keras. The few
``keras.ops`` names outside a dense-network library (convolution, pooling, FFT, image, CTC,
attention) exist and raise ``NotImplementedError`` saying so; ``docs/ops.md`` lists them all.
"""

import inspect as _inspect

from tinykeras.autodiff import control_ops as _control
from tinykeras.autodiff import creation_ops as _creation
from tinykeras.autodiff import elementwise_ops as _elementwise
from tinykeras.autodiff import linalg_ops as _linalg
from tinykeras.autodiff import math_ops as _math
from tinykeras.autodiff import nn_extra_ops as _nn
from tinykeras.autodiff import nn_ops as _nn_core
from tinykeras.autodiff import reduce_ops as _reduce
from tinykeras.autodiff import shape_ops as _shape
from tinykeras.autodiff.dtypes import result_type
from tinykeras.autodiff.tensor import Tensor
from tinykeras.ops._scope import OUT_OF_SCOPE, _refusing, out_of_scope

_HELPERS = {"rearrange_by"}


def _public_functions(module) -> dict:
    """The ops a module defines (not the helpers it imports), by name."""
    return {
        name: obj for name, obj in vars(module).items()
        if not name.startswith("_") and name not in _HELPERS and callable(obj)
        and not _inspect.isclass(obj) and getattr(obj, "__module__", "") == module.__name__
    }


# Later modules win where names repeat: the Keras-promoting versions over the core ones.
_namespace: dict = {}
for _module in (_math, _nn_core, _creation, _shape, _elementwise, _reduce, _linalg, _nn,
                _control):
    _namespace.update(_public_functions(_module))
# Also here, beyond keras.ops: tinykeras's fused ops (``dense``, ``elementwise``, the
# ``*_crossentropy_with_logits``) and ``getitem``, which its layers and losses are built on.
_namespace = {_name: _refusing(_name, _fn) for _name, _fn in _namespace.items()}
for _name in OUT_OF_SCOPE:
    _namespace[_name] = out_of_scope(_name)
globals().update(_namespace)

from tinykeras.ops import image, linalg, nn, numpy  # noqa: E402 - they read the namespace above

__all__ = sorted(_namespace) + ["Tensor", "image", "linalg", "nn", "numpy", "result_type"]
