"""A suite of two cells (momentum SGD and K-FAC, Table 2's SB configs) on
synthetic data that a tuning test trains in seconds."""
import json
import os

import optuna
import yaml

from experiments.tune import storage
from tests.distributed.mpi_helper import ROOT

#: 240 examples: 180 trained on and 60 held out (fraction 0.25)
DATA = {'dataset': 'synthetic', 'synthetic_size': [240, 60],
        'batch_size': 40, 'test_batch_size': 60, 'epochs': 2,
        'evals_per_epoch': 2}
CELLS = {'sgd': 'sb_sgd_nomixup', 'kfac': 'sb_kfac_nomixup'}


def make(folder, trials=2, fixed=None, data=None, pruner=None,
         heartbeat=(2, 6)):
    """Write the suite's configs, _suite.yaml and _tune.yaml into
    ``folder``; returns its path."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, '_data.yaml'), 'w') as f:
        yaml.safe_dump(dict(DATA, **(data or {})), f)
    for cell, table2 in CELLS.items():
        with open(os.path.join(folder, cell + '.yaml'), 'w') as f:
            yaml.safe_dump({'base': [os.path.join(
                ROOT, 'configs', 'hpml2019', table2 + '.yaml'),
                '_data.yaml']}, f)
    with open(os.path.join(folder, '_suite.yaml'), 'w') as f:
        yaml.safe_dump({'description': 'tiny', 'target_accuracy': 0.5,
                        'batch_classes': {'SB': 40}}, f)
    tune = {
        'description': 'tiny', 'trials': trials,
        'objective': 'holdout/main/accuracy',
        'holdout': {'fraction': 0.25, 'seed': 0},
        'sampler': {'name': 'tpe', 'seed': 0, 'n_startup_trials': 2},
        'pruner': pruner or {'name': 'none'},
        'heartbeat': {'interval_s': heartbeat[0], 'grace_s': heartbeat[1]},
        'fixed': dict({'snapshot_every': 100}, **(fixed or {})),
        'space': {
            'momentum_sgd': {
                'optimizer.lr': {'low': 1e-3, 'high': 1e-1, 'log': True},
                'optimizer.momentum': {'low': 0.5, 'high': 0.99}},
            'kfac': {
                'optimizer.lr': {'low': 1e-3, 'high': 1e-1, 'log': True},
                'kfac.damping': {'low': 1e-3, 'high': 1.0, 'log': True}}}}
    with open(os.path.join(folder, '_tune.yaml'), 'w') as f:
        yaml.safe_dump(tune, f)
    return str(folder)


def trials_of(out, suite, cell):
    """The cell's trials in the suite's journal under ``out``."""
    store = storage.open_storage(None, storage.journal_path(out, suite), 60,
                                 180)
    study = optuna.load_study(study_name='{}/{}'.format(suite, cell),
                              storage=store)
    return study.get_trials(deepcopy=False)


def log_of(out, suite, cell, number):
    path = os.path.join(out, 'tune', suite, cell,
                        'trial_{:03d}'.format(number), 'log')
    with open(path) as f:
        return json.load(f)
