"""BN's Fisher blocks equal the outer products of per-example gradients.

The per-example gradient of example i's term of ``sum(y * coef) / n`` with
respect to (gamma, beta) is written here from x^ (batch statistics) and
coef, independently of the package.
"""
import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac.fisher import BatchNormalizationFisherBlock
from chainer_kfac.fisher import FisherStatisticsHook
from chainer_kfac.fisher import UnitWiseBatchNormalizationFisherBlock

CASES = [(shape, g, b) for shape in [(6, 3, 4, 4), (6, 3)]
         for g, b in [(True, True), (True, False), (False, True)]]


def _per_example(x, coef, eps, use_gamma, use_beta):
    """(n, P) per-example gradients times n, [gamma part | beta part]."""
    n = x.shape[0]
    axis = (0, 2, 3) if x.ndim == 4 else (0,)
    spatial = (2, 3) if x.ndim == 4 else ()
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    parts = []
    if use_gamma:
        parts.append((coef * x_hat).sum(axis=spatial))
    if use_beta:
        parts.append(coef.sum(axis=spatial))
    return np.concatenate(parts, axis=1) if parts else None, n


def _collect(block_class, shape, use_gamma, use_beta, **kwargs):
    rng = np.random.RandomState(0)
    x = rng.randn(*shape)
    coef = rng.randn(*shape)
    bn = L.BatchNormalization(shape[1], dtype=np.float64,
                              use_gamma=use_gamma, use_beta=use_beta)
    bn.cleargrads()
    block = block_class('/bn', bn, **kwargs)
    loss = F.sum(bn(x) * coef) / shape[0]
    with FisherStatisticsHook([block]):
        loss.backward()
    g, n = _per_example(x, coef, bn.eps, use_gamma, use_beta)
    return block, block.pop_current_factors()[0], g, n, bn


@pytest.mark.parametrize('shape, use_gamma, use_beta', CASES)
def test_full_matrix_over_gamma_and_beta(shape, use_gamma, use_beta):
    block, F_cur, g, n, bn = _collect(BatchNormalizationFisherBlock, shape,
                                      use_gamma, use_beta)
    c = shape[1]
    size = c * (use_gamma + use_beta)
    assert F_cur.shape == (size, size) == block.factor_shapes()[0]
    # F = (1/n) sum_i (n g_i)(n g_i)^T with n g_i = sum_s coef x^ (etc.)
    np.testing.assert_allclose(F_cur, g.T @ g / n, rtol=1e-10)
    # The summed per-example gradients are Chainer's gradients.
    np.testing.assert_allclose(g.sum(0) / n, block.grad_matrix(), rtol=1e-8)
    assert chainer.config.train


@pytest.mark.parametrize('shape, use_gamma, use_beta', CASES)
def test_diagonalized_keeps_the_diagonal(shape, use_gamma, use_beta):
    block, F_cur, g, n, _ = _collect(BatchNormalizationFisherBlock, shape,
                                     use_gamma, use_beta, diagonalize=True)
    np.testing.assert_allclose(F_cur, (g * g).mean(axis=0), rtol=1e-10)
    assert F_cur.shape == block.factor_shapes()[0]


@pytest.mark.parametrize('shape, use_gamma, use_beta', CASES)
def test_unit_wise_blocks_are_the_per_channel_diagonal_blocks(
        shape, use_gamma, use_beta):
    block, F_cur, g, n, _ = _collect(UnitWiseBatchNormalizationFisherBlock,
                                     shape, use_gamma, use_beta)
    c, k = shape[1], use_gamma + use_beta
    assert F_cur.shape == (c, k, k) == block.factor_shapes()[0]
    full = g.T @ g / n
    for ch in range(c):
        idx = [ch + j * c for j in range(k)]
        np.testing.assert_allclose(F_cur[ch], full[np.ix_(idx, idx)],
                                   rtol=1e-10)
