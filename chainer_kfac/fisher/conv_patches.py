"""The convolution factor A = alpha P^T P without the patch matrix P.

P is the im2col patch matrix of the layer's input x: n*ho*wo rows (one per
output position), each of length c*kh*kw in W's (c, kh, kw) order, plus a 1
when the layer has a bias. With x padded and the strides sy, sx and
dilations dy, dx of the layer, the entry of A for taps (c, i, j), (c', i', j')
is

    sum over n, y < ho, x < wo of
        x[n, c, sy*y + i*dy, sx*x + j*dx]
        * x[n, c', sy*y + i'*dy, sx*x + j'*dx].

Let R_u be the (n*wo) x (c*kw) matrix of input row u cut into the kw
horizontal taps of every output column: R_u[(n, x), (c, j)] =
x[n, c, u, sx*x + j*dx]. Then the (i, i') block of A (a (c*kw)^2 matrix) is

    sum over y < ho of  R_{sy*y + i*dy}^T R_{sy*y + i'*dy},

so A needs only the products of input rows at most (kh-1)*dy apart
("bands", one GEMM per few input rows), about 2/kh of the flops of P^T P and
kh times less data written than P (for LeNet-5's conv1 at batch 2048, P would
be ~0.5 GB). The batch is processed in chunks of about :data:`CHUNK_BYTES`,
since every sum above splits by example. The bias column is the sum over the
same rows of R, and its corner n*ho*wo. The result equals P^T P up to float
rounding (tests/fisher/test_conv_patches.py checks it against Chainer's
im2col).

The bands pay off only while a row's m = c*kw taps are few (LeNet-5: 15 and
30): each band product writes an m x span*m block from an inner dimension of
only n*wo, so with wide layers (ResNet-50-D: m = 96 to 2048) it is bound by
memory, not flops. Above :data:`BAND_MAX_ROW_TAPS` the chunk's patch matrix
P_c is built (Chainer's im2col, as (c*kh*kw) x rows) and accumulated with
one BLAS ``syrk`` per chunk, ``U <- alpha P_c^T P_c + U`` on the upper
triangle (half the flops of a GEMM): 7x less time for ResNet-50-D's A
factors at batch 8 (docs/results/README.md, "ResNet-50-D on CPU"). On the
GPU, P is built whole and multiplied (as before).
"""
import typing

import numpy
from numpy.lib.stride_tricks import sliding_window_view

from chainer import backend
from chainer.utils import conv as conv_utils

from chainer_kfac.fisher.gram import add_gram_upper
from chainer_kfac.symmetric import symmetrize_upper

CHUNK_BYTES = 8 * 2 ** 20
GROUP_ROWS = 4  # input rows per GEMM (fastest of 1-32 for LeNet-5's convs)
#: Largest c*kw for the band products; wider layers use syrk on P.
BAND_MAX_ROW_TAPS = 32


