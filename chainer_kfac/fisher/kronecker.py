"""Common part of the Kronecker-factored blocks (Linear, Convolution2D).

The Fisher block of a layer with weight W (c_out x k after reshaping) and
optional bias b is approximated as A (x) G, and its gradient is handled as the
matrix [grad W | grad b] of shape c_out x (k + 1).
"""
from chainer import backend

from chainer_kfac.fisher.block import FisherBlock


class KroneckerFisherBlock(FisherBlock):

    factor_names = ('A', 'G')
    kind = 'kronecker'

    def params(self):
        link = self.link
        return [link.W] if link.b is None else [link.W, link.b]

    def factor_shapes(self):
        """Shapes of (A, G), known from W's shape before any data."""
        W = self.link.W
        k = W.size // W.shape[0] + (self.link.b is not None)
        return [(k, k), (W.shape[0], W.shape[0])]

    def grad_matrix(self):
        """[grad W | grad b] as a c_out x (k [+ 1]) matrix."""
        W = self.link.W
        gW = W.grad.reshape(W.shape[0], -1)
        if self.link.b is None:
            return gW
        xp = backend.get_array_module(gW)
        return xp.concatenate([gW, self.link.b.grad[:, None]], axis=1)

    def set_preconditioned(self, matrix):
        """Split a c_out x (k [+ 1]) matrix into ``W.kfgrad``/``b.kfgrad``."""
        W = self.link.W
        k = W.size // W.shape[0]
        W.kfgrad = matrix[:, :k].reshape(W.shape).astype(W.dtype, copy=True)
        if self.link.b is not None:
            b = self.link.b
            b.kfgrad = matrix[:, k].astype(b.dtype, copy=True)
