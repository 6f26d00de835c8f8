"""A damped factor's inverse kept as its Cholesky factor (CPU).

With the damped factor F_d = U^T U (U upper triangular, LAPACK ``potrf``),
the preconditioner needs F_d^-1 only in products (:mod:`.damped` makes
one for every full factor on the CPU with ``use_cholesky``)::

    X F_d^-1 = (X U^-1) U^-T,      F_d^-1 X = U^-1 (U^-T X)

two triangular solves (BLAS ``trsm``) per side: the flops of one product
with the explicit inverse, without the 2 n^3 / 3 of ``potri`` that forms
it. For LeNet-5 at batch 128 with inverses every step this saves about
4 ms of K-FAC's ~26 ms per step (fc1's A is 401 x 401); a product with held
factors (``inv_update_freq > 1``) costs about the same as with an explicit
inverse (docs/results/README.md, section 3). ``dense()`` forms F_d^-1
(``potri``) when an array is wanted: snapshots store it, as before, and
NumPy functions see it through ``__array__``. The explicit inverse and the
solves agree to float rounding (tests/preconditioning/
test_cholesky_inverse.py); GPUs and LU keep the explicit inverse (one GEMM
per side).
"""
import numpy

from scipy.linalg import blas as _blas

from chainer_kfac.preconditioning import checked_linalg
from chainer_kfac.preconditioning.inverse import checked
from chainer_kfac.preconditioning.inverse import cholesky_upper
from chainer_kfac.preconditioning.inverse import inverse_from_upper


class CholeskyInverse:
    """F_d^-1 of a symmetric positive definite NumPy matrix, held as U.

    Raises:
        NotPositiveDefiniteError: F_d has no Cholesky factor, or it is not
            finite.
    """

    def __init__(self, matrix):
        upper = cholesky_upper(matrix)
        checked(checked_linalg.check_positive_diagonal, numpy, upper,
                'Cholesky factor')
        self._hold(upper)

    @classmethod
    def from_upper(cls, upper):
        """The inverse whose Cholesky factor ``upper`` is already known (a
        snapshot's)."""
        inverse = cls.__new__(cls)
        inverse._hold(numpy.asarray(upper))
        return inverse

    def _hold(self, upper):
        self.upper = upper
        self._trsm = _blas.get_blas_funcs('trsm', (upper,))

    @property
    def shape(self):
        return self.upper.shape

    @property
    def dtype(self):
        return self.upper.dtype

    def right(self, x):
        """``x @ F_d^-1`` for a 2-D ``x`` (columns: F_d's dimension)."""
        out = self._trsm(1.0, self.upper, x, side=1, lower=0, trans_a=0)
        return self._trsm(1.0, self.upper, out, side=1, lower=0, trans_a=1,
                          overwrite_b=1)

    def left(self, x):
        """``F_d^-1 @ x`` for a 1-D or 2-D ``x`` (rows: F_d's dimension)."""
        x2 = x[:, None] if x.ndim == 1 else x
        out = self._trsm(1.0, self.upper, x2, side=0, lower=0, trans_a=1)
        out = self._trsm(1.0, self.upper, out, side=0, lower=0, trans_a=0,
                         overwrite_b=1)
        return out[:, 0] if x.ndim == 1 else out

    def dense(self):
        """The explicit F_d^-1 (LAPACK ``potri``), symmetric."""
        return inverse_from_upper(numpy.triu(self.upper))

    def __array__(self, dtype=None, copy=None):
        inv = self.dense()
        return inv if dtype is None else inv.astype(dtype, copy=False)
