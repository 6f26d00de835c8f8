"""Chunked A = alpha P^T P against Chainer's whole-batch im2col.

Both CPU paths are run on every case: the band products (narrow layers) and
the per-chunk syrk of the patch matrix (wide ones), the threshold moved so
that the small test layers take either."""
import numpy as np
import pytest

import chainer.functions as F
import chainer.links as L
from chainer.functions.connection import convolution_2d as conv_function
from chainer.utils import conv

from chainer_kfac.fisher import conv_patches
from chainer_kfac.fisher.conv_patches import PatchGram


@pytest.fixture(params=['bands', 'syrk'])
def cpu_path(request, monkeypatch):
    """Which CPU path PatchGram takes (BAND_MAX_ROW_TAPS moved)."""
    limit = 10 ** 9 if request.param == 'bands' else 0
    monkeypatch.setattr(conv_patches, 'BAND_MAX_ROW_TAPS', limit)
    return request.param


def conv_function_of(link, x):
    """The Convolution2DFunction node of ``link(x)``, and the output."""
    y = link(x)
    return y.creator, y


def reference_a(x, link, f, alpha):
    """alpha * P^T P from Chainer's im2col of the whole batch, in float64."""
    _, _, kh, kw = link.W.shape
    col = conv.im2col_cpu(x, kh, kw, f.sy, f.sx, f.ph, f.pw,
                          cover_all=f.cover_all, dy=f.dy, dx=f.dx)
    n, _, _, _, ho, wo = col.shape
    P = col.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, -1)
    P = P.astype(np.float64)
    if link.b is not None:
        P = np.concatenate([P, np.ones((len(P), 1))], axis=1)
    return alpha * P.T @ P


@pytest.mark.parametrize('stride, pad, dilate, nobias, cover_all', [
    (1, 0, 1, False, False), (2, 1, 1, False, False), (1, 2, 2, True, False),
    (3, 1, 1, False, True), (2, 0, 1, True, True)])
