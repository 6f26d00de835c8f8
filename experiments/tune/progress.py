"""The tuning's progress: one bar over every cell's budget (tqdm), and a
line per finished trial (cell, number, parameters, objective or where it
was pruned). With several workers the bar follows the storage, which is
what every worker writes to."""
import subprocess
import sys
import time
from collections.abc import Sequence
from types import TracebackType

from tqdm import tqdm

from experiments.tune import budget
from experiments.tune.studies import open_study
from experiments.tune.trial_run import TrialResult
from experiments.tune.worker import Cell, Job

POLL_S = 5.0


def describe(result: TrialResult) -> str:
    if result.diverged is not None:
        return 'diverged ({})'.format(result.diverged.split(':')[0])
    if result.pruned_at is not None:
        return 'pruned at evaluation {} ({:.4f})'.format(
            result.pruned_at, result.values[-1])
    return '{:.4f}'.format(result.values[-1])


class TrialBar:
    """A bar over ``len(cells) x trials``; silent when ``quiet``."""

    def __init__(self, job: Job, cells: Sequence[Cell], quiet: bool) -> None:
        self.job, self.cells, self.quiet = job, list(cells), quiet
        self.bar: tqdm | None = None

    def finished(self) -> int:
        if self.job.storage is None:
            return 0
        return sum(min(self.job.tune.trials, budget.finished(open_study(
            self.job.storage, c.suite, c.name, self.job.tune)))
            for c in self.cells)

    def __enter__(self) -> 'TrialBar':
        if not self.quiet:
            self.bar = tqdm(total=len(self.cells) * self.job.tune.trials,
                            initial=self.finished(), unit='trial',
                            desc='tuning', file=sys.stderr,
                            dynamic_ncols=True)
        return self

    def __exit__(self, kind: type[BaseException] | None,
                 error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.close()

    def trial_done(self, cell: Cell, number: int, params: dict[str, float],
                   result: TrialResult) -> None:
        shown = ', '.join('{}={:.4g}'.format(k, v)
                          for k, v in sorted(params.items()))
        line = '{} trial {}: {} -> {}'.format(cell.name, number, shown,
                                              describe(result))
        if self.bar is not None:
            self.bar.write(line)
            self.bar.update(1)
        else:
            print(line, flush=True)

    def follow(self, processes: Sequence[subprocess.Popen[bytes]]
               ) -> list[int]:
        """Update from the storage until every worker has ended; their
        exit statuses."""
        while any(p.poll() is None for p in processes):
            time.sleep(POLL_S)
            if self.bar is not None:
                self.bar.n = self.finished()
                self.bar.refresh()
        return [p.returncode for p in processes]
