"""Unit-wise (per channel) preconditioning of BatchNormalization.

The ``bn_fisher='unit_wise'`` option (Osawa et al. 2019, sec. 4): channel
c's block F_c (k x k, k = 2 for (gamma_c, beta_c), 1 when the layer has only
one of them) is damped on its diagonal with ``lambda`` (one value per
parameter: ``stab_coeff * max(d, l2_coef)``) and inverted in closed form::

    k = 2:  (F_c + Lambda)^-1 = adj(F_c + Lambda) / det(F_c + Lambda)
    k = 1:  1 / (F_c + lambda)
"""
from chainer import backend

from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError


def damped_unit_wise_inverses(F, damping):
    """Return the (C, k, k) inverses of ``F + diag(damping)`` per channel.

    Args:
        F: (C, k, k) array, k in (1, 2).
        damping: scalar or k values added to each block's diagonal.
    """
    xp = backend.get_array_module(F)
    lam = xp.broadcast_to(xp.asarray(damping, dtype=F.dtype), (F.shape[1],))
    a = F[:, 0, 0] + lam[0]
    if F.shape[1] == 1:
        _check_positive(a > 0)
        return (1 / a)[:, None, None]
    b, c, d = F[:, 0, 1], F[:, 1, 0], F[:, 1, 1] + lam[1]
    det = a * d - b * c
    _check_positive((det > 0) & (a > 0))
    inv = xp.empty_like(F)
    inv[:, 0, 0] = d / det
    inv[:, 0, 1] = -b / det
    inv[:, 1, 0] = -c / det
    inv[:, 1, 1] = a / det
    return inv


def _check_positive(ok):
    if not bool(ok.all()):
        raise NotPositiveDefiniteError(
            'a damped unit-wise BatchNorm block is not positive definite')


def precondition_unit_wise(grad_matrix, F_inv):
    """Return the per-channel products F_c^-1 g_c of a (C, k) gradient."""
    xp = backend.get_array_module(grad_matrix)
    return xp.einsum('cij,cj->ci', F_inv, grad_matrix)
