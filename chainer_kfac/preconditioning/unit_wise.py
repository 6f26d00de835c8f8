"""Unit-wise (2 x 2 per channel) preconditioning of BatchNormalization.

Each channel's block F_c over (gamma_c, beta_c) is damped with
``stab_coeff * d`` -- the larger damping Chainer_K-FAC uses to stabilise the
tiny, often ill-conditioned BN blocks -- and inverted in closed form::

    (F_c + s d I)^-1 = adj(F_c + s d I) / det(F_c + s d I),  s = stab_coeff
"""
from chainer import backend

from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError


def damped_unit_wise_inverses(F, damping, stab_coeff):
    """Return the (C, 2, 2) inverses of ``F + stab_coeff * damping * I``."""
    xp = backend.get_array_module(F)
    lam = F.dtype.type(stab_coeff * damping)
    a = F[:, 0, 0] + lam
    b = F[:, 0, 1]
    c = F[:, 1, 0]
    d = F[:, 1, 1] + lam
    det = a * d - b * c
    if not bool((det > 0).all()) or not bool((a > 0).all()):
        raise NotPositiveDefiniteError(
            'a damped 2x2 BatchNorm block is not positive definite')
    inv = xp.empty_like(F)
    inv[:, 0, 0] = d / det
    inv[:, 0, 1] = -b / det
    inv[:, 1, 0] = -c / det
    inv[:, 1, 1] = a / det
    return inv


def precondition_unit_wise(grad_matrix, F_inv):
    """Return the per-channel products F_c^-1 [g_gamma_c, g_beta_c]."""
    xp = backend.get_array_module(grad_matrix)
    return xp.einsum('cij,cj->ci', F_inv, grad_matrix)
