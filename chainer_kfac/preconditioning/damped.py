"""Damping and inverting one factor, full or kept as its diagonal.

A diagonal factor D (``diagonalize=True``) is stored as the 1-D array of its
diagonal; damping adds to it and its inverse is elementwise::

    (D + lambda I)^-1 = diag(1 / (d_i + lambda))

A full factor F_d = F + diag(lambda) is inverted, by default, as its
Cholesky factor (a :class:`CholeskyInverse`, applied by triangular solves)
on the CPU, as an explicit ``inverse_spd`` on GPUs or with
``use_cholesky=False`` (LU). ``lambda`` is a scalar or one value per
diagonal entry (BatchNorm's gamma and beta are damped with their own
``l2_coef``). :func:`left_multiply` and :func:`right_multiply` apply any of
the three forms.
"""
import numpy

from chainer import backend

from chainer_kfac.preconditioning.cholesky_inverse import CholeskyInverse
from chainer_kfac.preconditioning.inverse import inverse_spd
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError


def damped_inverse(factor, value, use_cholesky=True):
    """``(factor + diag(value))^-1``; a 1-D ``factor`` is a diagonal."""
    return invert(add_to_diagonal(factor, value), use_cholesky)


def invert(damped, use_cholesky=True):
    """The inverse of a damped factor, in the form it is applied in: 1-D
    for a diagonal, a CholeskyInverse (NumPy, Cholesky), else an explicit
    array."""
    if damped.ndim == 1:
        return inverse_diagonal(damped)
    if use_cholesky and backend.get_array_module(damped) is numpy:
        return CholeskyInverse(damped)
    return inverse_spd(damped, use_cholesky)


def left_multiply(inverse, x):
    """``F_d^-1 @ x`` (x 1-D or 2-D) for any form :func:`invert` gives."""
    if isinstance(inverse, CholeskyInverse):
        return inverse.left(x)
    if inverse.ndim == 1:
        return inverse.reshape(inverse.shape + (1,) * (x.ndim - 1)) * x
    return inverse @ x


def right_multiply(x, inverse):
    """``x @ F_d^-1`` (x 2-D) for any form :func:`invert` gives."""
    if isinstance(inverse, CholeskyInverse):
        return inverse.right(x)
    if inverse.ndim == 1:
        return x * inverse[None, :]
    return x @ inverse


def add_to_diagonal(factor, value):
    """Return ``factor + diag(value)`` as a new array (1-D: ``+ value``)."""
    xp = backend.get_array_module(factor)
    value = xp.asarray(value, dtype=factor.dtype)
    if factor.ndim == 1:
        return factor + value
    out = factor.copy()
    n = factor.shape[0]
    out.reshape(-1)[::n + 1] += value
    return out


def inverse_diagonal(diagonal):
    """``1 / diagonal`` for a positive ``diagonal``.

    Raises:
        NotPositiveDefiniteError: an entry is not positive or not finite.
    """
    xp = backend.get_array_module(diagonal)
    if not bool((diagonal > 0).all()) or \
            not bool(xp.isfinite(diagonal).all()):
        raise NotPositiveDefiniteError(
            'a damped diagonal factor has an entry that is not positive')
    return 1 / diagonal
