"""Patches and factors of Convolution2D against Chainer's own im2col."""
import numpy as np
import pytest

import chainer.functions as F
import chainer.links as L
from chainer.utils import conv

from chainer_kfac.fisher import FisherStatisticsHook
from chainer_kfac.fisher.convolution_2d import Convolution2DFisherBlock


@pytest.mark.parametrize('stride, pad, dilate, nobias', [
    (1, 0, 1, False), (2, 1, 1, False), (1, 2, 2, True), (3, 1, 1, False)])
def test_factors_match_im2col_formula(stride, pad, dilate, nobias):
    rng = np.random.RandomState(0)
    link = L.Convolution2D(3, 4, ksize=3, stride=stride, pad=pad,
                           dilate=dilate, nobias=nobias)
    x = rng.randn(5, 3, 9, 8).astype(np.float32)
    block = Convolution2DFisherBlock('/c', link)
    y = link(x)
    loss = F.sum(y * rng.randn(*y.shape).astype(np.float32)) / len(x)
    with FisherStatisticsHook([block]):
        loss.backward()
    A, G = block.pop_current_factors()

    n, _, ho, wo = y.shape
    col = conv.im2col_cpu(x, 3, 3, stride, stride, pad, pad, dy=dilate,
                          dx=dilate).astype(np.float64)
    P = col.transpose(0, 4, 5, 1, 2, 3).reshape(n * ho * wo, -1)
    if not nobias:
        P = np.concatenate([P, np.ones((len(P), 1))], axis=1)
    np.testing.assert_allclose(A, P.T @ P / n, rtol=1e-4, atol=1e-5)
    assert G.shape == (4, 4)
    assert np.allclose(G, G.T)


def test_g_factor_formula():
    rng = np.random.RandomState(1)
    link = L.Convolution2D(2, 3, ksize=2)
    x = rng.randn(4, 2, 5, 5).astype(np.float32)
    coef = rng.randn(4, 3, 4, 4).astype(np.float32)
    block = Convolution2DFisherBlock('/c', link)
    y = link(x)
    loss = F.sum(y * coef) / 4
    with FisherStatisticsHook([block]):
        loss.backward()
    _, G = block.pop_current_factors()
    gy = (coef / 4).astype(np.float64)            # dL/dy
    rows = gy.transpose(0, 2, 3, 1).reshape(-1, 3)
    n, ho, wo = 4, 4, 4
    np.testing.assert_allclose(G, rows.T @ rows * n * n / (n * ho * wo),
                               rtol=1e-5)
