"""``tinykeras.ops.linalg``: the linear algebra of ``keras.ops.linalg``, on NumPy."""

from tinykeras.autodiff.control_ops import jvp  # noqa: F401 - Keras lists it here too
from tinykeras.autodiff.linalg_ops import (  # noqa: F401
    cholesky,
    cholesky_inverse,
    det,
    eig,
    eigh,
    inv,
    lstsq,
    lu_factor,
    matrix_rank,
    norm,
    pinv,
    qr,
    solve,
    solve_triangular,
    svd,
)
