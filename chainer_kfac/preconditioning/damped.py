"""Damping and inverting one factor, full or kept as its diagonal.

A diagonal factor D (``diagonalize=True``) is stored as the 1-D array of its
diagonal; damping adds to it and its inverse is elementwise::

    (D + lambda I)^-1 = diag(1 / (d_i + lambda))

A full factor F is inverted as ``(F + diag(lambda))^-1`` by
:func:`~chainer_kfac.preconditioning.inverse.inverse_spd` (Cholesky by
default). ``lambda`` is a scalar or one value per diagonal entry
(BatchNorm's gamma and beta are damped with their own ``l2_coef``).
"""
from chainer import backend

from chainer_kfac.preconditioning.inverse import inverse_spd
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError


def damped_inverse(factor, value, use_cholesky=True):
    """``(factor + diag(value))^-1``; a 1-D ``factor`` is a diagonal."""
    damped = add_to_diagonal(factor, value)
    if damped.ndim == 1:
        return inverse_diagonal(damped)
    return inverse_spd(damped, use_cholesky)


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
