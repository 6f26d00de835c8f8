"""The inverse of a damped factor, in the form it is applied in.

K-FAC needs F_d^-1, the inverse of a damped factor F_d = F + Lambda
(Lambda diagonal; Martens & Grosse 2015, sec. 6.3), only in products with
the gradient: ``left(x) = F_d^-1 x`` and ``right(x) = x F_d^-1``. Every form
below computes F_d^-1 from F_d once (:meth:`of`), applies it, and gives its
snapshot state. One form per way of holding it:

- :class:`CholeskyInverse` (CPU, ``use_cholesky``): F_d = U^T U (LAPACK
  ``potrf``) is kept as U and applied by two triangular solves (BLAS
  ``trsm``) per side::

      X F_d^-1 = (X U^-1) U^-T,      F_d^-1 X = U^-1 (U^-T X)

  the flops of one product with the explicit inverse, without the
  2 n^3 / 3 of ``potri`` that forms it (about 4 ms of K-FAC's ~26 ms per
  step for LeNet-5 at batch 128 with inverses every step; docs/results/
  README.md, section 3). The explicit F_d^-1 (``potri``) is formed only for
  a snapshot or when an array is asked for (``__array__``).
- :class:`ExplicitInverse` (GPUs, and LU with ``use_cholesky=False``): the
  matrix F_d^-1 (:func:`~.inverse.inverse_spd`), one GEMM per side.
- :class:`DiagonalInverse` (``diagonalize``): F_d = diag(d_i + lambda_i)
  is held by its diagonal, F_d^-1 = diag(1 / (d_i + lambda_i)), applied
  by broadcasting.
- :class:`UnitWiseInverse` (BatchNorm, ``bn_fisher='unit_wise'``; Osawa et
  al. 2019, sec. 4): one k x k block per channel c, k in (1, 2), inverted
  in closed form::

      k = 2:  (F_c + Lambda)^-1 = adj(F_c + Lambda) / det(F_c + Lambda)
      k = 1:  1 / (F_c + lambda)

A snapshot stores every form's F_d^-1 as an array under ``<F>_inv`` (the
layout before these classes existed) and a Cholesky form's U under
``<F>_inv_cholesky`` (an empty array for the others), so a resumed run
applies the same triangular solves.
"""
import abc
import typing

import numpy

from chainer import backend

from chainer_kfac.preconditioning import checked_linalg
from chainer_kfac.preconditioning.inverse import checked
from chainer_kfac.preconditioning.inverse import cholesky_upper
from chainer_kfac.preconditioning.inverse import inverse_from_upper
from chainer_kfac.preconditioning.inverse import inverse_spd
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError

try:
    from scipy.linalg import blas as _blas
except ImportError:  # pragma: no cover - scipy is an install requirement
    _blas = None

#: A NumPy or CuPy array (Chainer has no stubs; CuPy is optional).
Array = typing.Any


class InverseState(typing.NamedTuple):
    """What a snapshot holds of a damped inverse."""

    #: F_d^-1 as an array (``<F>_inv``): the matrix, the diagonal's
    #: inverse, or the (C, k, k) per-channel inverses.
    inverse: Array
    #: U of a Cholesky form (``<F>_inv_cholesky``); empty for the others.
    cholesky_upper: Array


def _no_cholesky() -> Array:
    return numpy.zeros(0, dtype=numpy.float32)


class DampedInverse(abc.ABC):
    """F_d^-1 of one damped factor, applied to the gradient."""

    @abc.abstractmethod
    def left(self, x: Array) -> Array:
        """``F_d^-1 x`` (x 1-D or 2-D; rows: F_d's dimension)."""

    @abc.abstractmethod
    def right(self, x: Array) -> Array:
        """``x F_d^-1`` (x 2-D; columns: F_d's dimension)."""

    @abc.abstractmethod
    def as_array(self) -> Array:
        """F_d^-1 as an array (see :attr:`InverseState.inverse`)."""

    def state(self) -> InverseState:
        """The arrays a snapshot stores (restored by the factor that made
        this inverse, which knows its form)."""
        return InverseState(self.as_array(), _no_cholesky())

    def __array__(self, dtype: typing.Any = None,
                  copy: typing.Optional[bool] = None) -> numpy.ndarray:
        inv = backend.CpuDevice().send(self.as_array())
        return inv if dtype is None else inv.astype(dtype, copy=False)