class PatchGram:
    """``A = alpha * P^T P`` of one convolution link, chunk by chunk.

    Args:
        link: The ``L.Convolution2D`` (its W gives kh, kw; its b the ones
            column).
        chunk_bytes (int): Size of the patch buffer for one chunk.
    """

    def __init__(self, link: typing.Any,
                 chunk_bytes: int = CHUNK_BYTES) -> None:
        self.link = link
        self.chunk_bytes = chunk_bytes
        self._buffer: typing.Optional[numpy.ndarray] = None

    def __call__(self, x: typing.Any, function: typing.Any, ho: int,
                 wo: int, alpha: float) -> typing.Any:
        """A for input ``x`` of the ``Convolution2DFunction`` ``function``
        whose output is ho x wo."""
        if function.groups != 1:
            raise NotImplementedError(
                'K-FAC: Convolution2D with groups={} is not supported by the '
                'convolution Fisher block (layer W {})'.format(
                    function.groups, self.link.W.shape))
        if backend.get_array_module(x) is not numpy:
            return self._whole_batch_gpu(x, function, ho, wo, alpha)
        if x.shape[1] * self.link.W.shape[3] > BAND_MAX_ROW_TAPS:
            return self._patches_cpu(x, function, ho, wo, alpha)
        return self._chunked_cpu(x, function, ho, wo, alpha)

    def _patches_cpu(self, x: typing.Any, f: typing.Any, ho: int, wo: int,
                     alpha: float) -> typing.Any:
        """alpha * P^T P, one ``syrk`` per chunk of P's rows (BLAS adds
        each chunk's product to the upper triangle in place)."""
        n, d = x.shape[0], self.link.W.size // self.link.W.shape[0]
        per_example = d * ho * wo * x.dtype.itemsize
        chunk = int(max(1, min(n, self.chunk_bytes // per_example)))
        upper = numpy.zeros((d, d), dtype=x.dtype, order='F')
        sums = numpy.zeros(d, dtype=x.dtype)
        for start in range(0, n, chunk):
            cols = self._columns(x[start:start + chunk], f)
            # cols.T is F-ordered (rows, d): read as is.
            upper = add_gram_upper(upper, cols.T, alpha)
            sums += cols.sum(axis=1)
        if self.link.b is None:
            return symmetrize_upper(upper)
        A = numpy.empty((d + 1, d + 1), dtype=x.dtype)
        symmetrize_upper(upper, out=A[:d, :d])
        A[:d, d] = A[d, :d] = alpha * sums
        A[d, d] = alpha * n * ho * wo
        return A

    def _columns(self, x: typing.Any, f: typing.Any) -> typing.Any:
        """P^T of ``x`` as a C-ordered (c*kh*kw) x (n*ho*wo) matrix."""
        _, _, kh, kw = self.link.W.shape
        col = conv_utils.im2col_cpu(
            x, kh, kw, f.sy, f.sx, f.ph, f.pw, cover_all=f.cover_all,
            dy=f.dy, dx=f.dx)
        n, c, _, _, ho, wo = col.shape
        return col.transpose(1, 2, 3, 0, 4, 5).reshape(
            c * kh * kw, n * ho * wo)

    def _chunked_cpu(self, x: typing.Any, f: typing.Any, ho: int, wo: int,
                     alpha: float) -> typing.Any:
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        rows = x.shape[2] + 2 * f.ph + f.sy - 1      # padded input height
        m, span = c * kw, (kh - 1) * f.dy + 1
        per_example = wo * rows * m * x.dtype.itemsize
        chunk = int(max(1, min(n, self.chunk_bytes // per_example)))
        bands = numpy.zeros((rows, m, span * m), dtype=x.dtype)
        sums = numpy.zeros((rows, m), dtype=x.dtype)
        for start in range(0, n, chunk):
            R_t = self._rows(x[start:start + chunk], f, wo)
            _add_bands(bands, R_t, m, span)
            sums += R_t.sum(axis=1).reshape(rows, m)
        return alpha * self._assemble(bands, sums, f, n, ho, wo, c)

    def _whole_batch_gpu(self, x: typing.Any, f: typing.Any, ho: int,
                         wo: int, alpha: float) -> typing.Any:
        """alpha * P^T P from the whole batch's patch matrix (GPU)."""
        _, _, kh, kw = self.link.W.shape
        n, c = x.shape[:2]
        xp = backend.get_array_module(x)
        col = conv_utils.im2col_gpu(
            x, kh, kw, f.sy, f.sx, f.ph, f.pw, cover_all=f.cover_all,
            dy=f.dy, dx=f.dx)
        cols = col.transpose(1, 2, 3, 0, 4, 5).reshape(
            c * kh * kw, n * ho * wo)
        if self.link.b is not None:
            cols = xp.concatenate(
                [cols, xp.ones((1, cols.shape[1]), dtype=cols.dtype)], 0)
        A = cols @ cols.T
        A *= x.dtype.type(alpha)
        return A

    def _rows(self, x: typing.Any, f: typing.Any, wo: int) -> typing.Any:
        """R^T[(u, c, j), (n, x)] = x_padded[n, c, u, j*dx + sx*x]: every
        input row u cut into the kw horizontal taps of each output column,
        row u's m = c*kw taps contiguous (so each GEMM reads whole rows).
        One strided copy from a window view of x (no per-tap loop)."""
        _, _, _, kw = self.link.W.shape
        n, c = x.shape[:2]
        x_pad = _padded(x, f)
        rows = x_pad.shape[2]
        size = rows * c * kw * n * wo
        buffer = self._buffer
        if buffer is None or buffer.size < size or buffer.dtype != x.dtype:
            buffer = self._buffer = numpy.empty(size, dtype=x.dtype)
        R_t = buffer[:size].reshape(rows, c, kw, n, wo)
        # windows[n, c, u, x, j] = x_pad[n, c, u, x + j*dx] (a view)
        windows = sliding_window_view(
            x_pad, (kw - 1) * f.dx + 1, axis=3)[..., ::f.dx]
        numpy.copyto(R_t, windows[:, :, :, :f.sx * (wo - 1) + 1:f.sx]
                     .transpose(2, 1, 4, 0, 3))
        return R_t.reshape(rows * c * kw, n * wo)

    def _assemble(self, bands: typing.Any, sums: typing.Any, f: typing.Any,
                  n: int, ho: int, wo: int, c: int) -> typing.Any:
        """A from the row products: block (i, i') = sum over output rows y
        of bands[sy*y + i*dy] at offset (i' - i)*dy."""
        _, _, kh, kw = self.link.W.shape
        m, d = c * kw, c * kh * kw
        bias = self.link.b is not None
        A = numpy.zeros((d + int(bias),) * 2, dtype=bands.dtype)
        A6 = A[:d, :d].reshape(c, kh, kw, c, kh, kw)
        for i in range(kh):
            used = slice(i * f.dy, i * f.dy + f.sy * (ho - 1) + 1, f.sy)
            total = bands[used].sum(axis=0)
            for i2 in range(i, kh):
                delta = (i2 - i) * f.dy
                block = total[:, delta * m:(delta + 1) * m].reshape(
                    c, kw, c, kw)
                if i2 == i:  # symmetric up to GEMM rounding: make it exact
                    block = 0.5 * (block + block.transpose(2, 3, 0, 1))
                A6[:, i, :, :, i2, :] = block
                A6[:, i2, :, :, i, :] = block.transpose(2, 3, 0, 1)
            if bias:
                col = sums[used].sum(axis=0).reshape(c, kw)
                A[:d, d].reshape(c, kh, kw)[:, i, :] = col
                A[d, :d].reshape(c, kh, kw)[:, i, :] = col
        if bias:
            A[d, d] = n * ho * wo
        return A


def _add_bands(bands: typing.Any, R_t: typing.Any, m: int, span: int,
               group: int = GROUP_ROWS) -> None:
    """bands[u] += R_u^T [R_u, ..., R_{u+span-1}] (R_u^T: the m rows of
    input row u in R^T), one GEMM per ``group`` input rows (a few more flops
    than one GEMM per row, but m = c*kw rows alone are too few for BLAS)."""
    rows = bands.shape[0]
    for u0 in range(0, rows, group):
        u1 = min(rows, u0 + group)
        hi = min(rows, u1 + span - 1)
        out = R_t[u0 * m:u1 * m] @ R_t[u0 * m:hi * m].T
        for u in range(u0, u1):
            width = min(rows, u + span) - u
            k = (u - u0) * m
            bands[u, :, :width * m] += out[k:k + m, k:k + width * m]


def _padded(x: typing.Any, f: typing.Any) -> typing.Any:
    """x with the layer's zero padding, plus sy-1 / sx-1 rows / columns at
    the bottom / right (cover_all's extra output); x itself when there is
    none (numpy.pad would copy it)."""
    widths = ((0, 0), (0, 0), (f.ph, f.ph + f.sy - 1),
              (f.pw, f.pw + f.sx - 1))
    if not any(any(w) for w in widths):
        return x
    return numpy.pad(x, widths, mode='constant')
