"""experiments/train.py with faults injected at given training steps.

    FAULTS='sigterm:0:11,exit0:1:5' python scripts/train_faults.py ARGS...

(ARGS: those of experiments/train.py.) For tests and
scripts/fault_injection.py.

Each fault is KIND:RANK:CALL: on that rank (0 outside MPI), at the CALL-th
batch drawn from the training iterator (1-based, counted in this process),
``sigterm`` sends SIGTERM to this process (the batch is then in flight),
``exit0`` ends the rank with ``sys.exit(0)`` and ``return`` makes
``experiments.train.run`` return at once (a clean early end).
"""
import os
import signal
import sys


import chainer_kfac  # NOQA: E402,F401  (before Chainer)
from chainer_kfac.iterators import MixupIterator  # NOQA: E402
from experiments.train import failure  # NOQA: E402
from experiments.train import cli as train  # NOQA: E402


class EarlyReturn(BaseException):
    """Unwinds to the patched ``run``, which then returns normally."""


def faults_here():
    rank = failure.launch_rank()
    found = {}
    for item in filter(None, os.environ.get('FAULTS', '').split(',')):
        kind, where, call = item.split(':')
        if int(where) == rank:
            found[int(call)] = kind
    return found


FAULTS = faults_here()
calls = [0]
draw = MixupIterator.__next__


def next_with_faults(self):
    calls[0] += 1
    kind = FAULTS.get(calls[0])
    batch = draw(self)
    if kind == 'sigterm':
        os.kill(os.getpid(), signal.SIGTERM)
    elif kind == 'exit0':
        sys.exit(0)
    elif kind == 'return':
        raise EarlyReturn()
    return batch


def run_or_return(*args, **kwargs):
    try:
        return real_run(*args, **kwargs)
    except EarlyReturn:
        return None


MixupIterator.__next__ = MixupIterator.next = next_with_faults
real_run = train.run
train.run = run_or_return
train.main(sys.argv[1:])
