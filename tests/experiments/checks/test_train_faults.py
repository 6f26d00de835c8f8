"""Training with faults: which faults are this rank's, how a draw injects
them, and the early return."""
import os
import signal

import pytest

from chainer_kfac.distributed import launch
from experiments.checks import train_faults


def test_faults_of_this_rank_only(monkeypatch):
    for name in launch.RANK_VARIABLES:      # rank 0: outside MPI
        monkeypatch.delenv(name, raising=False)
    environ = {'FAULTS': 'sigterm:0:11,exit0:1:5,return:0:3'}
    assert train_faults.faults_here(environ) == {11: 'sigterm', 3: 'return'}
    assert train_faults.faults_here({}) == {}


def test_a_draw_injects_the_fault_of_its_call(monkeypatch):
    monkeypatch.setattr(train_faults.MixupIterator, '__next__',
                        lambda self: 'batch')
    draw = train_faults.next_with_faults({2: 'return', 3: 'exit0',
                                          4: 'sigterm'})
    assert draw(None) == 'batch'
    with pytest.raises(train_faults.EarlyReturn):
        draw(None)
    with pytest.raises(SystemExit) as exit_:
        draw(None)
    assert exit_.value.code == 0
    seen = []
    monkeypatch.setattr(os, 'kill', lambda pid, sig: seen.append((pid, sig)))
    assert draw(None) == 'batch'
    assert seen == [(os.getpid(), signal.SIGTERM)]


def test_an_early_return_ends_the_run_quietly():
    def run(*args, **kwargs):
        if kwargs.get('stop'):
            raise train_faults.EarlyReturn()
        return args
    patched = train_faults.run_or_return(run)
    assert patched(1, 2) == (1, 2)
    assert patched(stop=True) is None
