"""A tuning worker: trial after trial of one cell until its budget is
spent, then the next cell.

Rank 0 (the only rank on one process) keeps the budget
(experiments/tune/budget.py): before each trial it fails the trials of
dead workers (``fail_stale_trials``: they are re-queued with their
parameters), waits while the budget's last places are held by running
trials of other workers, and ends the cell once ``trials`` trials have
finished. Each trial trains in ``OUT/tune/SUITE/CELL/trial_NNN`` and sends
heartbeats meanwhile; its result is told with its iterations, seconds and
core-seconds (seconds x ranks) as user attributes, which the report sums
into the tuning cost.
"""
import dataclasses
import os
import time
from collections.abc import Callable

import optuna
from optuna.storages import BaseStorage, fail_stale_trials
from optuna.trial import TrialState

from experiments.tune import budget, heartbeat, space, trial_run
from experiments.tune.ranks import Ranks
from experiments.tune.studies import open_study, reseed_for
from experiments.tune.tune_file import TuneFile


@dataclasses.dataclass(frozen=True)
class Cell:
    """One config of the suite, tuned in its own study."""
    suite: str
    name: str
    config_path: str
    optimizer: str


@dataclasses.dataclass(frozen=True)
class Job:
    """Where the worker is: its tuning file, storage and output."""
    tune: TuneFile
    storage: BaseStorage | None     # None on ranks other than 0
    out: str


#: called on rank 0 after each trial: (cell, number, params, result)
OnTrial = Callable[['Cell', int, dict[str, float], trial_run.TrialResult],
                   None]


def tune_cell(cell: Cell, job: Job, ranks: Ranks,
              on_trial: OnTrial | None = None) -> None:
    """Run trials of ``cell`` until its budget is spent."""
    study = open_study(job.storage, cell.suite, cell.name, job.tune) \
        if ranks.root and job.storage else None
    while True:
        trial = next_trial(study, cell, job) if study is not None else None
        params = ranks.share(None if trial is None else trial.params)
        if params is None:
            return
        result = run_trial(cell, job, ranks, trial, params)
        if study is not None and trial is not None:
            tell(study, trial, result, ranks.size)
            if on_trial is not None:
                on_trial(cell, trial.number, params, result)


def next_trial(study: optuna.Study, cell: Cell,
               job: Job) -> optuna.Trial | None:
    """A trial within the budget with its parameters drawn, or None."""
    while True:
        fail_stale_trials(study)
        if budget.finished(study) >= job.tune.trials:
            return None
        if budget.room_for_another(study, job.tune.trials):
            trial = study.ask()
            if budget.keep(study, trial, job.tune.trials):
                reseed_for(study, job.tune, trial)
                for dimension in job.tune.dimensions(cell.optimizer):
                    trial.suggest_float(dimension.key, dimension.low,
                                        dimension.high, log=dimension.log)
                return trial
            continue
        time.sleep(min(job.tune.heartbeat_interval_s, 10))


def trial_folder(job: Job, cell: Cell, number: int) -> str:
    return os.path.join(job.out, 'tune', cell.suite, cell.name,
                        'trial_{:03d}'.format(number))


def run_trial(cell: Cell, job: Job, ranks: Ranks, trial: optuna.Trial | None,
              params: dict[str, float]) -> trial_run.TrialResult:
    number = ranks.share(None if trial is None else trial.number)
    overrides = trial_run.trial_overrides(
        job.tune.holdout_fraction, job.tune.holdout_seed,
        ['{}={!r}'.format(k, v) for k, v in sorted(job.tune.fixed.items())],
        space.as_overrides(params))
    out = trial_folder(job, cell, number)
    beating = heartbeat.beating(job.storage, trial._trial_id,
                                job.tune.heartbeat_interval_s) \
        if trial is not None and job.storage is not None else None
    if beating is None:
        return trial_run.train_trial(cell.config_path, overrides, out,
                                     ranks.comm, job.tune.objective,
                                     ranks.decide(trial))
    with beating:
        return trial_run.train_trial(cell.config_path, overrides, out,
                                     ranks.comm, job.tune.objective,
                                     ranks.decide(trial))


def tell(study: optuna.Study, trial: optuna.Trial,
         result: trial_run.TrialResult, size: int) -> None:
    """Record ``result`` as the trial's end."""
    trial.set_user_attr('iterations', result.iterations)
    trial.set_user_attr('seconds', round(result.seconds, 3))
    trial.set_user_attr('core_seconds', round(result.seconds * size, 3))
    trial.set_user_attr('ranks', size)
    if result.diverged is not None:
        trial.set_user_attr('diverged', result.diverged)
    if result.finished_schedule and result.values:
        study.tell(trial, result.values[-1])
    else:
        study.tell(trial, state=TrialState.PRUNED)