class CholeskyInverse(DampedInverse):
    """F_d^-1 of a symmetric positive definite NumPy matrix, held as U."""

    def __init__(self, upper: Array) -> None:
        """Hold ``upper``, U with F_d = U^T U (only its upper triangle is
        read)."""
        self.upper = numpy.asarray(upper)
        self._trsm = _blas.get_blas_funcs('trsm', (self.upper,))

    @classmethod
    def of(cls, matrix: Array) -> 'CholeskyInverse':
        """Factorise the damped factor ``matrix``.

        Raises:
            NotPositiveDefiniteError: it has no Cholesky factor, or that is
                not finite.
        """
        upper = cholesky_upper(matrix)
        checked(checked_linalg.check_positive_diagonal, numpy, upper,
                'Cholesky factor')
        return cls(upper)

    @property
    def shape(self) -> typing.Tuple[int, ...]:
        return self.upper.shape

    @property
    def dtype(self) -> numpy.dtype:
        return self.upper.dtype

    def right(self, x: Array) -> Array:
        out = self._trsm(1.0, self.upper, x, side=1, lower=0, trans_a=0)
        return self._trsm(1.0, self.upper, out, side=1, lower=0, trans_a=1,
                          overwrite_b=1)

    def left(self, x: Array) -> Array:
        x2 = x[:, None] if x.ndim == 1 else x
        out = self._trsm(1.0, self.upper, x2, side=0, lower=0, trans_a=1)
        out = self._trsm(1.0, self.upper, out, side=0, lower=0, trans_a=0,
                         overwrite_b=1)
        return out[:, 0] if x.ndim == 1 else out

    def as_array(self) -> Array:
        """The explicit F_d^-1 (LAPACK ``potri``), symmetric."""
        return inverse_from_upper(numpy.triu(self.upper))

    def state(self) -> InverseState:
        return InverseState(self.as_array(), self.upper)


class ExplicitInverse(DampedInverse):
    """F_d^-1 held as a matrix (any backend)."""

    def __init__(self, inverse: Array) -> None:
        self.inverse = inverse

    @classmethod
    def of(cls, matrix: Array, use_cholesky: bool = True
           ) -> 'ExplicitInverse':
        """Invert the damped factor ``matrix`` (Cholesky, else LU).

        Raises:
            NotPositiveDefiniteError: see :func:`~.inverse.inverse_spd`.
        """
        return cls(inverse_spd(matrix, use_cholesky))

    def left(self, x: Array) -> Array:
        return self.inverse @ x

    def right(self, x: Array) -> Array:
        return x @ self.inverse

    def as_array(self) -> Array:
        return self.inverse


class DiagonalInverse(DampedInverse):
    """diag(F_d)^-1 held as the 1-D array of its diagonal."""

    def __init__(self, inverse: Array) -> None:
        self.inverse = inverse

    @classmethod
    def of(cls, diagonal: Array) -> 'DiagonalInverse':
        """``1 / diagonal`` for the damped diagonal ``diagonal``.

        Raises:
            NotPositiveDefiniteError: an entry is not positive or not
                finite.
        """
        xp = backend.get_array_module(diagonal)
        if not bool((diagonal > 0).all()) or \
                not bool(xp.isfinite(diagonal).all()):
            raise NotPositiveDefiniteError(
                'a damped diagonal factor has an entry that is not positive')
        return cls(1 / diagonal)

    def left(self, x: Array) -> Array:
        inv = self.inverse
        return inv.reshape(inv.shape + (1,) * (x.ndim - 1)) * x

    def right(self, x: Array) -> Array:
        return x * self.inverse[None, :]

    def as_array(self) -> Array:
        return self.inverse


class UnitWiseInverse(DampedInverse):
    """Per-channel (C, k, k) inverses; x is (C, k), one row per channel."""

    def __init__(self, inverse: Array) -> None:
        self.inverse = inverse

    @classmethod
    def of(cls, blocks: Array) -> 'UnitWiseInverse':
        """Invert each damped k x k block of ``blocks`` (C, k, k).

        Raises:
            NotPositiveDefiniteError: a block is not positive definite.
        """
        a = blocks[:, 0, 0]
        if blocks.shape[1] == 1:
            _check_positive(a > 0)
            return cls((1 / a)[:, None, None])
        b, c, d = blocks[:, 0, 1], blocks[:, 1, 0], blocks[:, 1, 1]
        det = a * d - b * c
        _check_positive((det > 0) & (a > 0))
        xp = backend.get_array_module(blocks)
        inv = xp.empty_like(blocks)
        inv[:, 0, 0] = d / det
        inv[:, 0, 1] = -b / det
        inv[:, 1, 0] = -c / det
        inv[:, 1, 1] = a / det
        return cls(inv)

    def left(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        return xp.einsum('cij,cj->ci', self.inverse, x)

    def right(self, x: Array) -> Array:
        xp = backend.get_array_module(x)
        return xp.einsum('ci,cij->cj', x, self.inverse)

    def as_array(self) -> Array:
        return self.inverse


def _check_positive(ok: Array) -> None:
    if not bool(ok.all()):
        raise NotPositiveDefiniteError(
            'a damped unit-wise BatchNorm block is not positive definite')
