import numpy as np
import pytest

from experiments.extensions import MeanOverRanks
from experiments.extensions import StepLRSchedule


class FakeMpiComm(object):
    """Two ranks whose other rank observed ``other``."""

    def __init__(self, other):
        self.other = np.asarray(other)

    def allreduce(self, values):
        return values + self.other


class FakeComm(object):
    size = 2

    def __init__(self, other):
        self.mpi_comm = FakeMpiComm(other)


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
