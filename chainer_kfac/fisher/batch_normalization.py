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
gamma's ``l2_coef`` for the gamma entries and beta's for the beta entries,
inverted whole (Cholesky by default; no pi) and kfgrad = F_d^-1 [grad gamma |
grad beta]. With ``diagonalize=True`` only F's diagonal is kept.
The per-channel 2 x 2 variant is
:mod:`chainer_kfac.fisher.batch_normalization_unit_wise`.
"""
from chainer import backend
from chainer.functions.normalization import batch_normalization as bn

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.fisher.block import l2_damping
from chainer_kfac.fisher.gram import gram
from chainer_kfac.preconditioning import damped


def per_example_gradients(function, in_data, out_grad, params):
    """(n, P) array of g_i (see above); ``params`` are the link's gamma
    and/or beta, in that order (each None or a parameter)."""
    x, gy = in_data[0], out_grad[0]
    xp = backend.get_array_module(x)
    axis = tuple(function.axis)
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)
    x_hat = (x - mean) / xp.sqrt(var + x.dtype.type(function.eps))
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

    def __init__(self, name, link, diagonalize=False):
        super().__init__(name, link)
        self.diagonalize = bool(diagonalize)

    def params(self):
        return [p for p in (self.link.gamma, self.link.beta) if p is not None]

    def hooked_input(self):
        if self.link.gamma is not None:
            return 1, self.link.gamma
        return 2, self.link.beta

    def factor_shapes(self):
        size = sum(p.size for p in self.params())
        return [(size,) if self.diagonalize else (size, size)]

    def symmetric_factors(self):
        return [not self.diagonalize]

    def inversion_cost(self):
        size = self.factor_shapes()[0][0]
        return float(size if self.diagonalize else size ** 3)

    def compute_factors(self, function, in_data, out_grad):
        g = per_example_gradients(function, in_data, out_grad,
                                  (self.link.gamma, self.link.beta))
        n = g.shape[0]
        if self.diagonalize:
            return [(g * g).sum(axis=0) * g.dtype.type(n)]
        return [gram(g, float(n))]

    def damping_diagonal(self, damping, stab_coeff):
        """``stab_coeff * max(d, l2_coef)`` per entry of F's diagonal."""
        xp = backend.get_array_module(self.factors[0])
        return xp.concatenate([
            xp.full(p.size, stab_coeff * l2_damping(damping, p),
                    dtype=self.factors[0].dtype) for p in self.params()])

    def invert(self, damping, *, pi_type, use_cholesky, stab_coeff):
        lam = self.damping_diagonal(damping, stab_coeff)
        self.inverses = self.invert_damped([lam], use_cholesky)

    def grad_matrix(self):
        xp = backend.get_array_module(self.params()[0].grad)
        return xp.concatenate([p.grad.ravel() for p in self.params()])

    def apply_inverses(self, grad_matrix):
        (F_inv,) = self.inverses
        return damped.left_multiply(F_inv, grad_matrix)

    def set_preconditioned(self, matrix):
        offset = 0
        for p in self.params():
            part = matrix[offset:offset + p.size].reshape(p.shape)
            p.kfgrad = part.astype(p.dtype, copy=True)
            offset += p.size
