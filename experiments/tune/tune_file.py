"""The tuning file ``configs/SUITE/_tune.yaml``: what a suite's tuning
searches, with which budget, and how it is judged.

    description: text for the report
    trials: 12                     # per cell, the same for every cell
    objective: holdout/main/accuracy   # log key, maximised, value at the
                                   # last evaluation of the schedule
    holdout: {fraction: 0.1, seed: 0}  # the held-out split of the training
                                   # set the objective is measured on
    sampler: {name: tpe, seed: 0, n_startup_trials: 4}
    pruner: {name: median, n_startup_trials: 4, n_warmup_steps: 8}
    #        or {name: successive_halving, min_resource: 4,
    #            reduction_factor: 3}; steps are evaluations
    heartbeat: {interval_s: 60, grace_s: 180}
    fixed: {snapshot_every: 100}   # config keys set for every trial
    space:                         # per optimizer.name: dotted config key
      momentum_sgd:                #   -> {low, high, log}
        optimizer.lr: {low: 1.0e-4, high: 1.0e-1, log: true}
        optimizer.momentum: {low: 0.5, high: 0.99}
      kfac:
        optimizer.lr: {low: 1.0e-4, high: 1.0e-1, log: true}
        kfac.damping: {low: 1.0e-3, high: 1.0, log: true}

Every cell of the suite (each config of configs/SUITE) is tuned in its own
study over the space of its ``optimizer.name``, with its own schedule; only
the keys of the space change from trial to trial. A key that is not a
numeric key of the config schema (experiments/train/config.py), or any
other mistake, is refused with the file, the key and the fix.
"""
import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import yaml

from experiments.tune import tune_file_checks as checks
from experiments.tune.errors import TuneFileError
from experiments.tune.space import Dimension, read_space

SOURCE_NAME = '_tune.yaml'


@dataclasses.dataclass(frozen=True)
class TuneFile:
    """A validated ``_tune.yaml``; ``path`` names it in messages."""
    path: str
    description: str
    trials: int
    objective: str
    holdout_fraction: float
    holdout_seed: int
    sampler: Mapping[str, Any]
    pruner: Mapping[str, Any]
    heartbeat_interval_s: int
    heartbeat_grace_s: int
    fixed: Mapping[str, Any]
    space: Mapping[str, tuple[Dimension, ...]]

    def dimensions(self, optimizer: str) -> tuple[Dimension, ...]:
        """The space of a cell whose config has ``optimizer.name``."""
        if optimizer not in self.space:
            raise TuneFileError('{}: space has no section for optimizer {!r} '
                                '(a cell of the suite uses it): add '
                                '`space: {{{}: {{KEY: {{low: .., high: ..}}}}'
                                '}}`'.format(self.path, optimizer, optimizer))
        return self.space[optimizer]


def find(suite_folder: str) -> str:
    """The tuning file of a suite's config folder."""
    path = os.path.join(suite_folder, SOURCE_NAME)
    if not os.path.isfile(path):
        raise TuneFileError('{} is missing: a suite is tuned from its {} '
                            '(see configs/fmnist_e20/{})'.format(
                                path, SOURCE_NAME, SOURCE_NAME))
    return path


def load(path: str) -> TuneFile:
    """Read and validate ``path``."""
    with open(path) as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise TuneFileError('{}: expected a mapping of the keys {}'.format(
            path, ', '.join(checks.TOP_KEYS)))
    checks.known_keys(path, '', data, checks.TOP_KEYS)
    holdout = checks.section(path, data, 'holdout', {'fraction', 'seed'})
    heartbeat = checks.section(path, data, 'heartbeat',
                               {'interval_s', 'grace_s'})
    return TuneFile(
        path=path, description=str(data.get('description', '')),
        trials=checks.positive_int(path, 'trials', data.get('trials')),
        objective=checks.text(path, 'objective', data.get('objective')),
        holdout_fraction=checks.fraction(
            path, 'holdout.fraction', holdout.get('fraction', 0.1)),
        holdout_seed=checks.positive_int(
            path, 'holdout.seed', holdout.get('seed', 0), allow_zero=True),
        sampler=checks.sampler(path, data.get('sampler', {'name': 'tpe'})),
        pruner=checks.pruner(path, data.get('pruner', {'name': 'median'})),
        heartbeat_interval_s=checks.positive_int(
            path, 'heartbeat.interval_s', heartbeat.get('interval_s', 60)),
        heartbeat_grace_s=checks.positive_int(
            path, 'heartbeat.grace_s', heartbeat.get('grace_s', 180)),
        fixed=checks.fixed(path, data.get('fixed', {})),
        space=read_space(path, data.get('space')))

