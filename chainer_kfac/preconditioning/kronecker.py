"""Kronecker-factored preconditioning (Martens & Grosse 2015).

With the damped inverses of the running factors, the natural gradient of a
layer whose gradient matrix is [grad W | grad b] (c_out x k) is::

    (A (x) G + d I)^-1 vec(grad)  ~=  vec( G_d^-1 [grad W | grad b] A_d^-1 )

    A_d = A + pi sqrt(d) I,   G_d = G + sqrt(d) / pi I.

A factor given as a 1-D array is a diagonal matrix held by its diagonal
(Chainer_K-FAC's ``diagonalize``): its damped inverse is elementwise and it
multiplies the gradient by broadcasting.
"""
from chainer_kfac.preconditioning.damping import compute_pi
from chainer_kfac.preconditioning.damped import damped_inverse
from chainer_kfac.preconditioning.damped import left_multiply
from chainer_kfac.preconditioning.damped import right_multiply


def kronecker_damping(A, G, damping, pi_type='tracenorm'):
    """Return ``(pi, [pi sqrt(d), sqrt(d) / pi])``: pi of A and G as they
    are, and the values added to the diagonals of A and G."""
    pi = compute_pi(A, G, pi_type)
    root = damping ** 0.5
    return pi, [pi * root, root / pi]


def damped_kronecker_inverses(A, G, damping, pi_type='tracenorm',
                              use_cholesky=True):
    """Return ``(A_d^-1, G_d^-1, pi)``; A and G are not modified."""
    pi, (value_a, value_g) = kronecker_damping(A, G, damping, pi_type)
    return (damped_inverse(A, value_a, use_cholesky),
            damped_inverse(G, value_g, use_cholesky), pi)


def precondition_kronecker(grad_matrix, A_inv, G_inv):
    """Return ``G_inv @ grad_matrix @ A_inv`` for inverses in any form of
    :func:`~chainer_kfac.preconditioning.damped.invert` (a diagonal, an
    explicit matrix, a CholeskyInverse)."""
    return left_multiply(G_inv, right_multiply(grad_matrix, A_inv))
