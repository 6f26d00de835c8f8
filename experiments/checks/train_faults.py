"""Training (``python -m experiments train``) with faults injected at given
training steps.

    FAULTS='sigterm:0:11,exit0:1:5' \\
        python -m experiments.checks.train_faults ARGS...

(ARGS: those of ``python -m experiments train``.) For tests and
``python -m experiments fault-injection`` (experiments/checks/
faulty_run.py starts it, under mpiexec on every rank).

Each fault is KIND:RANK:CALL: on that rank (0 outside MPI), at the CALL-th
batch drawn from the training iterator (1-based, counted in this process),
``sigterm`` sends SIGTERM to this process (the batch is then in flight),
``exit0`` ends the rank with ``sys.exit(0)`` and ``return`` makes
``experiments.train.cli.run`` return at once (a clean early end).
"""
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import chainer_kfac  # NOQA: F401  (before Chainer)
from chainer_kfac.iterators import MixupIterator
from experiments.errors import run
from experiments.train import cli as train
from experiments.train import failure


class EarlyReturn(BaseException):
    """Unwinds to the patched ``run``, which then returns normally."""


def faults_here(environ: Mapping[str, str] = os.environ) -> dict[int, str]:
    """{call: kind} of this rank's faults in ``FAULTS``."""
    rank = failure.launch_rank()
    found = {}
    for item in filter(None, environ.get('FAULTS', '').split(',')):
        kind, where, call = item.split(':')
        if int(where) == rank:
            found[int(call)] = kind
    return found


def next_with_faults(faults: Mapping[int, str]) -> Callable[[Any], Any]:
    """``MixupIterator.__next__`` that injects ``faults`` as it draws."""
    draw = MixupIterator.__next__
    calls = [0]

    def draw_with_faults(self: Any) -> Any:
        calls[0] += 1
        kind = faults.get(calls[0])
        batch = draw(self)
        if kind == 'sigterm':
            os.kill(os.getpid(), signal.SIGTERM)
        elif kind == 'exit0':
            sys.exit(0)     # the fault itself: a rank that ends early
        elif kind == 'return':
            raise EarlyReturn()
        return batch
    return draw_with_faults


def run_or_return(real_run: Callable[..., Any]) -> Callable[..., Any]:
    """``real_run``, ended quietly by an :class:`EarlyReturn`."""
    def patched(*args: Any, **kwargs: Any) -> Any:
        try:
            return real_run(*args, **kwargs)
        except EarlyReturn:
            return None
    return patched


def main(argv: Sequence[str] | None = None) -> int:
    """Training with this rank's faults of ``FAULTS`` (patched into this
    process only)."""
    draw = next_with_faults(faults_here())
    for name in ('__next__', 'next'):   # patched on the class, so setattr
        setattr(MixupIterator, name, draw)
    train.run = run_or_return(train.run)
    return train.main(sys.argv[1:] if argv is None else argv) or 0


if __name__ == '__main__':  # started as its own process (faulty_run.py)
    sys.exit(run(main))
