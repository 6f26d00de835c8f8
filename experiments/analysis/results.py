"""Reading run folders (config.yaml, log, DONE, sharpness.json) for tables,
figures and the report.

A results folder holds run folders (with config.yaml) at any depth, e.g.
``SUITE/seed_N/RUN``; a run's seed is its config's ``seed``, its cell
(optimizer, batch class, mixup) comes from its config and the suite file.
"""
import json
import os

import yaml


from experiments.folders import run_folder  # NOQA: E402

OPTIMIZER_LABEL = {'momentum_sgd': 'SGD', 'kfac': 'K-FAC'}
ACC = 'validation/main/accuracy'


class Run(object):
    """One run folder: its resolved config, its JSON log, its status and
    the sharpness along random directions (sharpness.json, if computed)."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(os.path.normpath(path))
        with open(os.path.join(path, run_folder.CONFIG)) as f:
            self.config = yaml.safe_load(f)
        self.log = _read_json(os.path.join(path, 'log'), [])
        self.finished = run_folder.is_finished(path)
        self.landscape = _read_json(os.path.join(path, 'sharpness.json'),
                                    {'kinds': {}})
        self.sharpness = {kind: data['sharpness'] for kind, data in
                          self.landscape['kinds'].items()}

    @property
    def optimizer(self):
        return self.config['optimizer']['name']

    @property
    def batch(self):
        return self.config['batch_size']

    @property
    def seed(self):
        return self.config['seed']

    @property
    def mixup(self):
        return bool(self.config['mixup']['enabled'])

    @property
    def alpha(self):
        return self.config['mixup']['alpha'] if self.mixup else None

    @property
    def epochs(self):
        return self.config['epochs']

    @property
    def evals_per_epoch(self):
        # Runs from before the key existed were evaluated once an epoch,
        # which is also the key's default (experiments/config.py).
        return self.config.get('evals_per_epoch', 1)

    @property
    def evaluation_grid(self):
        """'4/epoch' or '4/epoch for 10 epochs, then 1/epoch'."""
        dense = self.config.get('dense_eval_epochs')
        rate = '{}/epoch'.format(self.evals_per_epoch)
        if dense is None or self.evals_per_epoch == 1:
            return rate
        return '{} for {} epochs, then 1/epoch'.format(rate, dense)

    def label(self, batch_class=None):
        b = batch_class or ''
        return '{} {}({}){}'.format(
            OPTIMIZER_LABEL[self.optimizer], b + ' ' if b else '',
            self.batch, ' mixup \u03b1={:g}'.format(self.alpha) if self.mixup
            else ' no mixup')

    def series(self, key):
        """[(epoch, iteration, value)] of the log entries that have key."""
        return [(e['epoch'], e['iteration'], e[key]) for e in self.log
                if key in e]

    def status(self):
        if self.finished:
            return 'finished'
        last = self.log[-1]['epoch'] if self.log else 0
        return 'in progress (epoch {} of {})'.format(last, self.epochs)


def _read_json(path, default):
    if not os.path.exists(path):
        return default
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise SystemExit('error: {} is not valid JSON ({}); delete or '
                             'regenerate it'.format(path, e)) from e


def find_runs(paths):
    """Runs in ``paths`` (run folders or folders of them, at any depth),
    each folder once even when named twice or nested in another path."""
    runs, seen = [], set()
    for path in paths:
        for folder in run_folder.run_folders(path):
            real = os.path.realpath(folder)
            if real not in seen:
                seen.add(real)
                runs.append(Run(folder))
    if not runs:
        raise SystemExit('error: no run folders (with config.yaml) in '
                         '{}'.format(', '.join(paths)))
    return runs


def cell(run, suite):
    """(optimizer, 'SB'|'LB', mixup) of a run, its batch class from the
    suite's declared batch sizes."""
    return (run.optimizer, suite.batch_class(run), run.mixup)


def check_unique(runs, suite):
    """Stop if two folders hold the same cell and seed (a run copied
    twice): its seed would count twice."""
    first = {}
    for run in runs:
        key = cell(run, suite) + (run.seed,)
        if key in first:
            raise SystemExit(
                'error: {} and {} are both {} {} {} with seed {}: pass only '
                'one of them'.format(first[key].path, run.path,
                                     OPTIMIZER_LABEL[key[0]], key[1],
                                     'mixup' if key[2] else 'no mixup',
                                     key[3]))
        first[key] = run
