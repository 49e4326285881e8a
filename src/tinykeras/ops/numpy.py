"""``tinykeras.ops.numpy``: the NumPy-like ops of ``keras.ops.numpy`` (also in ``ops``)."""

from tinykeras.autodiff import creation_ops as _creation
from tinykeras.autodiff import elementwise_ops as _elementwise
from tinykeras.autodiff import math_ops as _math
from tinykeras.autodiff import reduce_ops as _reduce
from tinykeras.autodiff import shape_ops as _shape
from tinykeras.ops import _namespace

globals().update({
    name: fn for name, fn in _namespace.items()
    if any(getattr(fn, "__module__", None) == mod.__name__
           for mod in (_creation, _elementwise, _math, _reduce, _shape))
})
