"""The convolution factor A = P^T P / n, built in chunks of the batch.

P is the im2col patch matrix of the layer's input x: n*ho*wo rows (one per
output position), each of length c*kh*kw in W's (c, kh, kw) order, plus a 1
when the layer has a bias. Since the rows of P split by example,

    A = alpha * sum over chunks B of the batch  P_B^T P_B,

so P is written one chunk of examples at a time (transposed, into a buffer of
about :data:`CHUNK_BYTES` kept between steps) and accumulated by BLAS syrk
into one triangle. The whole-batch P (~0.5 GB for conv1 of LeNet-5 at batch
2048) never exists; the result equals the whole-batch product up to float
rounding.
"""
import numpy

from chainer import backend
from chainer.utils import conv as conv_utils

from chainer_kfac.symmetric import symmetrize_upper

try:
    from scipy.linalg import blas as _blas
except ImportError:  # pragma: no cover - scipy is an install requirement
    _blas = None

CHUNK_BYTES = 8 * 2 ** 20


class PatchGram:
    """``A = alpha * P^T P`` of one convolution link, chunk by chunk.

    Args:
        link: The ``L.Convolution2D`` (its W gives kh, kw; its b the ones
            column).
        chunk_bytes (int): Size of the patch buffer for one chunk.
    """

    def __init__(self, link, chunk_bytes=CHUNK_BYTES):
        self.link = link
        self.chunk_bytes = chunk_bytes
        self._buffer = None

    def __call__(self, x, function, ho, wo, alpha):
        """A for input ``x`` of the ``Convolution2DFunction`` ``function``
        whose output is ho x wo."""
        if function.groups != 1:
            raise NotImplementedError(
                'K-FAC: Convolution2D with groups={} is not supported by the '
                'convolution Fisher block (layer W {})'.format(
                    function.groups, self.link.W.shape))
        if backend.get_array_module(x) is not numpy:
            return self._whole_batch_gpu(x, function, ho, wo, alpha)
        return self._chunked_cpu(x, function, ho, wo, alpha)

    def _chunked_cpu(self, x, f, ho, wo, alpha):
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        rows = c * kh * kw + int(self.link.b is not None)
        per_example = rows * ho * wo * x.dtype.itemsize
        chunk = int(max(1, min(n, self.chunk_bytes // per_example)))
        upper = numpy.zeros((rows, rows), dtype=x.dtype, order='F')
        syrk = _blas.get_blas_funcs('syrk', (upper,))
        for start in range(0, n, chunk):
            patches_t = self._patches_t(x[start:start + chunk], f, ho, wo)
            # patches_t.T is the F-ordered chunk of P: syrk reads it as is.
            upper = syrk(alpha, patches_t.T, beta=1.0, c=upper, trans=1,
                         lower=0, overwrite_c=1)
        return symmetrize_upper(upper)

    def _patches_t(self, x, f, ho, wo):
        """Transposed im2col of ``x``: (c*kh*kw [+1]) x (n*ho*wo), written
        as (c, kh, kw, n, ho, wo) so every copy moves whole output rows."""
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        d = c * kh * kw
        bias = self.link.b is not None
        size = (d + int(bias)) * n * ho * wo
        if self._buffer is None or self._buffer.size < size or \
                self._buffer.dtype != x.dtype:
            self._buffer = numpy.empty(size, dtype=x.dtype)
        buf = self._buffer[:size].reshape(d + int(bias), n * ho * wo)
        if bias:
            buf[d] = 1
        view = buf[:d].reshape(c, kh, kw, n, ho, wo)
        x_t = numpy.pad(
            x.transpose(1, 0, 2, 3),
            ((0, 0), (0, 0), (f.ph, f.ph + f.sy - 1),
             (f.pw, f.pw + f.sx - 1)), mode='constant')
        for j in range(kh):
            j0 = j * f.dy
            for i in range(kw):
                i0 = i * f.dx
                view[:, j, i] = x_t[:, :, j0:j0 + f.sy * ho:f.sy,
                                    i0:i0 + f.sx * wo:f.sx]
        return buf

    def _whole_batch_gpu(self, x, f, ho, wo, alpha):
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        xp = backend.get_array_module(x)
        col = conv_utils.im2col_gpu(
            x, kh, kw, f.sy, f.sx, f.ph, f.pw, cover_all=f.cover_all,
            dy=f.dy, dx=f.dx)
        cols = col.transpose(1, 2, 3, 0, 4, 5).reshape(c * kh * kw,
                                                        n * ho * wo)
        if self.link.b is not None:
            cols = xp.concatenate(
                [cols, xp.ones((1, cols.shape[1]), dtype=cols.dtype)], 0)
        A = cols @ cols.T
        A *= x.dtype.type(alpha)
        return A
