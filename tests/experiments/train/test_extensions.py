import numpy as np
import pytest

import chainer

from experiments.train.extensions import MeanOverRanks
from experiments.train.extensions import StepLRSchedule


class FakeComm(object):
    """Two ranks whose other rank observed ``other``."""

    size = 2

    def __init__(self, other):
        self.other = np.asarray(other)

    def allreduce_obj(self, values):
        return values + self.other


class FakeTrainer(object):
    def __init__(self, observation):
        self.observation = observation


def test_mean_over_ranks_replaces_observations():
    trainer = FakeTrainer({'main/loss': 1.0, 'main/accuracy': 0.5})
    MeanOverRanks(FakeComm([3.0, 0.7]), ['main/loss', 'main/accuracy'])(
        trainer)
    assert trainer.observation['main/loss'] == pytest.approx(2.0)
    assert trainer.observation['main/accuracy'] == pytest.approx(0.6)


def test_step_schedule_halves_after_the_drop_epoch():
    sched = StepLRSchedule(0.008, [71], 0.5)
    assert sched.lr_at(0) == 0.008
    assert sched.lr_at(70.99) == 0.008
    assert sched.lr_at(71.0) == 0.004
    assert sched.lr_at(149.5) == 0.004
    assert StepLRSchedule(1.0, [2, 1], 0.1).lr_at(2.5) == pytest.approx(0.01)


class ScheduleUpdater(object):
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.epoch_detail = 0.0

    def get_optimizer(self, name):
        return self.optimizer


class ScheduleTrainer(object):
    def __init__(self, optimizer):
        self.updater = ScheduleUpdater(optimizer)


def test_step_schedule_sets_lr_pre_to_the_previous_rate_for_kfac():
    from chainer_kfac import KFAC
    trainer = ScheduleTrainer(KFAC(lr=0.008))
    sched = StepLRSchedule(0.008, [1], 0.5)
    opt = trainer.updater.optimizer
    seen = []
    for epoch in [None, 0.5, 1.0, 1.5]:
        if epoch is None:
            sched.initialize(trainer)
        else:
            trainer.updater.epoch_detail = epoch
            sched(trainer)
        seen.append((opt.lr, opt.lr_pre))
    assert seen == [(0.008, 0.008), (0.008, 0.008), (0.004, 0.008),
                    (0.004, 0.004)]


def test_step_schedule_initialize_keeps_a_resumed_lr_pre():
    from chainer_kfac import KFAC
    opt = KFAC(lr=0.008)
    opt.lr_pre = 0.004           # as loaded from a snapshot after the drop
    trainer = ScheduleTrainer(opt)
    trainer.updater.epoch_detail = 2.0
    StepLRSchedule(0.008, [1], 0.5).initialize(trainer)
    assert (opt.lr, opt.lr_pre) == (0.004, 0.004)


def test_step_schedule_leaves_momentum_sgd_without_lr_pre():
    opt = chainer.optimizers.MomentumSGD(lr=0.1)
    sched = StepLRSchedule(0.1, [1], 0.5)
    trainer = ScheduleTrainer(opt)
    trainer.updater.epoch_detail = 1.0
    sched(trainer)
    assert opt.lr == 0.05 and not hasattr(opt, 'lr_pre')


class FakeUpdater(object):
    def __init__(self, before, now, new_epoch):
        self.previous_epoch_detail = before
        self.epoch_detail = now
        self.is_new_epoch = new_epoch


class TriggerTrainer(object):
    def __init__(self, updater):
        self.updater = updater


def fires(trigger, iters_per_epoch, iterations):
    """Iterations (1-based) at which ``trigger`` fires."""
    out = []
    for it in range(1, iterations + 1):
        before = (it - 1) / iters_per_epoch
        now = it / iters_per_epoch
        new_epoch = it % iters_per_epoch == 0
        if trigger(TriggerTrainer(FakeUpdater(before, now, new_epoch))):
            out.append(it)
    return out


def test_fraction_of_epoch_trigger_quarters_and_epoch_ends():
    from experiments.train.extensions import FractionOfEpochTrigger
    # 10 iterations per epoch: quarters at 2.5, 5, 7.5 -> iterations 3, 5, 8,
    # and always at the epoch's end (10, 20).
    assert fires(FractionOfEpochTrigger(4), 10, 20) == \
        [3, 5, 8, 10, 13, 15, 18, 20]
    assert fires(FractionOfEpochTrigger(1), 7, 21) == [7, 14, 21]


def test_fraction_of_epoch_trigger_rejects_zero():
    from experiments.train.extensions import FractionOfEpochTrigger
    with pytest.raises(ValueError, match='evals_per_epoch'):
        FractionOfEpochTrigger(0)


def test_fraction_of_epoch_trigger_dense_only_in_first_epochs():
    from experiments.train.extensions import FractionOfEpochTrigger
    # 4 per epoch for the first 2 epochs, then only at epoch ends.
    assert fires(FractionOfEpochTrigger(4, dense_epochs=2), 10, 40) == \
        [3, 5, 8, 10, 13, 15, 18, 20, 30, 40]
    assert fires(FractionOfEpochTrigger(4, dense_epochs=0), 10, 20) == \
        [10, 20]
    with pytest.raises(ValueError, match='dense_eval_epochs'):
        FractionOfEpochTrigger(4, dense_epochs=-1)
