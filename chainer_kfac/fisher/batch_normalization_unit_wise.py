"""Unit-wise Fisher blocks of batch normalization (``bn_fisher='unit_wise'``).

Osawa et al. (2019, sec. 4) describe BatchNorm's Fisher as one small block
per channel: the 2 x 2 block of (gamma_c, beta_c) (1 x 1 when the layer has
only one of them). With g_i from
:func:`chainer_kfac.fisher.batch_normalization.per_example_gradients`
(split per channel into g_{i,c} of length k)::

    F_c = n * sum_i g_{i,c} g_{i,c}^T

These are the diagonal blocks of the full matrix that Chainer_K-FAC's code
uses (:class:`BatchNormalizationFisherBlock`, the default). The factor is one
(C, k, k) array; it is damped with ``stab_coeff * max(d, l2_coef)`` of each
parameter and inverted in closed form (:mod:`..preconditioning.unit_wise`).
"""
from chainer import backend

from chainer_kfac.fisher.batch_normalization import \
    BatchNormalizationFisherBlock
from chainer_kfac.fisher.batch_normalization import per_example_gradients
from chainer_kfac.fisher.block import l2_damping
from chainer_kfac.preconditioning import unit_wise


class UnitWiseBatchNormalizationFisherBlock(BatchNormalizationFisherBlock):

    def __init__(self, name, link):
        super().__init__(name, link, diagonalize=False)

    def _k(self):
        return len(self.params())

    def factor_shapes(self):
        k = self._k()
        return [(self.params()[0].size, k, k)]

    def symmetric_factors(self):
        return [False]

    def inversion_cost(self):
        channels, k, _ = self.factor_shapes()[0]
        return float(channels * k ** 3)

    def compute_factors(self, function, in_data, out_grad):
        g = per_example_gradients(function, in_data, out_grad,
                                  (self.link.gamma, self.link.beta))
        n = g.shape[0]
        xp = backend.get_array_module(g)
        g = g.reshape(n, self._k(), -1)
        F = xp.einsum('nic,njc->cij', g, g)
        F *= F.dtype.type(n)
        return [F]

    def invert(self, damping, *, pi_type, use_cholesky, stab_coeff):
        lam = [stab_coeff * l2_damping(damping, p) for p in self.params()]
        self.inverses = [unit_wise.damped_unit_wise_inverses(
            self.factors[0], lam)]

    def grad_matrix(self):
        """Gradients as a (C, k) array of (grad gamma_c [, grad beta_c])."""
        xp = backend.get_array_module(self.params()[0].grad)
        return xp.stack([p.grad.ravel() for p in self.params()], axis=1)

    def apply_inverses(self, grad_matrix):
        return unit_wise.precondition_unit_wise(grad_matrix,
                                                self.inverses[0])

    def set_preconditioned(self, matrix):
        for j, p in enumerate(self.params()):
            p.kfgrad = matrix[:, j].reshape(p.shape).astype(p.dtype,
                                                            copy=True)
