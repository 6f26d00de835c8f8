"""Kronecker factors of a 2-D convolution (``L.Convolution2D``).

With P the im2col patch matrix (n*ho*wo rows, one per output position, of
length c*kh*kw in W's (c, kh, kw) order, plus a column of ones when the layer
has a bias) and gy the gradients of the batch-mean loss w.r.t. the output,
arranged as (n*ho*wo) x c_out (Grosse & Martens 2016, as Chainer_K-FAC)::

    A = P^T P / n                   (summed over spatial positions)
    G = gy^T gy * n^2 / (n*ho*wo)   (averaged over batch x spatial rows)

A is computed without P, from products of the input's rows, in chunks of the
batch (:mod:`.conv_patches`), so the whole-batch P never exists.

With ``diagonalize=True`` (Chainer_K-FAC's ``FisherBlock.diagonalize``), or a
link carrying a true ``diag`` attribute (the original honours that too), G is
kept as its diagonal, the mean over the n*ho*wo rows of (n gy)^2; A stays
full, as in the original.
"""
import typing

import chainer
from chainer.functions.connection import convolution_2d as conv_function

from chainer_kfac.fisher.accumulator import Factors
from chainer_kfac.fisher.conv_patches import PatchGram
from chainer_kfac.fisher.gram import gram
from chainer_kfac.fisher.kronecker import KroneckerFisherBlock
from chainer_kfac.preconditioning.damped_inverse import Array


class Convolution2DFisherBlock(KroneckerFisherBlock):

    function_types = (conv_function.Convolution2DFunction,)

    def __init__(self, name: str, link: chainer.Link,
                 diagonalize: bool = False) -> None:
        super().__init__(name, link, diagonalize)
        self._patch_gram = PatchGram(link)

    def diagonal_factors(self) -> typing.Tuple[bool, bool]:
        return (False,
                self.diagonalize or bool(getattr(self.link, 'diag', False)))

    def compute_factors(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> typing.List[Array]:
        x, gy = in_data[0], out_grad[0]
        n, _, ho, wo = gy.shape
        return [self._patch_gram(x, function, ho, wo, 1.0 / n),
                self.factor_g(gy)]

    def compute_selected(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array],
            wanted: typing.Sequence[bool]) -> Factors:
        x, gy = in_data[0], out_grad[0]
        n, _, ho, wo = gy.shape
        want_a, want_g = wanted
        A = self._patch_gram(x, function, ho, wo, 1.0 / n) if want_a \
            else None
        return [A, self.factor_g(gy) if want_g else None]

    def factor_g(self, gy: Array) -> Array:
        """G of the output gradients ``gy`` (n, c_out, ho, wo)."""
        n, c_out, ho, wo = gy.shape
        gy_t = gy.transpose(1, 0, 2, 3).reshape(c_out, n * ho * wo)
        if self.diagonal_factors()[1]:
            return (gy_t * gy_t).sum(axis=1) * gy.dtype.type(
                float(n) / (ho * wo))
        return gram(gy_t.T, float(n) / (ho * wo))
