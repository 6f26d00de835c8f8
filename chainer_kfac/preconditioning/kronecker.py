"""Kronecker-factored preconditioning (Martens & Grosse 2015).

With the damped inverses of the running factors, the natural gradient of a
layer whose gradient matrix is [grad W | grad b] (c_out x k) is::

    (A (x) G + d I)^-1 vec(grad)  ~=  vec( G_d^-1 [grad W | grad b] A_d^-1 )

    A_d = A + pi sqrt(d) I,   G_d = G + sqrt(d) / pi I.
"""
from chainer import backend

from chainer_kfac.preconditioning.damping import compute_pi
from chainer_kfac.preconditioning.inverse import inverse_spd


def damped_kronecker_inverses(A, G, damping, pi_type='tracenorm',
                              use_cholesky=True):
    """Return ``(A_d^-1, G_d^-1, pi)``; A and G are not modified."""
    xp = backend.get_array_module(A)
    pi = compute_pi(A, G, pi_type)
    root = damping ** 0.5
    A_d = A + xp.eye(A.shape[0], dtype=A.dtype) * A.dtype.type(pi * root)
    G_d = G + xp.eye(G.shape[0], dtype=G.dtype) * G.dtype.type(root / pi)
    return (inverse_spd(A_d, use_cholesky), inverse_spd(G_d, use_cholesky),
            pi)


def precondition_kronecker(grad_matrix, A_inv, G_inv):
    """Return ``G_inv @ grad_matrix @ A_inv``."""
    return G_inv @ grad_matrix @ A_inv