@pytest.mark.parametrize('chunk_bytes', [1, 3000, 10 ** 9])
def test_chunked_equals_whole_batch(stride, pad, dilate, nobias, cover_all,
                                    chunk_bytes, cpu_path):
    rng = np.random.RandomState(0)
    link = L.Convolution2D(3, 4, ksize=3, stride=stride, pad=pad,
                           dilate=dilate, nobias=nobias)
    x = rng.randn(7, 3, 10, 9).astype(np.float32)
    if cover_all:
        f, y = conv_function_of_cover_all(link, x)
    else:
        f, y = conv_function_of(link, x)
    _, _, ho, wo = y.shape
    A = PatchGram(link, chunk_bytes=chunk_bytes)(x, f, ho, wo, 1.0 / 7)
    np.testing.assert_allclose(A, reference_a(x, link, f, 1.0 / 7),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(A, A.T)


def conv_function_of_cover_all(link, x):
    y = F.convolution_2d(x, link.W, link.b, stride=link.stride,
                         pad=link.pad, cover_all=True, dilate=link.dilate)
    return y.creator, y


def chunked_run(monkeypatch, band_limit, method, per_example, chunks):
    """A of a small layer with ``chunks`` examples per chunk, on the path
    ``band_limit`` selects; returns (gram, A, the batch sizes ``method``
    saw, the reference A)."""
    monkeypatch.setattr(conv_patches, 'BAND_MAX_ROW_TAPS', band_limit)
    rng = np.random.RandomState(1)
    link = L.Convolution2D(2, 3, ksize=2)
    x = rng.randn(10, 2, 6, 6).astype(np.float32)
    f, y = conv_function_of(link, x)
    gram = PatchGram(link, chunk_bytes=chunks * per_example)
    calls = []
    original = getattr(gram, method)

    def spy(xc, *args):
        calls.append(len(xc))
        return original(xc, *args)
    setattr(gram, method, spy)
    A = gram(x, f, 5, 5, 0.5)
    return gram, A, calls, reference_a(x, link, f, 0.5)


def test_chunks_split_the_batch_and_bound_the_buffer(monkeypatch):
    per_example = 5 * 6 * 2 * 2 * 4  # wo * padded rows * c * kw * float32
    gram, A, calls, ref = chunked_run(monkeypatch, 10 ** 9, '_rows',
                                      per_example, 3)
    assert calls == [3, 3, 3, 1]
    assert gram._buffer.nbytes == 3 * per_example
    np.testing.assert_allclose(A, ref, rtol=1e-5, atol=1e-4)


def test_syrk_chunks_split_the_batch(monkeypatch):
    per_example = 2 * 2 * 2 * 5 * 5 * 4  # c*kh*kw * ho*wo * float32
    _, A, calls, ref = chunked_run(monkeypatch, 0, '_columns',
                                   per_example, 4)
    assert calls == [4, 4, 2]
    np.testing.assert_allclose(A, ref, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(A, A.T)


def test_wide_layers_take_the_syrk_path():
    """c*kw above BAND_MAX_ROW_TAPS: no band buffer is made."""
    rng = np.random.RandomState(4)
    c = conv_patches.BAND_MAX_ROW_TAPS + 1
    link = L.Convolution2D(c, 2, ksize=1)
    x = rng.randn(2, c, 3, 3).astype(np.float32)
    f, y = conv_function_of(link, x)
    gram = PatchGram(link)
    A = gram(x, f, 3, 3, 0.5)
    assert gram._buffer is None
    np.testing.assert_allclose(A, reference_a(x, link, f, 0.5), rtol=1e-4,
                               atol=1e-4)


def test_grouped_convolution_is_refused():
    link = L.Convolution2D(4, 4, ksize=3, groups=2)
    x = np.zeros((2, 4, 5, 5), np.float32)
    f, _ = conv_function_of(link, x)
    assert isinstance(f, conv_function.Convolution2DFunction)
    with pytest.raises(NotImplementedError, match='groups=2'):
        PatchGram(link)(x, f, 3, 3, 1.0)


@pytest.mark.parametrize('chunk_bytes', [1, 10 ** 9])
def test_rectangular_kernel_and_unequal_strides(chunk_bytes, cpu_path):
    rng = np.random.RandomState(2)
    link = L.Convolution2D(2, 3, ksize=(3, 2), stride=(2, 1), pad=(1, 0),
                           dilate=(1, 2))
    x = rng.randn(5, 2, 11, 9).astype(np.float32)
    f, y = conv_function_of(link, x)
    _, _, ho, wo = y.shape
    A = PatchGram(link, chunk_bytes=chunk_bytes)(x, f, ho, wo, 0.2)
    np.testing.assert_allclose(A, reference_a(x, link, f, 0.2), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize('group', [1, 3, 64])
def test_row_group_size_does_not_change_a(group, monkeypatch):
    from chainer_kfac.fisher import conv_patches
    monkeypatch.setattr(conv_patches, 'GROUP_ROWS', group)
    monkeypatch.setattr(conv_patches._add_bands, '__defaults__', (group,))
    rng = np.random.RandomState(3)
    link = L.Convolution2D(3, 4, ksize=5, pad=2)
    x = rng.randn(4, 3, 12, 12).astype(np.float32)
    f, y = conv_function_of(link, x)
    A = PatchGram(link)(x, f, 12, 12, 1.0)
    np.testing.assert_allclose(A, reference_a(x, link, f, 1.0), rtol=1e-4,
                               atol=1e-4)


def test_unpadded_input_is_not_copied_and_padding_is_zeros():
    """Without padding (stride 1, no cover_all) the row buffer reads x
    itself; with it, x sits inside zeros at the layer's offsets."""
    from chainer_kfac.fisher.conv_patches import _padded
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5) + 1
    link = L.Convolution2D(3, 2, 3)
    f, _ = conv_function_of(link, x)
    assert _padded(x, f) is x
    link = L.Convolution2D(3, 2, 3, stride=(2, 1), pad=(1, 2))
    f, _ = conv_function_of(link, x)
    padded = _padded(x, f)
    assert padded.shape == (2, 3, 4 + 2 + 1, 5 + 4)
    np.testing.assert_array_equal(padded[:, :, 1:5, 2:7], x)
    assert padded.sum() == x.sum()


@pytest.mark.parametrize('stride, pad, dilate, nobias', [
    (1, 0, 1, False), (2, 1, 2, True)])
def test_gpu_whole_batch_path_equals_the_reference(stride, pad, dilate,
                                                   nobias, monkeypatch):
    """The GPU path (whole-batch im2col, one GEMM), run on NumPy with
    Chainer's CPU im2col standing in for im2col_gpu (same layout)."""
    from chainer_kfac.fisher import conv_patches
    monkeypatch.setattr(conv_patches.conv_utils, 'im2col_gpu',
                        conv.im2col_cpu)
    rng = np.random.RandomState(2)
    link = L.Convolution2D(3, 4, ksize=3, stride=stride, pad=pad,
                           dilate=dilate, nobias=nobias)
    x = rng.randn(5, 3, 9, 8).astype(np.float32)
    f, y = conv_function_of(link, x)
    _, _, ho, wo = y.shape
    A = PatchGram(link)._whole_batch_gpu(x, f, ho, wo, 1.0 / 5)
    np.testing.assert_allclose(A, reference_a(x, link, f, 1.0 / 5),
                               rtol=1e-4, atol=1e-4)
