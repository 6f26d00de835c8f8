"""BN's unit-wise blocks equal the outer products of per-example gradients."""
import numpy as np

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac.fisher import FisherStatisticsHook
from chainer_kfac.fisher.batch_normalization import \
    BatchNormalizationFisherBlock


def test_unit_wise_fisher_from_per_example_gradients():
    rng = np.random.RandomState(0)
    n, c = 6, 3
    x = rng.randn(n, c, 4, 4).astype(np.float64)
    coef = rng.randn(n, c, 4, 4)
    bn = L.BatchNormalization(c, dtype=np.float64)
    bn.cleargrads()
    block = BatchNormalizationFisherBlock("/bn", bn)
    y = bn(x)
    loss = F.sum(y * coef) / n
    with FisherStatisticsHook([block]):
        loss.backward()
    (Fc,) = block.pop_current_factors()

    # Per-example gradient of (gamma, beta) of example i's own term:
    # n * d(L)/d(gamma) restricted to example i = sum_s coef * x_hat.
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + bn.eps)
    g_gamma = (coef / n * x_hat).sum(axis=(2, 3))
    g_beta = (coef / n).sum(axis=(2, 3))
    for ch in range(c):
        g = np.stack([g_gamma[:, ch], g_beta[:, ch]], axis=1) * n
        np.testing.assert_allclose(Fc[ch], g.T @ g / n, rtol=1e-8)
    # The summed per-example gradients are Chainer's gradients.
    np.testing.assert_allclose(g_gamma.sum(0), bn.gamma.grad, rtol=1e-8)
    assert chainer.config.train
