"""Inverse of a symmetric positive definite matrix.

Cholesky (``use_cholesky=True``, the default, as Chainer_K-FAC): M = L L^T,
M^-1 = L^-T L^-1 via LAPACK potrf/potri on the CPU. Otherwise an LU-based
general inverse. On GPUs both go through :mod:`checked_linalg`, which makes
CuPy raise as NumPy does, so the retry with more damping works the same on
CPU and GPU. The input is never modified (Chainer_K-FAC's GPU Cholesky
overwrote its running averages; see docs/faithfulness.md).
"""
import typing

import numpy

from chainer import backend

from chainer_kfac.preconditioning import checked_linalg
from chainer_kfac.symmetric import symmetrize_upper

try:
    from scipy.linalg import lapack as _lapack
except ImportError:  # pragma: no cover
    _lapack = None


class NotPositiveDefiniteError(ArithmeticError):
    """The damped factor has no Cholesky factorisation."""


def inverse_spd(matrix: typing.Any, use_cholesky: bool = True) -> typing.Any:
    """Return ``matrix^-1`` for a symmetric positive definite ``matrix``.

    Raises:
        NotPositiveDefiniteError: if ``matrix`` is not positive definite
            (Cholesky) or is singular (LU), or the result is not finite.
    """
    xp = backend.get_array_module(matrix)
    if not use_cholesky:
        inv = checked(checked_linalg.inv, xp, matrix)
    elif xp is numpy and _lapack is not None:
        inv = _cholesky_inverse_lapack(matrix)
    else:
        inv = _cholesky_inverse_generic(xp, matrix)
    checked(checked_linalg.check_positive_diagonal, xp, inv, 'inverse')
    return inv


def checked(func: typing.Callable[..., typing.Any],
            *args: typing.Any) -> typing.Any:
    """``func(*args)``, its LinAlgError raised as NotPositiveDefiniteError."""
    try:
        return func(*args)
    except checked_linalg.LinAlgError as e:
        raise NotPositiveDefiniteError(str(e)) from e


def cholesky_upper(matrix: typing.Any, clean: bool = False) -> typing.Any:
    """U with ``matrix = U^T U`` (LAPACK potrf on a copy). Unless ``clean``
    (zeroes it), U's strict lower triangle holds leftovers: read U as upper
    triangular."""
    potrf = _lapack.get_lapack_funcs('potrf', (matrix,))
    chol, info = potrf(matrix, lower=0, clean=int(clean))
    if info != 0:
        raise NotPositiveDefiniteError(
            'Cholesky factorisation failed (leading minor {} is not '
            'positive)'.format(info))
    return chol


def _cholesky_inverse_lapack(matrix: typing.Any) -> typing.Any:
    # potrf works on a copy (overwrite_a=0): M is left intact. clean
    # zeroes the strict lower triangle, which potri leaves alone.
    inv = inverse_from_upper(cholesky_upper(matrix, clean=True))
    return inv.astype(matrix.dtype, copy=False)


def inverse_from_upper(upper: typing.Any) -> typing.Any:
    """``(U^T U)^-1`` (LAPACK potri, on ``upper`` in place), symmetric;
    ``upper``'s strict lower triangle must be zero."""
    potri = _lapack.get_lapack_funcs('potri', (upper,))
    inv, info = potri(upper, lower=0, overwrite_c=1)
    if info != 0:
        raise NotPositiveDefiniteError('potri failed (info={})'.format(info))
    return symmetrize_upper(inv)


def _cholesky_inverse_generic(xp: typing.Any, matrix: typing.Any
                              ) -> typing.Any:
    # CuPy: cholesky returns a new array; cuSOLVER does not touch `matrix`.
    chol = checked(checked_linalg.cholesky, xp, matrix)
    eye = xp.eye(matrix.shape[0], dtype=matrix.dtype)
    chol_inv = _solve_lower(xp, chol, eye)
    return chol_inv.T @ chol_inv


def _solve_lower(xp: typing.Any, lower: typing.Any,
                 rhs: typing.Any) -> typing.Any:
    if xp is numpy:
        from scipy.linalg import solve_triangular
    else:
        from cupyx.scipy.linalg import solve_triangular
    return solve_triangular(lower, rhs, lower=True)
