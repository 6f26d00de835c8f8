"""Reading run folders (config.yaml, log, DONE) for tables and figures."""
import glob
import json
import os

import yaml

OPTIMIZER_LABEL = {'momentum_sgd': 'SGD', 'kfac': 'K-FAC'}


class Run(object):
    """One run folder: its resolved config, its JSON log, its status."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(os.path.normpath(path))
        with open(os.path.join(path, 'config.yaml')) as f:
            self.config = yaml.safe_load(f)
        log_path = os.path.join(path, 'log')
        self.log = []
        if os.path.exists(log_path):
            with open(log_path) as f:
                self.log = json.load(f)
        self.finished = os.path.exists(os.path.join(path, 'DONE'))
        self.sharpness = {}
        for kind in ('gaussian', 'filternorm'):
            landscape = os.path.join(path, 'landscape_{}.json'.format(kind))
            if os.path.exists(landscape):
                with open(landscape) as f:
                    self.sharpness[kind] = json.load(f)['sharpness']

    @property
    def optimizer(self):
        return self.config['optimizer']['name']

    @property
    def batch(self):
        return self.config['batch_size']

    @property
    def mixup(self):
        return bool(self.config['mixup']['enabled'])

    @property
    def alpha(self):
        return self.config['mixup']['alpha'] if self.mixup else None

    @property
    def epochs(self):
        return self.config['epochs']

    def label(self, batch_class=None):
        b = batch_class or ''
        return '{} {}({}){}'.format(
            OPTIMIZER_LABEL[self.optimizer], b + ' ' if b else '',
            self.batch, ' mixup \u03b1={:g}'.format(self.alpha) if self.mixup
            else ' no mixup')

    def series(self, key):
        xs = [(e['epoch'], e['iteration'], e[key]) for e in self.log
              if key in e]
        return xs

    def status(self):
        if self.finished:
            return 'finished'
        last = self.log[-1]['epoch'] if self.log else 0
        return 'in progress (epoch {} of {})'.format(last, self.epochs)


def find_runs(paths):
    """Run folders in ``paths`` (each a run folder or a folder of them)."""
    runs = []
    for path in paths:
        if os.path.exists(os.path.join(path, 'config.yaml')):
            runs.append(Run(path))
            continue
        for sub in sorted(glob.glob(os.path.join(path, '*', 'config.yaml'))):
            runs.append(Run(os.path.dirname(sub)))
    if not runs:
        raise SystemExit('error: no run folders (with config.yaml) in '
                         '{}'.format(', '.join(paths)))
    return runs


def batch_classes(runs):
    """'SB' for the smallest batch size among the runs, 'LB' the largest."""
    sizes = sorted({r.batch for r in runs})
    out = {}
    for r in runs:
        if len(sizes) == 1:
            out[r.batch] = 'SB'
        elif r.batch == sizes[0]:
            out[r.batch] = 'SB'
        elif r.batch == sizes[-1]:
            out[r.batch] = 'LB'
        else:
            out[r.batch] = 'B{}'.format(r.batch)
    return out
