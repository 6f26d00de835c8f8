"""Unit-wise Fisher blocks of batch normalization (``L.BatchNormalization``).

As in Chainer_K-FAC (Osawa et al. 2019, sec. 4), the scale and shift of each
channel c form their own 2 x 2 block. With x^ the normalised input and gy the
gradient of the batch-mean loss w.r.t. the output, the per-example gradient
of (gamma_c, beta_c) is n * g_{i,c} where::

    g_{i,c} = [ sum_s gy_{i,c,s} x^_{i,c,s},  sum_s gy_{i,c,s} ]

(s runs over the spatial positions), and the empirical Fisher of channel c is

    F_c = E_i[(n g_{i,c})(n g_{i,c})^T] = n * sum_i g_{i,c} g_{i,c}^T.

The factor is stored as one array F of shape (C, 2, 2). Its damping uses
``stab_coeff`` (see :mod:`chainer_kfac.preconditioning.unit_wise`).
"""
from chainer import backend
from chainer.functions.normalization import batch_normalization as bn

from chainer_kfac.fisher.block import FisherBlock


class BatchNormalizationFisherBlock(FisherBlock):

    function_types = (bn.BatchNormalization,)
    factor_names = ('F',)
    kind = 'unit_wise'
    symmetric = False

    def params(self):
        return [self.link.gamma, self.link.beta]

    def factor_shapes(self):
        return [(self.link.gamma.size, 2, 2)]

    def compute_factors(self, function, in_data, out_grad):
        x, gy = in_data[0], out_grad[0]
        xp = backend.get_array_module(x)
        axis = tuple(function.axis)
        mean = x.mean(axis=axis, keepdims=True)
        var = x.var(axis=axis, keepdims=True)
        x_hat = (x - mean) / xp.sqrt(var + function.eps)
        per_example = tuple(a for a in axis if a != 0)
        n = x.shape[0]
        g_gamma = (gy * x_hat).sum(axis=per_example)   # (n, C)
        g_beta = gy.sum(axis=per_example)              # (n, C)
        F = xp.empty((g_gamma.shape[1], 2, 2), dtype=x.dtype)
        F[:, 0, 0] = n * (g_gamma * g_gamma).sum(axis=0)
        F[:, 0, 1] = F[:, 1, 0] = n * (g_gamma * g_beta).sum(axis=0)
        F[:, 1, 1] = n * (g_beta * g_beta).sum(axis=0)
        return [F]

    def grad_matrix(self):
        """Gradients as a (C, 2) array of (grad gamma_c, grad beta_c)."""
        xp = backend.get_array_module(self.link.gamma.grad)
        return xp.stack([self.link.gamma.grad, self.link.beta.grad], axis=1)

    def set_preconditioned(self, matrix):
        gamma, beta = self.link.gamma, self.link.beta
        gamma.kfgrad = matrix[:, 0].astype(gamma.dtype, copy=True)
        beta.kfgrad = matrix[:, 1].astype(beta.dtype, copy=True)
