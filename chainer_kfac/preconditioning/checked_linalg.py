"""Cholesky and inverse that fail loudly on every backend.

NumPy raises ``numpy.linalg.LinAlgError`` when a factorisation fails. CuPy
(13 and 14) does not: cuSOLVER's ``devInfo`` is only read inside
``cupyx.errstate(linalg='raise')``; otherwise ``cupy.linalg.cholesky`` of an
indefinite M returns a partly factorised, still *finite* matrix and
``cupy.linalg.inv`` of a singular one returns garbage. So both calls run
inside that error state, and the results are checked as well:

- Cholesky M = L L^T: L must be finite with a positive diagonal (LAPACK and
  cuSOLVER leave the failing pivot M_kk - sum_j L_kj^2 <= 0 on the diagonal);
- an SPD inverse M^-1 must be finite with a positive diagonal
  ((M^-1)_ii = e_i^T M^-1 e_i > 0).

Every failure is a ``numpy.linalg.LinAlgError`` (CuPy's is the same class).
"""
import contextlib
import typing

import numpy

LinAlgError = numpy.linalg.LinAlgError


def raising_errstate(xp: typing.Any) -> typing.ContextManager[typing.Any]:
    """Context in which ``xp.linalg`` raises on a failed factorisation."""
    if xp is numpy:
        return contextlib.nullcontext()
    import cupyx
    return cupyx.errstate(linalg='raise')


def cholesky(xp: typing.Any, matrix: typing.Any) -> typing.Any:
    """Lower-triangular L with L L^T = ``matrix``; raises LinAlgError."""
    with raising_errstate(xp):
        chol = xp.linalg.cholesky(matrix)
    check_positive_diagonal(xp, chol, 'Cholesky factor')
    return chol


def inv(xp: typing.Any, matrix: typing.Any) -> typing.Any:
    """``matrix^-1`` (LU); raises LinAlgError if singular or not finite."""
    with raising_errstate(xp):
        result = xp.linalg.inv(matrix)
    check_finite(xp, result, 'inverse')
    return result


def check_finite(xp: typing.Any, array: typing.Any, what: str) -> None:
    if not bool(xp.isfinite(array).all()):
        raise LinAlgError('{} is not finite'.format(what))


def check_positive_diagonal(xp: typing.Any, matrix: typing.Any,
                            what: str) -> None:
    """Finite, with every diagonal element > 0 (as for an SPD matrix, its
    Cholesky factor and its inverse)."""
    check_finite(xp, matrix, what)
    diag = xp.diagonal(matrix)
    if not bool((diag > 0).all()):
        raise LinAlgError('{} has a non-positive diagonal element (smallest '
                          '{:g})'.format(what, float(diag.min())))
