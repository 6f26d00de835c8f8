"""End to end: a small ResNet with BatchNorm (the CIFAR ResNet-50 design,
one bottleneck per stage, channels / 16) trained on Fashion-MNIST for
STEPS steps of batch 32, K-FAC (BatchNorm's full Fisher block) beside
momentum SGD. Both must learn: the test loss falls below half its initial
value and below 1 and the test accuracy ends above ACCURACY (measured:
K-FAC 11.08 -> 0.58, accuracy 0.793; SGD 11.08 -> 0.59, 0.779). Slow:
84 s (K-FAC) and 38 s (SGD) on one core of this project's machine."""
import numpy
import pytest

import chainer
import chainer.functions as F

import chainer_kfac
from chainer_kfac import models
from experiments.data import fashion_mnist as fashion_mnist_data
from experiments.data.dataset_error import DatasetError

STEPS = 250
BATCH = 32
ACCURACY = 0.7
OPTIMIZERS = {
    'kfac': lambda: chainer_kfac.KFAC(lr=0.01, momentum=0.9, damping=0.03,
                                      cov_ema_decay=0.99),
    'momentum_sgd': lambda: chainer.optimizers.MomentumSGD(lr=0.05,
                                                           momentum=0.9),
}


def _data():
    try:
        train, test, _ = fashion_mnist_data.load_fashion_mnist()
    except DatasetError as e:
        pytest.fail('Fashion-MNIST is needed (make fashion-mnist): '
                    '{}'.format(e))
    x, t = test._datasets
    return train, x[:1000], t[:1000]


def _evaluate(model, x, t):
    with chainer.using_config('train', False), \
            chainer.no_backprop_mode():
        y = model(x)
        return (float(F.softmax_cross_entropy(y, t).array),
                float(F.accuracy(y, t).array))


def _train(name, train, x_test, t_test):
    numpy.random.seed(0)
    model = models.ResNet50(in_channels=1, n_classes=10,
                            n_blocks=(1, 1, 1, 1), width_divisor=16)
    optimizer = OPTIMIZERS[name]()
    optimizer.setup(model)
    before = _evaluate(model, x_test, t_test)
    it = chainer.iterators.SerialIterator(
        train, BATCH, order_sampler=chainer.iterators.ShuffleOrderSampler(
            numpy.random.RandomState(0)))

    def loss(x, t):
        return F.softmax_cross_entropy(model(x), t)

    for _ in range(STEPS):
        x, t = chainer.dataset.concat_examples(next(it))
        optimizer.update(loss, x, t)
    return before, _evaluate(model, x_test, t_test), optimizer


@pytest.mark.slow
@pytest.mark.parametrize('name', sorted(OPTIMIZERS))
def test_small_resnet_with_batchnorm_trains(name):
    train, x_test, t_test = _data()
    (loss0, _), (loss1, accuracy), optimizer = _train(name, train, x_test,
                                                      t_test)
    print('{}: test loss {:.3f} -> {:.3f}, accuracy {:.3f}'.format(
        name, loss0, loss1, accuracy))
    if name == 'kfac':
        kinds = {type(b).__name__ for b in optimizer.blocks}
        assert 'BatchNormalizationFisherBlock' in kinds
        assert optimizer.uncovered_links == []
    assert loss1 < 0.5 * loss0 and loss1 < 1.0
    assert accuracy > ACCURACY
