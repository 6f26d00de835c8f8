"""Kronecker factors of a 2-D convolution (``L.Convolution2D``).

With P the im2col patch matrix (n*ho*wo rows, one per output position, of
length c*kh*kw in W's (c, kh, kw) order, plus a column of ones when the layer
has a bias) and gy the gradients of the batch-mean loss w.r.t. the output,
arranged as (n*ho*wo) x c_out (Grosse & Martens 2016, as Chainer_K-FAC)::

    A = P^T P / n                   (summed over spatial positions)
    G = gy^T gy * n^2 / (n*ho*wo)   (averaged over batch x spatial rows)

The patch matrix is written once per step, transposed, into a buffer that is
kept between steps (at batch 2048 it is hundreds of MB: allocating it afresh
every step costs page faults), with the ones row filled once; A is then one
BLAS syrk over it.

With ``diagonalize=True`` (Chainer_K-FAC's ``FisherBlock.diagonalize``), or a
link carrying a true ``diag`` attribute (the original honours that too), G is
kept as its diagonal, the mean over the n*ho*wo rows of (n gy)^2; A stays
full, as in the original.
"""
import numpy

from chainer import backend
from chainer.functions.connection import convolution_2d as conv_function
from chainer.utils import conv as conv_utils

from chainer_kfac.fisher.gram import gram
from chainer_kfac.fisher.kronecker import KroneckerFisherBlock


class Convolution2DFisherBlock(KroneckerFisherBlock):

    function_types = (conv_function.Convolution2DFunction,)

    def __init__(self, name, link, diagonalize=False):
        super().__init__(name, link, diagonalize)
        self._patch_buffer = None

    def diagonal_factors(self):
        return (False,
                self.diagonalize or bool(getattr(self.link, 'diag', False)))

    def compute_factors(self, function, in_data, out_grad):
        x, gy = in_data[0], out_grad[0]
        n, c_out, ho, wo = gy.shape
        # P^T is (k [+1]) x (n*ho*wo) C-ordered, so P = P^T.T is F-ordered
        # and gram() reads it without a copy.
        A = gram(self.patches_t(x, function, ho, wo).T, 1.0 / n)
        gy_t = gy.transpose(1, 0, 2, 3).reshape(c_out, n * ho * wo)
        if self.diagonal_factors()[1]:
            G = (gy_t * gy_t).sum(axis=1) * gy.dtype.type(float(n) / (ho * wo))
        else:
            G = gram(gy_t.T, float(n) / (ho * wo))
        return [A, G]

    def patches_t(self, x, f, ho, wo):
        """Transposed im2col of ``x``: (c*kh*kw [+1]) x (n*ho*wo).

        Written as (c, kh, kw, n, ho, wo) so that every copy moves whole
        contiguous output rows; the last row is ones when there is a bias.
        """
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        bias = self.link.b is not None
        xp = backend.get_array_module(x)
        if xp is not numpy:
            col = conv_utils.im2col_gpu(
                x, kh, kw, f.sy, f.sx, f.ph, f.pw, cover_all=f.cover_all,
                dy=f.dy, dx=f.dx)
            cols = col.transpose(1, 2, 3, 0, 4, 5).reshape(
                c * kh * kw, n * ho * wo)
            if bias:
                cols = xp.concatenate(
                    [cols, xp.ones((1, cols.shape[1]), dtype=cols.dtype)], 0)
            return cols
        d = c * kh * kw
        shape = (d + int(bias), n * ho * wo)
        buf = self._patch_buffer
        if buf is None or buf.shape != shape or buf.dtype != x.dtype:
            buf = self._patch_buffer = numpy.empty(shape, dtype=x.dtype)
            if bias:
                buf[d] = 1
        view = buf[:d].reshape(c, kh, kw, n, ho, wo)
        x_t = numpy.pad(
            x.transpose(1, 0, 2, 3),
            ((0, 0), (0, 0), (f.ph, f.ph + f.sy - 1),
             (f.pw, f.pw + f.sx - 1)), mode='constant')
        for j in range(kh):
            j0 = j * f.dy
            j1 = j0 + f.sy * ho
            for i in range(kw):
                i0 = i * f.dx
                i1 = i0 + f.sx * wo
                view[:, j, i] = x_t[:, :, j0:j1:f.sy, i0:i1:f.sx]
        return buf
