"""A trial under ``mpiexec -n R``: rank 0 alone talks to Optuna, every
rank trains.

Rank 0 asks the study for a trial and broadcasts its parameters (None:
the cell's budget is spent); at each evaluation it reports the held-out
accuracy and broadcasts whether to prune, so all ranks stop after the same
iteration; only rank 0 tells the study the result and writes the trial's
files. On a single process the same calls reduce to plain Optuna.
"""
from typing import Any

import optuna

from chainer_kfac.distributed import KFACCommunicator

from experiments.tune.pruning import Decide


class Ranks:
    """This process's place among a trial's ranks."""

    def __init__(self, comm: KFACCommunicator | None) -> None:
        self.comm = comm

    @property
    def root(self) -> bool:
        return self.comm is None or self.comm.rank == 0

    @property
    def size(self) -> int:
        return 1 if self.comm is None else self.comm.size

    def share(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank."""
        return obj if self.comm is None else self.comm.bcast_obj(obj)

    def decide(self, trial: optuna.Trial | None) -> Decide:
        """The pruning decision of ``trial`` (given on rank 0 only)."""
        def decide(value: float, step: int) -> bool:
            answer = False
            if self.root:
                assert trial is not None
                trial.report(value, step)
                answer = trial.should_prune()
            return bool(self.share(answer))
        return decide
