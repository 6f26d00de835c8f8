import numpy as np

import chainer

from chainer_kfac.optimizers import KFACUpdateRule
from chainer_kfac.optimizers.kfac import _default_hyperparam


def _param(grad, kfgrad=None):
    p = chainer.Parameter(np.zeros(3, np.float32))
    p.grad = np.asarray(grad, np.float32)
    if kfgrad is not None:
        p.kfgrad = np.asarray(kfgrad, np.float32)
    return p


def _rule(**kw):
    rule = KFACUpdateRule(_default_hyperparam)
    rule.hyperparam.lr, rule.hyperparam.momentum = 0.1, 0.9
    for k, v in kw.items():
        setattr(rule.hyperparam, k, v)
    return rule


def test_uses_kfgrad_when_present_else_grad():
    rule = _rule()
    p = _param([1, 1, 1], kfgrad=[2, 0, -2])
    rule.update(p)
    np.testing.assert_allclose(p.array, [-0.2, 0, 0.2], rtol=1e-6)
    q = _param([1, 1, 1])
    _rule().update(q)
    np.testing.assert_allclose(q.array, [-0.1] * 3, rtol=1e-6)


def test_momentum_and_adjust_momentum():
    plain, adjusted = _rule(), _rule(adjust_momentum=True)
    p, q = _param([1, 1, 1]), _param([1, 1, 1])
    plain.update(p)
    adjusted.update(q)          # v = -0.1 for both
    plain.hyperparam.lr = adjusted.hyperparam.lr = 0.05
    plain.update(p)             # v = 0.9 * -0.1 - 0.05
    adjusted.update(q)          # v = 0.9 * 0.5 * -0.1 - 0.05
    np.testing.assert_allclose(p.array, -0.1 - 0.14, rtol=1e-6)
    np.testing.assert_allclose(q.array, -0.1 - 0.095, rtol=1e-6)
