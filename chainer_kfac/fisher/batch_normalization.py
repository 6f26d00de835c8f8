"""Fisher block of batch normalization (``L.BatchNormalization``), as in
Chainer_K-FAC: ONE full matrix over all of the layer's scales and shifts.

With x^ the input normalised by the batch statistics (the layer recomputed
with gamma = 1, beta = 0) and gy the gradient of the batch-mean loss w.r.t.
the output, example i's gradient of (gamma, beta) is n * g_i, where::

    g_i = [ sum_s gy_{i,:,s} x^_{i,:,s} | sum_s gy_{i,:,s} ]   (length 2C)

(s runs over the spatial positions of a 4-D input; the gamma part is absent
for a layer without gamma, the beta part without beta). The factor is the
empirical Fisher over the whole layer::

    F = (1/n) sum_i (n g_i)(n g_i)^T = n * sum_i g_i g_i^T     (2C x 2C)

It is damped on its diagonal with ``stab_coeff * max(d, l2_coef)`` taken from
gamma's ``l2_coef`` for the gamma entries and beta's for the beta entries
(:meth:`~chainer_kfac.preconditioning.damping.Damping.batch_normalization`),
inverted whole (a :class:`~chainer_kfac.fisher.factors.DenseFactor`: Cholesky
by default; no pi) and kfgrad = F_d^-1 [grad gamma | grad beta]. With
``diagonalize=True`` only F's diagonal is kept (a ``DiagonalFactor``).
The per-channel 2 x 2 variant is
:mod:`chainer_kfac.fisher.batch_normalization_unit_wise`.
"""
import typing

import chainer
from chainer import backend
from chainer.functions.normalization import batch_normalization as bn

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.factors import DenseFactor
from chainer_kfac.fisher.factors import DiagonalFactor
from chainer_kfac.fisher.factors import Factor
from chainer_kfac.fisher.gram import gram
from chainer_kfac.preconditioning import kfgrad
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.preconditioning.damping import Damping


def per_example_gradients(
        function: typing.Any, in_data: typing.Sequence[Array],
        out_grad: typing.Sequence[Array],
        params: typing.Tuple[typing.Optional[chainer.Parameter],
                             typing.Optional[chainer.Parameter]]) -> Array:
    """(n, P) array of g_i (see above); ``params`` are the link's gamma
    and/or beta, in that order (each None or a parameter)."""
    x, gy = in_data[0], out_grad[0]
    xp = backend.get_array_module(x)
    axis = tuple(function.axis)
    # x.var's own steps (centre, square, mean) on the centred x kept for
    # x^: the same values as x.var and (x - mean) / sqrt(var + eps), two
    # passes over x fewer.
    x_hat = x - x.mean(axis=axis, keepdims=True)
    var = (x_hat * x_hat).mean(axis=axis, keepdims=True)
    x_hat /= xp.sqrt(var + x.dtype.type(function.eps))
    spatial = tuple(a for a in axis if a != 0)
    n = x.shape[0]
    parts = []
    gamma, beta = params
    if gamma is not None:
        parts.append((gy * x_hat).sum(axis=spatial).reshape(n, -1))
    if beta is not None:
        parts.append(gy.sum(axis=spatial).reshape(n, -1))
    return xp.concatenate(parts, axis=1)


class BatchNormalizationFisherBlock(FisherBlock):

    function_types = (bn.BatchNormalization,)
    factor_names = ('F',)

    def __init__(self, name: str, link: chainer.Link,
                 diagonalize: bool = False) -> None:
        super().__init__(name, link)
        self.diagonalize = bool(diagonalize)

    def output_side_factors(self) -> typing.Tuple[bool]:
        """F is made of per-example gradients: output-side."""
        return (True,)

    def params(self) -> typing.List[chainer.Parameter]:
        return [p for p in (self.link.gamma, self.link.beta) if p is not None]

    def hooked_input(self) -> typing.Tuple[int, chainer.Parameter]:
        if self.link.gamma is not None:
            return 1, self.link.gamma
        return 2, self.link.beta

    def factor_types(self) -> typing.List[typing.Type[Factor]]:
        return [DiagonalFactor if self.diagonalize else DenseFactor]

    def factor_shapes(self) -> typing.List[typing.Tuple[int, ...]]:
        size = sum(p.size for p in self.params())
        return [(size,) if self.diagonalize else (size, size)]

    def gradients_per_example(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> Array:
        """(n, k C) g_i of this layer: gamma's entries, then beta's."""
        return per_example_gradients(function, in_data, out_grad,
                                     (self.link.gamma, self.link.beta))

    def compute_factors(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> typing.List[Array]:
        g = self.gradients_per_example(function, in_data, out_grad)
        n = g.shape[0]
        if self.diagonalize:
            return [(g * g).sum(axis=0) * g.dtype.type(n)]
        return [gram(g, float(n))]

    def invert(self, damping: Damping) -> None:
        """F_d^-1, ``stab_coeff * max(d, l2_coef)`` per entry of F's
        diagonal (no pi)."""
        (F,) = self.held_factors()
        xp = backend.get_array_module(F.value)
        lam = xp.concatenate([
            xp.full(p.size, damping.batch_normalization(p),
                    dtype=F.value.dtype) for p in self.params()])
        self.hold_inverses([lam], damping.use_cholesky)

    def arrange(self, arrays: typing.Sequence[Array]) -> Array:
        """gamma's entries, then beta's, as one vector."""
        xp = backend.get_array_module(arrays[0])
        return xp.concatenate([a.ravel() for a in arrays])

    def apply_curvature(self, matrix: Array) -> Array:
        (F,) = self.held_factors()
        return F.as_operator().left(matrix)

    def apply_inverses(self, grad_matrix: Array) -> Array:
        (F_inv,) = self.held_inverses()
        return F_inv.left(grad_matrix)

    def set_preconditioned(self, matrix: Array) -> None:
        offset = 0
        for p in self.params():
            part = matrix[offset:offset + p.size].reshape(p.shape)
            kfgrad.store(p, part)
            offset += p.size
