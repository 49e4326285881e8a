"""Elementwise ``keras.ops`` math: unary functions from a table of ``name -> (f, f')``, binary
functions with their two partial derivatives, and the comparisons and logical ops (boolean
results, no gradient). Integer inputs to float math become floatx first, as in Keras 3.
"""

import math

import numpy as np

from tinykeras.autodiff import math_ops as m
from tinykeras.autodiff.core import op, unbroadcast
from tinykeras.autodiff.dtypes import (
    float_of,
    named,
    nondiff,
    promote,
    raw,
    result_type,
    to_float,
)
from tinykeras.autodiff.nn_ops import ELEMENTWISE

_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf(x):
    return _erf_scalar(x).astype(x.dtype, copy=False)


def _erfinv(y):
    # Newton's method on erf(x) = y from a closed-form start (Winitzki's approximation):
    # erf' = 2/sqrt(pi) exp(-x^2), and five steps reach float64 precision inside (-1, 1).
    y64 = np.asarray(y, dtype=np.float64)
    a = 0.147
    ln = np.log1p(-y64 * y64)
    t = 2 / (math.pi * a) + ln / 2
    x = np.sign(y64) * np.sqrt(np.sqrt(t * t - ln / a) - t)
    inside = np.abs(y64) < 1
    for _ in range(5):
        step = (_erf_scalar(x) - y64) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
        x = np.where(inside, x - step, x)
    x = np.where(y64 == 1, np.inf, np.where(y64 == -1, -np.inf, x))
    return x.astype(np.asarray(y).dtype, copy=False)


def _sigmoid(x):
    return ELEMENTWISE["sigmoid"][0](x)


# name -> (f(x), f'(x, y) in terms of the input x and the output y, docstring)
UNARY = {
    "sin": (np.sin, lambda x, y: np.cos(x), "Elementwise sine."),
    "cos": (np.cos, lambda x, y: -np.sin(x), "Elementwise cosine."),
    "tan": (np.tan, lambda x, y: 1 + y * y, "Elementwise tangent."),
    "arcsin": (np.arcsin, lambda x, y: 1 / np.sqrt(1 - x * x), "Elementwise inverse sine."),
    "arccos": (np.arccos, lambda x, y: -1 / np.sqrt(1 - x * x), "Elementwise inverse cosine."),
    "arctan": (np.arctan, lambda x, y: 1 / (1 + x * x), "Elementwise inverse tangent."),
    "sinh": (np.sinh, lambda x, y: np.cosh(x), "Elementwise hyperbolic sine."),
    "cosh": (np.cosh, lambda x, y: np.sinh(x), "Elementwise hyperbolic cosine."),
    "arcsinh": (np.arcsinh, lambda x, y: 1 / np.sqrt(x * x + 1),
                "Elementwise inverse hyperbolic sine."),
    "arccosh": (np.arccosh, lambda x, y: 1 / np.sqrt(x * x - 1),
                "Elementwise inverse hyperbolic cosine."),
    "arctanh": (np.arctanh, lambda x, y: 1 / (1 - x * x),
                "Elementwise inverse hyperbolic tangent."),
    "exp2": (np.exp2, lambda x, y: y * math.log(2), "Elementwise ``2 ** x``."),
    "expm1": (np.expm1, lambda x, y: y + 1, "Elementwise ``exp(x) - 1``, accurate near 0."),
    "log2": (np.log2, lambda x, y: 1 / (x * math.log(2)), "Elementwise base-2 logarithm."),
    "log10": (np.log10, lambda x, y: 1 / (x * math.log(10)), "Elementwise base-10 logarithm."),
    "rsqrt": (lambda x: 1 / np.sqrt(x), lambda x, y: -0.5 * y * y * y,
              "Elementwise ``1 / sqrt(x)``."),
    "cbrt": (np.cbrt, lambda x, y: 1 / (3 * y * y), "Elementwise cube root."),
    "reciprocal": (np.reciprocal, lambda x, y: -y * y, "Elementwise ``1 / x``."),
    "erf": (_erf, lambda x, y: _TWO_OVER_SQRT_PI * np.exp(-x * x), "Elementwise error function."),
    "erfc": (lambda x: 1 - _erf(x), lambda x, y: -_TWO_OVER_SQRT_PI * np.exp(-x * x),
             "Elementwise complementary error function ``1 - erf(x)``."),
    "erfinv": (_erfinv, lambda x, y: np.exp(y * y) / _TWO_OVER_SQRT_PI,
               "Elementwise inverse error function."),
    "sinc": (np.sinc, lambda x, y: np.where(
        x == 0, 0.0, (np.cos(np.pi * x) - y) / np.where(x == 0, 1, x)),
        "Elementwise normalized sinc ``sin(pi x) / (pi x)``."),
    "deg2rad": (np.deg2rad, lambda x, y: math.pi / 180, "Convert degrees to radians."),
    "rad2deg": (np.rad2deg, lambda x, y: 180 / math.pi, "Convert radians to degrees."),
    "i0": (np.i0, lambda x, y: _i1(x), "Modified Bessel function of the first kind, order 0."),
    "log_sigmoid": (lambda x: -ELEMENTWISE["softplus"][0](-x), lambda x, y: _sigmoid(-x),
                    "Elementwise ``log(sigmoid(x))``, computed without overflow."),
}


