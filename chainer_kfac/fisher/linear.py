"""Kronecker factors of a fully connected layer (``L.Linear``).

For a batch of n inputs a (n x d_in) and the gradients gy (n x d_out) of the
batch-mean loss with respect to the layer's outputs (Martens & Grosse 2015;
Osawa et al. 2019, eq. 6-7)::

    A = E[a~ a~^T] = a~^T a~ / n,        a~ = [a | 1] when the layer has a bias
    G = E[(n gy)(n gy)^T] = n * gy^T gy

n * gy is the per-example gradient, so A (x) G is the empirical Fisher of
[W | b] under the Kronecker factorisation.

With ``diagonalize=True`` (Chainer_K-FAC's ``FisherBlock.diagonalize``) both
factors are kept as their diagonals: A = mean_i a~_i^2 and
G = n * sum_i gy_i^2 (elementwise), the diagonals of the full factors.
"""
import typing

from chainer import backend
from chainer.functions.connection import linear as linear_function

from chainer_kfac.fisher.accumulator import Factors
from chainer_kfac.fisher.gram import gram
from chainer_kfac.fisher.kronecker import KroneckerFisherBlock
from chainer_kfac.preconditioning.damped_inverse import Array


class LinearFisherBlock(KroneckerFisherBlock):

    function_types = (linear_function.LinearFunction,)

    def diagonal_factors(self) -> typing.Tuple[bool, bool]:
        return (self.diagonalize, self.diagonalize)

    def vector_factors_in_original(self) -> typing.Tuple[bool, bool]:
        """The original's diagonal A is a vector (its diagonal G is a
        diagonal matrix)."""
        return (self.diagonalize, False)

    def compute_factors(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array]) -> typing.List[Array]:
        return [self.factor_a(in_data[0]), self.factor_g(out_grad[0])]

    def compute_selected(
            self, function: typing.Any, in_data: typing.Sequence[Array],
            out_grad: typing.Sequence[Array],
            wanted: typing.Sequence[bool]) -> Factors:
        want_a, want_g = wanted
        return [self.factor_a(in_data[0]) if want_a else None,
                self.factor_g(out_grad[0]) if want_g else None]

    def factor_a(self, a: Array) -> Array:
        """A of the inputs ``a`` (n x ...)."""
        n = a.shape[0]
        xp = backend.get_array_module(a)
        a = a.reshape(n, -1)
        if self.diagonalize:
            A = (a * a).mean(axis=0)
            if self.link.b is not None:
                A = xp.concatenate([A, xp.ones(1, dtype=A.dtype)])
            return A
        d = a.shape[1]
        if self.link.b is None:
            return gram(a, 1.0 / n)
        A = xp.empty((d + 1, d + 1), dtype=a.dtype)
        A[:d, :d] = gram(a, 1.0 / n)
        mean = a.mean(axis=0)
        A[:d, d] = mean
        A[d, :d] = mean
        A[d, d] = 1
        return A

    def factor_g(self, gy: Array) -> Array:
        """G of the output gradients ``gy`` (n x d_out)."""
        n = gy.shape[0]
        if self.diagonalize:
            return (gy * gy).sum(axis=0) * gy.dtype.type(n)
        return gram(gy, float(n))
