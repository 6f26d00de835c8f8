"""Common part of the Kronecker-factored blocks (Linear, Convolution2D).

The Fisher block of a layer with weight W (c_out x k after reshaping) and
optional bias b is approximated as A (x) G (Martens & Grosse 2015), and its
gradient is handled as the matrix M = [grad W | grad b] of shape
c_out x (k + 1). With d_W = max(damping, W.l2_coef) (Chainer_K-FAC's
``get_diagval``) and the trace-norm pi of the running averages
(:class:`~chainer_kfac.preconditioning.damping.Damping`)::

    A_d = A + pi sqrt(d_W) I,   G_d = G + sqrt(d_W) / pi I
    (A (x) G + d I)^-1 vec(M)  ~=  vec( G_d^-1 M A_d^-1 ) = kfgrad

With ``diagonalize=True`` (the original's ``FisherBlock.diagonalize``) a
subclass keeps some factors as their diagonals only
(:class:`~chainer_kfac.fisher.factors.DiagonalFactor`); which ones is the
subclass's ``diagonal_factors``.
"""
import typing

import chainer
from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.factors import DenseFactor
from chainer_kfac.fisher.factors import DiagonalFactor
from chainer_kfac.fisher.factors import Factor
from chainer_kfac.preconditioning import kfgrad
from chainer_kfac.preconditioning.damped_inverse import Array
from chainer_kfac.preconditioning.damping import Damping


class KroneckerFisherBlock(FisherBlock):

    factor_names = ('A', 'G')

    def __init__(self, name: str, link: chainer.Link,
                 diagonalize: bool = False) -> None:
        super().__init__(name, link)
        self.diagonalize = bool(diagonalize)
        #: Trace-norm pi of the last inversion.
        self.pi: typing.Optional[float] = None

    def diagonal_factors(self) -> typing.Tuple[bool, bool]:
        """``(A is diagonal, G is diagonal)`` under ``diagonalize``."""
        raise NotImplementedError

    def output_side_factors(self) -> typing.Tuple[bool, bool]:
        """A from the inputs, G from the output gradients."""
        return (False, True)

    def params(self) -> typing.List[chainer.Parameter]:
        link = self.link
        return [link.W] if link.b is None else [link.W, link.b]

    def hooked_input(self) -> typing.Tuple[int, chainer.Parameter]:
        return 1, self.link.W

    def factor_types(self) -> typing.List[typing.Type[Factor]]:
        return [DiagonalFactor if diag else DenseFactor
                for diag in self.diagonal_factors()]

    def factor_shapes(self) -> typing.List[typing.Tuple[int, ...]]:
        """Shapes of (A, G), known from W's shape before any data."""
        W = self.link.W
        k = W.size // W.shape[0] + (self.link.b is not None)
        dims = (k, W.shape[0])
        return [(d,) if diag else (d, d)
                for d, diag in zip(dims, self.diagonal_factors(), strict=True)]

    def invert(self, damping: Damping) -> None:
        """A_d^-1 and G_d^-1 (pi from the running averages as they are)."""
        A, G = self.held_factors()
        pi, shift_a, shift_g = damping.kronecker(
            A.mean_diagonal(), G.mean_diagonal(), self.link.W)
        self.hold_inverses([shift_a, shift_g], damping.use_cholesky)
        self.pi = pi

    def arrange(self, arrays: typing.Sequence[Array]) -> Array:
        """[W's | b's] as a c_out x (k [+ 1]) matrix."""
        W = self.link.W
        gW = arrays[0].reshape(W.shape[0], -1)
        if self.link.b is None:
            return gW
        xp = backend.get_array_module(gW)
        return xp.concatenate([gW, arrays[1][:, None]], axis=1)

    def apply_curvature(self, matrix: Array) -> Array:
        """``G M A`` with the running averages."""
        A, G = self.held_factors()
        return G.as_operator().left(A.as_operator().right(matrix))

    def apply_inverses(self, grad_matrix: Array) -> Array:
        """``G_d^-1 M A_d^-1``."""
        A_inv, G_inv = self.held_inverses()
        return G_inv.left(A_inv.right(grad_matrix))

    def set_preconditioned(self, matrix: Array) -> None:
        """Split a c_out x (k [+ 1]) matrix into ``W.kfgrad``/``b.kfgrad``."""
        W = self.link.W
        k = W.size // W.shape[0]
        kfgrad.store(W, matrix[:, :k].reshape(W.shape))
        if self.link.b is not None:
            kfgrad.store(self.link.b, matrix[:, k])

    def serialize(self, serializer: typing.Any) -> None:
        super().serialize(serializer)
        pi = serializer('pi', float('nan') if self.pi is None else self.pi)
        pi = float(pi)
        self.pi = None if pi != pi else pi
