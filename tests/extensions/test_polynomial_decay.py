"""PolynomialDecay against the original's LrPolynomialDecay.lr, worked by
hand, and its lr_pre bookkeeping in a real Trainer with acc_iters."""
import numpy
import pytest

import chainer
import chainer.links as L
from chainer import training

import chainer_kfac
from chainer_kfac.extensions import PolynomialDecay
from chainer_kfac.extensions.polynomial_decay import polynomial_rate


@pytest.mark.parametrize('epoch, expected', [
    # bs4k config: lr 8.18e-3, start 1, end max(36, 53) = 53, p = 11
    (0.0, 8.18e-3), (0.99, 8.18e-3),           # before the start: constant
    (1.0, 8.18e-3),                            # (1 - 0/52)^11
    (27.0, 8.18e-3 * 0.5 ** 11),               # (1 - 26/52)^11
    (40.0, 8.18e-3 * 0.25 ** 11),              # (1 - 39/52)^11
    (53.0, 0.0), (60.0, 0.0)])
def test_rate_by_hand(epoch, expected):
    ext = PolynomialDecay(8.18e-3, 1, 53, 11)
    assert ext.lr_at(epoch) == pytest.approx(expected, rel=1e-12, abs=0)


def test_rate_bs32k():
    # bs32k: lr 3e-2, start 1.5, end max(46, 49.5) = 49.5, p = 3.5
    # at epoch 25.5: 1 - 24/48 = 0.5 -> 0.5^3.5 = 0.08838834764831845
    assert 3e-2 * polynomial_rate(25.5, 1.5, 49.5, 3.5) == pytest.approx(
        3e-2 * 0.08838834764831845, rel=1e-12)


def test_end_before_start_is_an_error():
    with pytest.raises(ValueError, match='end epoch'):
        PolynomialDecay(0.1, 5, 5, 2)


class _Record(training.Extension):
    trigger = 1, 'iteration'
    priority = training.PRIORITY_READER

    def __init__(self):
        self.rows = []

    def __call__(self, trainer):
        opt = trainer.updater.get_optimizer('main')
        self.rows.append((trainer.updater.iteration, opt.lr, opt.lr_pre))


def test_lr_pre_is_the_previous_rate_and_changes_once_per_update():
    # 8 examples, batch 2: 4 iterations an epoch; acc_iters 2: one update
    # (and one schedule call) every 2 iterations, as the original's
    # trigger=(acc_iters, 'iteration').
    rng = numpy.random.RandomState(0)
    data = chainer.datasets.TupleDataset(
        rng.rand(8, 3).astype('f'), rng.randint(0, 2, 8).astype('i'))
    model = L.Classifier(L.Linear(3, 2))
    opt = chainer_kfac.KFAC(lr=0.1, acc_iters=2, adjust_momentum=True)
    opt.setup(model)
    it = chainer.iterators.SerialIterator(data, 2, shuffle=False)
    trainer = training.Trainer(
        training.updaters.StandardUpdater(it, opt), (2, 'epoch'))
    trainer.extend(PolynomialDecay(0.1, 0.5, 2.0, 2), trigger=(2, 'iteration'))
    record = _Record()
    trainer.extend(record)
    trainer.run()

    def lr(epoch):   # the original's formula, start 0.5, end 2, p 2
        if epoch < 0.5:
            return 0.1
        return 0.1 * (1 - (epoch - 0.5) / 1.5) ** 2 if epoch < 2 else 0.0

    expected, lr_now = [], 0.1
    for iteration in range(1, 9):
        lr_pre = None
        if iteration % 2 == 0:
            lr_pre, lr_now = lr_now, lr(iteration / 4.0)
        expected.append((iteration, lr_now, lr_pre))
    for (i, got_lr, got_pre), (_, want_lr, want_pre) in zip(
            record.rows, expected, strict=True):
        assert got_lr == pytest.approx(want_lr, rel=1e-12), i
        if want_pre is not None:
            assert got_pre == pytest.approx(want_pre, rel=1e-12), i
    assert [r[1] for r in record.rows][-1] == 0.0