def _i1(x):
    # I0'(x) = I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!): the series converges fast for the
    # moderate arguments a network sees; 60 terms are exact in float64 up to |x| ~ 30.
    x = np.asarray(x, dtype=np.float64)
    term = x / 2
    total = term.copy()
    for k in range(1, 60):
        term = term * (x / 2) ** 2 / (k * (k + 1))
        total = total + term
    return total


def _make_unary(name, f, df, doc):
    @op
    def core(x):
        y = np.asarray(f(x)).astype(x.dtype, copy=False)
        return y, lambda g, needs: ((g * df(x, y)).astype(g.dtype, copy=False),)

    def public(x):
        return core(to_float(x))

    return named(public, name, doc)


for _name, (_f, _df, _doc) in UNARY.items():
    globals()[_name] = _make_unary(_name, _f, _df, _doc)


# -- unary ops that keep integer dtypes, or have no gradient -----------------------------------
def absolute(x):
    """Elementwise absolute value (alias of ``abs``)."""
    return m.abs(x)


fabs = _make_unary("fabs", np.abs, lambda x, y: np.sign(x), "Absolute value, as a float.")
# Integers and bools come back in floatx, as Keras's floor and ceil give them (NumPy keeps
# integers; bools it refuses).
floor = named(nondiff(lambda a: np.floor(a if a.dtype.kind in "fc" else a.astype(float_of(a)))),
              "floor", "Elementwise floor (no gradient: the result is piecewise constant).")
ceil = named(nondiff(lambda a: np.ceil(a if a.dtype.kind in "fc" else a.astype(float_of(a)))),
             "ceil", "Elementwise ceiling (no gradient).")
trunc = nondiff(np.trunc, "Elementwise rounding towards zero (no gradient).")
sign = nondiff(np.sign, "Elementwise sign: -1, 0 or 1 (no gradient).")
signbit = nondiff(np.signbit, "Elementwise True where the sign bit is set (also -0.0).")
isnan = nondiff(np.isnan, "Elementwise True where ``x`` is NaN.")
isinf = nondiff(np.isinf, "Elementwise True where ``x`` is +inf or -inf.")
isfinite = nondiff(np.isfinite, "Elementwise True where ``x`` is neither inf nor NaN.")
isposinf = nondiff(np.isposinf, "Elementwise True where ``x`` is +inf.")
isneginf = nondiff(np.isneginf, "Elementwise True where ``x`` is -inf.")
isreal = nondiff(np.isreal, "Elementwise True where ``x`` has no imaginary part.")
logical_not = nondiff(np.logical_not, "Elementwise logical NOT.")
bitwise_invert = nondiff(np.invert, "Elementwise bitwise NOT of integers.")
bitwise_not = nondiff(np.invert, "Elementwise bitwise NOT of integers (alias of invert).")


