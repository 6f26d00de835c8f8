import numpy as np

import chainer.functions as F
import chainer.links as L

from chainer_kfac.fisher import FisherStatisticsHook
from chainer_kfac.fisher.linear import LinearFisherBlock


def _factors(link, x, coef):
    block = LinearFisherBlock('/l', link)
    loss = F.sum(link(x) * coef) / len(x)
    with FisherStatisticsHook([block]):
        loss.backward()
    return block.pop_current_factors()


def test_factors_with_bias():
    rng = np.random.RandomState(0)
    x = rng.randn(6, 4).astype(np.float32)
    coef = rng.randn(6, 3).astype(np.float32)
    A, G = _factors(L.Linear(4, 3), x, coef)
    a = np.concatenate([x, np.ones((6, 1))], axis=1)
    np.testing.assert_allclose(A, a.T @ a / 6, rtol=1e-5, atol=1e-6)
    gy = coef.astype(np.float64) / 6
    np.testing.assert_allclose(G, (6 * gy).T @ (6 * gy) / 6, rtol=1e-5)


def test_factors_without_bias_and_nd_input():
    rng = np.random.RandomState(1)
    x = rng.randn(5, 2, 3).astype(np.float32)   # flattened by L.Linear
    coef = rng.randn(5, 4).astype(np.float32)
    A, G = _factors(L.Linear(6, 4, nobias=True), x, coef)
    a = x.reshape(5, 6).astype(np.float64)
    np.testing.assert_allclose(A, a.T @ a / 5, rtol=1e-5, atol=1e-6)
    assert G.shape == (4, 4)


def test_hook_ignores_other_uses_of_the_weight():
    link = L.Linear(3, 2)
    block = LinearFisherBlock('/l', link)
    x = np.ones((2, 3), np.float32)
    loss = F.sum(link(x)) + F.sum(link.W * link.W)
    with FisherStatisticsHook([block]):
        loss.backward()
    assert block._sums.counts == [1, 1]
