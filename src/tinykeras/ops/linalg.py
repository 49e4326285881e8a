"""``tinykeras.ops.linalg``: the linear algebra of ``keras.ops.linalg``, on NumPy."""

from tinykeras.ops import _namespace

# The guarded versions (ops/_scope.py), as in ``ops``; ``jvp`` is listed here by Keras too.
globals().update({name: _namespace[name] for name in (
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd")})
