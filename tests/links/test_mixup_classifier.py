import numpy as np

import chainer.functions as F
import chainer.links as L

from chainer_kfac.links import MixupClassifier


def _setup():
    np.random.seed(0)
    link = L.Linear(4, 3)
    x = np.random.randn(5, 4).astype(np.float32)
    t_a = np.array([0, 1, 2, 0, 1], np.int32)
    t_b = np.array([2, 2, 0, 1, 0], np.int32)
    return link, x, t_a, t_b


def test_loss_is_the_mixup_formula():
    link, x, t_a, t_b = _setup()
    model = MixupClassifier(link)
    lam = np.full(5, 0.3, np.float32)
    loss = model(x, t_a, t_b, lam)
    y = link(x).array.astype(np.float64)
    logp = y - np.log(np.exp(y).sum(axis=1, keepdims=True))
    want = np.mean(-0.3 * logp[np.arange(5), t_a]
                   - 0.7 * logp[np.arange(5), t_b])
    np.testing.assert_allclose(float(loss.array), want, rtol=1e-5)
    np.testing.assert_allclose(float(model.accuracy.array),
                               np.mean(y.argmax(1) == t_a))


def test_lambda_one_and_plain_batches_equal_softmax_cross_entropy():
    link, x, t_a, t_b = _setup()
    model = MixupClassifier(link)
    ce = F.softmax_cross_entropy(link(x), t_a).array
    np.testing.assert_allclose(
        model(x, t_a, t_b, np.ones(5, np.float32)).array, ce, rtol=1e-6)
    np.testing.assert_allclose(model(x, t_a).array, ce, rtol=1e-6)