def round(x, decimals=0):  # noqa: A001 - the Keras ops name
    """Round to ``decimals`` places, halves to even (no gradient)."""
    return nondiff(np.round)(x, decimals=decimals)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities by finite numbers; the gradient passes where ``x`` is finite."""
    return _nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@op
def _nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    out = np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)
    finite = np.isfinite(x)
    return out, lambda g, needs: (np.where(finite, g, 0).astype(g.dtype, copy=False),)


# -- binary arithmetic with Keras promotion ----------------------------------------------------
def _promoting(name, doc):
    """The core op ``name`` of math_ops, with its inputs promoted as Keras 3 does first."""
    core = getattr(m, name)

    def public(x1, x2):
        return core(*promote(x1, x2))

    return named(public, name, doc)


add = _promoting("add", "Elementwise ``x1 + x2``, broadcast, with Keras's dtype promotion.")
subtract = _promoting("subtract", "Elementwise ``x1 - x2``, broadcast, with Keras's promotion.")
multiply = _promoting("multiply", "Elementwise ``x1 * x2``, broadcast, with Keras's promotion.")


def divide(x1, x2):
    """Elementwise true division; integers divide as floats (floatx), as in Keras."""
    return m.divide(*promote(x1, x2, dtype=result_type(x1, x2, 1.0)))


true_divide = divide


def divide_no_nan(x1, x2):
    """Elementwise ``x1 / x2``, and 0 where ``x2 == 0`` (with a zero gradient there)."""
    a, b = promote(x1, x2, dtype=result_type(x1, x2, 1.0))
    zero = np.equal(raw(b), 0)
    safe = m.where(zero, np.ones((), raw(b).dtype), b)
    return m.where(zero, np.zeros((), raw(b).dtype), m.divide(a, safe))


power = _promoting("power", "Elementwise ``x1 ** x2`` with Keras's dtype promotion.")
maximum = _promoting("maximum", "Elementwise maximum; at ties the gradient is split evenly.")
minimum = _promoting("minimum", "Elementwise minimum; at ties the gradient is split evenly.")


def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (takes the other value)."""
    a, b = promote(x1, x2)
    return m.where(np.isnan(raw(b)) | (raw(a) >= raw(b)), a, b)


def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (takes the other value)."""
    a, b = promote(x1, x2)
    return m.where(np.isnan(raw(b)) | (raw(a) <= raw(b)), a, b)


def _binary(name, f, d1, d2, doc, floats=True):
    """An op ``f(x1, x2)`` with partial derivatives ``d1, d2(x1, x2, out)`` (None: no gradient)."""

    @op
    def core(x1, x2):
        out = np.asarray(f(x1, x2))

        def vjp(g, needs):
            return (
                unbroadcast(g * d1(x1, x2, out), np.shape(x1)) if needs[0] and d1 else None,
                unbroadcast(g * d2(x1, x2, out), np.shape(x2)) if needs[1] and d2 else None,
            )

        return out, vjp

    def public(x1, x2):
        dtype = result_type(x1, x2, 1.0) if floats else None
        return core(*promote(x1, x2, dtype=dtype))

    return named(public, name, doc)


arctan2 = _binary(
    "arctan2", np.arctan2,
    lambda a, b, o: b / (a * a + b * b), lambda a, b, o: -a / (a * a + b * b),
    "Elementwise angle of the point ``(x2, x1)``, in radians.")
hypot = _binary(
    "hypot", np.hypot, lambda a, b, o: a / o, lambda a, b, o: b / o,
    "Elementwise ``sqrt(x1**2 + x2**2)`` without overflow.")
logaddexp = _binary(
    "logaddexp", np.logaddexp,
    lambda a, b, o: np.exp(a - o), lambda a, b, o: np.exp(b - o),
    "Elementwise ``log(exp(x1) + exp(x2))`` without overflow.")
logaddexp2 = _binary(
    "logaddexp2", np.logaddexp2,
    lambda a, b, o: np.exp2(a - o), lambda a, b, o: np.exp2(b - o),
    "Elementwise ``log2(2**x1 + 2**x2)`` without overflow.")
mod = _binary(
    "mod", np.mod, lambda a, b, o: 1, lambda a, b, o: -np.floor_divide(a, b),
    "Elementwise remainder with the sign of ``x2`` (Python's ``%``).", floats=False)
fmod = _binary(
    "fmod", np.fmod, lambda a, b, o: 1, lambda a, b, o: -np.trunc(a / b),
    "Elementwise remainder with the sign of ``x1`` (C's ``fmod``).", floats=False)
ldexp = _binary(
    "ldexp", lambda a, b: a * np.exp2(b), lambda a, b, o: np.exp2(b), None,
    "Elementwise ``x1 * 2**x2``.")


def floor_divide(x1, x2):
    """Elementwise ``x1 // x2`` (no gradient: piecewise constant)."""
    return nondiff(np.floor_divide)(*promote(x1, x2))


def heaviside(x1, x2):
    """Step function: 0 where ``x1 < 0``, 1 where ``x1 > 0``, ``x2`` where ``x1 == 0``."""
    return nondiff(np.heaviside)(*promote(x1, x2, dtype=result_type(x1, x2, 1.0)))


def nextafter(x1, x2):
    """The next float after ``x1`` towards ``x2`` (no gradient)."""
    return nondiff(np.nextafter)(*promote(x1, x2, dtype=result_type(x1, x2, 1.0)))


