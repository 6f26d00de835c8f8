"""Kronecker factors of a 2-D convolution (``L.Convolution2D``).

With P the im2col patch matrix (n*ho*wo rows, one per output position, of
length c*kh*kw in W's (c, kh, kw) order, plus a column of ones when the layer
has a bias) and gy the gradients of the batch-mean loss w.r.t. the output,
arranged as (n*ho*wo) x c_out (Grosse & Martens 2016, as Chainer_K-FAC)::

    A = P^T P / n                   (summed over spatial positions)
    G = gy^T gy * n^2 / (n*ho*wo)   (averaged over batch x spatial rows)

The patch matrix is written once per step into a buffer that is kept
between steps (at batch 2048 it is hundreds of MB: allocating it afresh
every step costs page faults), with the ones column filled once.
"""
import numpy

from chainer import backend
from chainer.functions.connection import convolution_2d as conv_function
from chainer.utils import conv as conv_utils

from chainer_kfac.fisher.gram import gram
from chainer_kfac.fisher.kronecker import KroneckerFisherBlock


class Convolution2DFisherBlock(KroneckerFisherBlock):

    function_types = (conv_function.Convolution2DFunction,)

    def __init__(self, name, link):
        super().__init__(name, link)
        self._patch_buffer = None

    def compute_factors(self, function, in_data, out_grad):
        x, gy = in_data[0], out_grad[0]
        n, c_out, ho, wo = gy.shape
        patches = self.patches(x, function, ho, wo)
        A = gram(patches, 1.0 / n)
        gy_rows = gy.transpose(0, 2, 3, 1).reshape(n * ho * wo, c_out)
        G = gram(gy_rows, float(n) / (ho * wo))
        return [A, G]

    def patches(self, x, f, ho, wo):
        """im2col of ``x`` as (n*ho*wo) x (c*kh*kw [+1]) rows."""
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        bias = self.link.b is not None
        xp = backend.get_array_module(x)
        if xp is not numpy:
            col = conv_utils.im2col_gpu(
                x, kh, kw, f.sy, f.sx, f.ph, f.pw, cover_all=f.cover_all,
                dy=f.dy, dx=f.dx)
            rows = col.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, -1)
            if bias:
                rows = xp.concatenate(
                    [rows, xp.ones((rows.shape[0], 1), dtype=rows.dtype)], 1)
            return rows
        d = c * kh * kw
        shape = (n * ho * wo, d + int(bias))
        buf = self._patch_buffer
        if buf is None or buf.shape != shape or buf.dtype != x.dtype:
            buf = self._patch_buffer = numpy.empty(shape, dtype=x.dtype)
            if bias:
                buf[:, d] = 1
        view = buf[:, :d].reshape(n, ho, wo, c, kh, kw)
        xpad = numpy.pad(
            x, ((0, 0), (0, 0), (f.ph, f.ph + f.sy - 1),
                (f.pw, f.pw + f.sx - 1)), mode='constant')
        for j in range(kh):
            j0 = j * f.dy
            j1 = j0 + f.sy * ho
            for i in range(kw):
                i0 = i * f.dx
                i1 = i0 + f.sx * wo
                view[:, :, :, :, j, i] = xpad[
                    :, :, j0:j1:f.sy, i0:i1:f.sx].transpose(0, 2, 3, 1)
        return buf
