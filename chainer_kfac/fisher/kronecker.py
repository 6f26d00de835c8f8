"""Common part of the Kronecker-factored blocks (Linear, Convolution2D).

The Fisher block of a layer with weight W (c_out x k after reshaping) and
optional bias b is approximated as A (x) G, and its gradient is handled as the
matrix M = [grad W | grad b] of shape c_out x (k + 1). With
d = max(damping, W.l2_coef) (Chainer_K-FAC's ``get_diagval``) and the
trace-norm pi of the running averages::

    A_d = A + pi sqrt(d) I,   G_d = G + sqrt(d) / pi I
    kfgrad = G_d^-1 M A_d^-1

With ``diagonalize=True`` (the original's ``FisherBlock.diagonalize``) a
subclass keeps some factors as their diagonals only (1-D arrays); which ones
is the subclass's ``diagonal_factors``.
"""
from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.block import l2_damping
from chainer_kfac.preconditioning import kronecker


class KroneckerFisherBlock(FisherBlock):

    factor_names = ('A', 'G')

    def __init__(self, name, link, diagonalize=False):
        super().__init__(name, link)
        self.diagonalize = bool(diagonalize)
        self.pi = None

    def diagonal_factors(self):
        """``(A is diagonal, G is diagonal)`` under ``diagonalize``."""
        raise NotImplementedError

    def params(self):
        link = self.link
        return [link.W] if link.b is None else [link.W, link.b]

    def hooked_input(self):
        return 1, self.link.W

    def factor_shapes(self):
        """Shapes of (A, G), known from W's shape before any data."""
        W = self.link.W
        k = W.size // W.shape[0] + (self.link.b is not None)
        dims = (k, W.shape[0])
        return [(d,) if diag else (d, d)
                for d, diag in zip(dims, self.diagonal_factors())]

    def symmetric_factors(self):
        return [not diag for diag in self.diagonal_factors()]

    def inversion_cost(self):
        """dim^3 per full factor (a Cholesky inverse), dim per diagonal."""
        return float(sum(s[0] ** 3 if len(s) == 2 else s[0]
                         for s in self.factor_shapes()))

    def invert(self, damping, *, pi_type, use_cholesky, stab_coeff):
        A, G = self.factors
        d = l2_damping(damping, self.link.W)
        pi, values = kronecker.kronecker_damping(A, G, d, pi_type)
        self.inverses = self.invert_damped(values, use_cholesky)
        self.pi = pi

    def grad_matrix(self):
        """[grad W | grad b] as a c_out x (k [+ 1]) matrix."""
        W = self.link.W
        gW = W.grad.reshape(W.shape[0], -1)
        if self.link.b is None:
            return gW
        xp = backend.get_array_module(gW)
        return xp.concatenate([gW, self.link.b.grad[:, None]], axis=1)

    def apply_inverses(self, grad_matrix):
        A_inv, G_inv = self.inverses
        return kronecker.precondition_kronecker(grad_matrix, A_inv, G_inv)

    def set_preconditioned(self, matrix):
        """Split a c_out x (k [+ 1]) matrix into ``W.kfgrad``/``b.kfgrad``."""
        W = self.link.W
        k = W.size // W.shape[0]
        W.kfgrad = matrix[:, :k].reshape(W.shape).astype(W.dtype, copy=True)
        if self.link.b is not None:
            b = self.link.b
            b.kfgrad = matrix[:, k].astype(b.dtype, copy=True)

    def serialize(self, serializer):
        super().serialize(serializer)
        pi = serializer('pi', float('nan') if self.pi is None else self.pi)
        pi = float(pi)
        self.pi = None if pi != pi else pi
