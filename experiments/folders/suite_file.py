"""The suite file: settings the report needs that no single run holds.

``configs/SUITE/_suite.yaml`` (copied by run_suite.py to OUT/SUITE/
suite.yaml, beside the runs)::

    description: Fashion-MNIST, Table 2 batches, 20 epochs
    target_accuracy: 0.78      # iterations-to-target use this accuracy
    batch_classes: {SB: 128, LB: 2048}   # global batch sizes
    seeds: 0-2                 # optional: run_suite.py's default --seeds


A run is SB or LB by its config's ``batch_size`` looked up here, never by
its folder name or by which other runs happen to be present.
"""
import os

import yaml

FILE_NAME = 'suite.yaml'
SOURCE_NAME = '_suite.yaml'


class Suite(object):
    """Validated suite settings; ``path`` names the file in messages."""

    def __init__(self, path, description, target_accuracy, batch_classes,
                 seeds=None):
        self.path = path
        self.seeds = seeds
        self.description = description
        self.target_accuracy = target_accuracy
        self.batch_classes = batch_classes
        self._by_size = {size: cls for cls, size in batch_classes.items()}

    def batch_class(self, run):
        try:
            return self._by_size[run.batch]
        except KeyError:
            raise SystemExit(
                'error: {}: batch_size {} is neither SB nor LB of {} ({}); '
                'add it there or leave the run out'.format(
                    run.path, run.batch, self.path,
                    self.batch_classes)) from None


def load(path):
    """The Suite in ``path``; errors name the file, the key and the fix."""
    if not os.path.isfile(path):
        raise SystemExit('error: no suite file {}: copy configs/SUITE/{} '
                         'there (run_suite.py does) or pass --suite '
                         'FILE'.format(path, SOURCE_NAME))
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    unknown = set(data) - {'description', 'target_accuracy', 'batch_classes',
                           'seeds'}
    if unknown:
        raise SystemExit('error: {}: unknown keys {}'.format(
            path, sorted(unknown)))
    target = data.get('target_accuracy')
    if not isinstance(target, float) or not 0 < target < 1:
        raise SystemExit('error: {}: target_accuracy must be a number in '
                         '(0, 1), e.g. 0.85, not {!r}'.format(path, target))
    classes = data.get('batch_classes')
    if (not isinstance(classes, dict) or set(classes) != {'SB', 'LB'} or
            not all(isinstance(v, int) and v > 0 for v in classes.values())
            or classes['SB'] >= classes['LB']):
        raise SystemExit('error: {}: batch_classes must be {{SB: size, LB: '
                         'larger size}}, e.g. {{SB: 128, LB: 2048}}, not '
                         '{!r}'.format(path, classes))
    seeds = data.get('seeds')
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = str(seeds)
    if seeds is not None and not isinstance(seeds, str):
        raise SystemExit('error: {}: seeds must be a range or a list, e.g. '
                         'seeds: 0-2 or seeds: 0,2,5, not {!r}'.format(
                             path, seeds))
    return Suite(path, str(data.get('description', '')), target, classes,
                 seeds)


def find(results_dir, explicit=None):
    """The suite file given, else RESULTS_DIR/suite.yaml."""
    return load(explicit or os.path.join(results_dir, FILE_NAME))
