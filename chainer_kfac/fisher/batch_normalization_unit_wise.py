"""Unit-wise Fisher blocks of batch normalization (``bn_fisher='unit_wise'``).

Osawa et al. (2019, sec. 4) describe BatchNorm's Fisher as one small block
per channel: the 2 x 2 block of (gamma_c, beta_c) (1 x 1 when the layer has
only one of them). With g_i from
:func:`chainer_kfac.fisher.batch_normalization.per_example_gradients`
(split per channel into g_{i,c} of length k)::

    F_c = n * sum_i g_{i,c} g_{i,c}^T

These are the diagonal blocks of the full matrix that Chainer_K-FAC's code
uses (:class:`BatchNormalizationFisherBlock`, the default). The factor is one
(C, k, k) array (a :class:`~chainer_kfac.fisher.factors.UnitWiseFactor`); it
is damped with ``stab_coeff * max(d, l2_coef)`` of each parameter and
inverted in closed form
(:class:`~chainer_kfac.preconditioning.damped_inverse.UnitWiseInverse`);
kfgrad_c = (F_c + Lambda)^-1 g_c per channel.
"""
import typing

import chainer
from chainer import backend

from chainer_kfac.fisher.batch_normalization import \
    BatchNormalizationFisherBlock
from chainer_kfac.fisher.factors import Factor
from chainer_kfac.fisher.factors import UnitWiseFactor
from chainer_kfac.preconditioning import kfgrad
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.preconditioning.damping import Damping


class UnitWiseBatchNormalizationFisherBlock(BatchNormalizationFisherBlock):

    def __init__(self, name: str, link: chainer.Link) -> None:
        super().__init__(name, link, diagonalize=False)

    def _k(self) -> int:
        return len(self.params())

    def factor_types(self) -> typing.List[typing.Type[Factor]]:
        return [UnitWiseFactor]

    def factor_shapes(self) -> typing.List[typing.Tuple[int, ...]]:
        k = self._k()
        return [(self.params()[0].size, k, k)]

    def compute_factors(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> typing.List[Array]:
        g = self.gradients_per_example(function, in_data, out_grad)
        n = g.shape[0]
        xp = backend.get_array_module(g)
        g = g.reshape(n, self._k(), -1)
        F = xp.einsum('nic,njc->cij', g, g)
        F *= F.dtype.type(n)
        return [F]

    def invert(self, damping: Damping) -> None:
        """(F_c + Lambda)^-1, Lambda = stab_coeff * diag(d_gamma, d_beta)."""
        lam = [damping.batch_normalization(p) for p in self.params()]
        self.hold_inverses([lam], damping.use_cholesky)

    def arrange(self, arrays: typing.Sequence[Array]) -> Array:
        """A (C, k) array of (gamma's_c [, beta's_c])."""
        xp = backend.get_array_module(arrays[0])
        return xp.stack([a.ravel() for a in arrays], axis=1)

    def apply_inverses(self, grad_matrix: Array) -> Array:
        (F_inv,) = self.held_inverses()
        return F_inv.left(grad_matrix)

    def set_preconditioned(self, matrix: Array) -> None:
        for j, p in enumerate(self.params()):
            kfgrad.store(p, matrix[:, j].reshape(p.shape))
