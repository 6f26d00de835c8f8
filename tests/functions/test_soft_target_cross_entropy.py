"""Soft-target cross entropy: value by hand, gradient = the original's
backward (softmax(x) - tt) / N, hard labels = F.softmax_cross_entropy."""
import numpy
import pytest

import chainer
import chainer.functions as F

from chainer_kfac.functions import soft_target_cross_entropy


def _softmax(x):
    e = numpy.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_value_and_gradient():
    rng = numpy.random.RandomState(0)
    x = rng.randn(4, 5)
    tt = rng.rand(4, 5)
    tt /= tt.sum(axis=1, keepdims=True)
    t = rng.randint(0, 5, 4).astype('i')
    xv = chainer.Variable(x)
    loss = soft_target_cross_entropy(xv, t, tt)
    want = -(tt * numpy.log(_softmax(x))).sum() / 4
    assert float(loss.array) == pytest.approx(want, rel=1e-12)
    loss.backward()
    numpy.testing.assert_allclose(xv.grad, (_softmax(x) - tt) / 4,
                                  rtol=1e-10, atol=1e-14)


def test_hard_labels_and_shape_check():
    rng = numpy.random.RandomState(1)
    x = rng.randn(3, 4).astype('f')
    t = numpy.array([0, 3, 1], 'i')
    assert float(soft_target_cross_entropy(x, t).array) == pytest.approx(
        float(F.softmax_cross_entropy(x, t).array))
    onehot = numpy.eye(4, dtype='f')[t]
    assert float(soft_target_cross_entropy(x, t, onehot).array) == \
        pytest.approx(float(F.softmax_cross_entropy(x, t).array), rel=1e-6)
    with pytest.raises(ValueError, match='must match'):
        soft_target_cross_entropy(x, t, onehot[:, :3])
