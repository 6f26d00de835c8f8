"""One Optuna study per cell, with the sampler and pruner the tuning file
states (experiments/tune/tune_file.py).

A study is named ``SUITE/CELL`` (several suites may share one database)
and maximises the objective. Each trial's point is drawn by a sampler
seeded with the file's seed plus the trial's number
(:func:`reseed_for`), so that workers sharing a study, on this machine or
in other scheduler jobs, never draw from the same random state; one
worker alone is reproducible from the file.
"""
import warnings
from collections.abc import Mapping
from typing import Any

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import BaseStorage

from experiments.tune.tune_file import TuneFile


def study_name(suite: str, cell: str) -> str:
    return '{}/{}'.format(suite, cell)


def make_sampler(spec: Mapping[str, Any],
                 offset: int = 0) -> optuna.samplers.BaseSampler:
    seed = spec.get('seed', 0) + offset
    if spec['name'] == 'random':
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=spec.get('n_startup_trials', 10))


def make_pruner(spec: Mapping[str, Any]) -> optuna.pruners.BasePruner:
    if spec['name'] == 'median':
        return optuna.pruners.MedianPruner(
            n_startup_trials=spec.get('n_startup_trials', 5),
            n_warmup_steps=spec.get('n_warmup_steps', 0))
    if spec['name'] == 'successive_halving':
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=spec.get('min_resource', 'auto'),
            reduction_factor=spec.get('reduction_factor', 4))
    return optuna.pruners.NopPruner()


def open_study(storage: BaseStorage, suite: str, cell: str,
               tune: TuneFile) -> optuna.Study:
    """The cell's study in ``storage``, created on first use."""
    return optuna.create_study(
        storage=storage, study_name=study_name(suite, cell),
        direction='maximize', load_if_exists=True,
        sampler=make_sampler(tune.sampler), pruner=make_pruner(tune.pruner))


def reseed_for(study: optuna.Study, tune: TuneFile,
               trial: optuna.Trial) -> None:
    """Draw ``trial``'s parameters (suggested next) from the seed of its
    number: two workers that asked at once hold different numbers."""
    study.sampler = make_sampler(tune.sampler, trial.number)


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO; the tuner prints its own lines.
    Its warnings that the heartbeat and its retry callback are
    experimental, and that a heartbeat belongs to ``Study.optimize`` (the
    workers ask and tell on purpose, experiments/tune/worker.py), are
    silenced: they would be printed at every trial."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings('ignore', category=ExperimentalWarning)
    warnings.filterwarnings('ignore', message='Heartbeat of storage is '
                            'supposed to be used with Study.optimize')