def gcd(x1, x2):
    """Elementwise greatest common divisor of integers."""
    return nondiff(np.gcd)(*promote(x1, x2))


def lcm(x1, x2):
    """Elementwise least common multiple of integers."""
    return nondiff(np.lcm)(*promote(x1, x2))


# -- comparisons, logical and bitwise ops: boolean or integer results, no gradient -------------
def _compare(name, f, doc):
    def public(x1, x2):
        return nondiff(f)(*promote(x1, x2))

    return named(public, name, doc)


equal = _compare("equal", np.equal, "Elementwise ``x1 == x2``.")
not_equal = _compare("not_equal", np.not_equal, "Elementwise ``x1 != x2``.")
greater = _compare("greater", np.greater, "Elementwise ``x1 > x2``.")
greater_equal = _compare("greater_equal", np.greater_equal, "Elementwise ``x1 >= x2``.")
less = _compare("less", np.less, "Elementwise ``x1 < x2``.")
less_equal = _compare("less_equal", np.less_equal, "Elementwise ``x1 <= x2``.")
logical_and = _compare("logical_and", np.logical_and, "Elementwise logical AND.")
logical_or = _compare("logical_or", np.logical_or, "Elementwise logical OR.")
logical_xor = _compare("logical_xor", np.logical_xor, "Elementwise logical XOR.")
bitwise_and = _compare("bitwise_and", np.bitwise_and, "Elementwise bitwise AND of integers.")
bitwise_or = _compare("bitwise_or", np.bitwise_or, "Elementwise bitwise OR of integers.")
bitwise_xor = _compare("bitwise_xor", np.bitwise_xor, "Elementwise bitwise XOR of integers.")
bitwise_left_shift = _compare("bitwise_left_shift", np.left_shift,
                              "Elementwise ``x1 << x2`` on integers.")
bitwise_right_shift = _compare("bitwise_right_shift", np.right_shift,
                               "Elementwise ``x1 >> x2`` on integers.")
left_shift = _compare("left_shift", np.left_shift, "Elementwise ``x1 << x2`` on integers.")
right_shift = _compare("right_shift", np.right_shift, "Elementwise ``x1 >> x2`` on integers.")


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Elementwise ``|x1 - x2| <= atol + rtol * |x2|``."""
    a, b = promote(x1, x2)
    return nondiff(np.isclose)(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when ``isclose`` holds everywhere."""
    a, b = promote(x1, x2)
    return nondiff(np.allclose)(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def isin(x1, x2, assume_unique=False, invert=False):
    """Elementwise True where ``x1`` occurs in ``x2``."""
    return nondiff(np.isin)(x1, x2, assume_unique=assume_unique, invert=invert)


# -- complex numbers: real inputs pass through (differentiably), complex ones have no gradient --
def real(x):
    """The real part (``x`` itself for real input)."""
    if np.iscomplexobj(raw(x)):
        return nondiff(np.real)(x)
    return x if isinstance(x, m.Tensor) else m.Tensor(x)


def conj(x):
    """The complex conjugate (``x`` itself for real input)."""
    if np.iscomplexobj(raw(x)):
        return nondiff(np.conj)(x)
    return x if isinstance(x, m.Tensor) else m.Tensor(x)


conjugate = conj
imag = nondiff(np.imag, "The imaginary part (zeros for real input).")
angle = named(nondiff(lambda a: np.angle(a if a.dtype.kind in "fc" else a.astype(float_of(a)))),
              "angle", "The complex argument, in radians (0 or pi for real input; integers in "
              "floatx).")


def polar(abs_, angle):
    """The complex number with modulus ``abs_`` and argument ``angle``."""
    return nondiff(lambda r, t: r * np.exp(1j * t))(abs_, angle)


def view_as_real(x):
    """A complex tensor as real pairs on a new last axis ``(real, imag)``."""
    arr = np.asarray(raw(x))
    return nondiff(lambda a: np.stack([a.real, a.imag], axis=-1))(arr)


def view_as_complex(x):
    """Real pairs on the last axis as a complex tensor."""
    arr = np.asarray(raw(x))
    return nondiff(lambda a: a[..., 0] + 1j * a[..., 1])(arr)


def view(x, dtype=None):
    """The same bytes reinterpreted as ``dtype`` (no gradient)."""
    return nondiff(lambda a: np.ascontiguousarray(a).view(
        a.dtype if dtype is None else np.dtype(dtype)))(x)  # None: as it is, not float64
