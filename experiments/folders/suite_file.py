"""The suite file: settings the report needs that no single run holds.

``configs/SUITE/_suite.yaml`` (copied by ``python -m experiments suite`` to
OUT/SUITE/suite.yaml, beside the runs)::

    description: Fashion-MNIST, Table 2 batches, 20 epochs
    target_accuracy: 0.78      # iterations-to-target use this accuracy
    batch_classes: {SB: 128, LB: 2048}   # global batch sizes
    seeds: 0-2                 # optional: the suite's default --seeds
    sharpness: {optimizers: [kfac], directions: 5, n_train: 3000}
                               # optional: the suite computes sharpness.json

A run is SB or LB by its config's ``batch_size`` looked up here, never by
its folder name or by which other runs happen to be present. With
``sharpness``, the suite runner measures the sharpness of every finished
run of those optimizers (``optimizer.name``: kfac, momentum_sgd, ...; all
of them when the key is left out) that has no sharpness.json, before the
report, as ``python -m experiments sharpness`` does with ``--directions``
and ``--n-train``; each of the three keys is optional.
"""
import os
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

import yaml

from experiments.errors import StudyError

FILE_NAME = 'suite.yaml'
SOURCE_NAME = '_suite.yaml'
KEYS = ('description', 'target_accuracy', 'batch_classes', 'seeds',
        'sharpness')
#: ``python -m experiments sharpness``'s defaults
SHARPNESS_DIRECTIONS = 5
SHARPNESS_N_TRAIN = 3000
#: the least number of directions the report accepts (a mean and sd over
#: >= 5 per model)
SHARPNESS_MIN_DIRECTIONS = 5
SHARPNESS_KEYS = ('optimizers', 'directions', 'n_train')


class SuiteFileError(StudyError):
    """A suite file is missing or has a bad key; the message names both."""


class SharpnessPlan(NamedTuple):
    """What the suite file's ``sharpness`` asks for."""
    optimizers: tuple[str, ...] | None     # None: every optimizer
    directions: int
    n_train: int

    def wants(self, optimizer: str) -> bool:
        """Whether runs of ``optimizer`` get their sharpness measured."""
        return self.optimizers is None or optimizer in self.optimizers


class BatchSized(Protocol):
    """What :meth:`Suite.batch_class` reads of a run."""
    @property
    def path(self) -> str: ...

    @property
    def batch(self) -> int: ...


class Suite:
    """Validated suite settings; ``path`` names the file in messages."""

    def __init__(self, path: str, description: str, target_accuracy: float,
                 batch_classes: Mapping[str, int], seeds: str | None = None,
                 sharpness: SharpnessPlan | None = None) -> None:
        self.path = path
        self.seeds = seeds
        self.description = description
        self.target_accuracy = target_accuracy
        self.batch_classes = dict(batch_classes)
        self.sharpness = sharpness
        self._by_size = {size: cls for cls, size in batch_classes.items()}

    def batch_class(self, run: BatchSized) -> str:
        try:
            return self._by_size[run.batch]
        except KeyError:
            raise SuiteFileError(
                '{}: batch_size {} is neither SB nor LB of {} ({}); add it '
                'there or leave the run out'.format(
                    run.path, run.batch, self.path,
                    self.batch_classes)) from None


def _target(path: str, data: Mapping[str, Any]) -> float:
    target = data.get('target_accuracy')
    if not isinstance(target, float) or not 0 < target < 1:
        raise SuiteFileError('{}: target_accuracy must be a number in (0, 1), '
                             'e.g. 0.85, not {!r}'.format(path, target))
    return target


def _batch_classes(path: str, data: Mapping[str, Any]) -> dict[str, int]:
    classes = data.get('batch_classes')
    if (not isinstance(classes, dict) or set(classes) != {'SB', 'LB'} or
            not all(isinstance(v, int) and v > 0 for v in classes.values())
            or classes['SB'] >= classes['LB']):
        raise SuiteFileError('{}: batch_classes must be {{SB: size, LB: '
                             'larger size}}, e.g. {{SB: 128, LB: 2048}}, not '
                             '{!r}'.format(path, classes))
    return classes


def _seeds(path: str, data: Mapping[str, Any]) -> str | None:
    seeds = data.get('seeds')
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = str(seeds)
    if seeds is not None and not isinstance(seeds, str):
        raise SuiteFileError('{}: seeds must be a range or a list, e.g. '
                             'seeds: 0-2 or seeds: 0,2,5, not {!r}'.format(
                                 path, seeds))
    return seeds


def _count(path: str, key: str, value: Any, least: int, why: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        raise SuiteFileError('{}: sharpness.{} must be an integer >= {}{}, '
                             'not {!r}'.format(path, key, least, why, value))
    return value


def _sharpness(path: str, data: Mapping[str, Any]) -> SharpnessPlan | None:
    if 'sharpness' not in data:
        return None
    spec = data['sharpness']
    example = ('e.g. sharpness: {optimizers: [kfac], directions: 5, '
               'n_train: 3000}')
    if not isinstance(spec, dict):
        raise SuiteFileError('{}: sharpness must be a mapping, {}, not '
                             '{!r}'.format(path, example, spec))
    unknown = set(spec) - set(SHARPNESS_KEYS)
    if unknown:
        raise SuiteFileError('{}: sharpness: unknown keys {}; use {}'.format(
            path, sorted(unknown), ', '.join(SHARPNESS_KEYS)))
    optimizers = spec.get('optimizers')
    if optimizers is not None and (
            not isinstance(optimizers, list) or not optimizers or
            not all(isinstance(o, str) and o for o in optimizers)):
        raise SuiteFileError('{}: sharpness.optimizers must be a list of '
                             'optimizer names (kfac, momentum_sgd, ...), not '
                             '{!r}'.format(path, optimizers))
    directions = _count(
        path, 'directions', spec.get('directions', SHARPNESS_DIRECTIONS),
        SHARPNESS_MIN_DIRECTIONS, ' (the report needs a mean and sd over >= '
        '{} directions per model)'.format(SHARPNESS_MIN_DIRECTIONS))
    n_train = _count(path, 'n_train', spec.get('n_train', SHARPNESS_N_TRAIN),
                     1, ' (training examples the loss is measured on)')
    return SharpnessPlan(None if optimizers is None else tuple(optimizers),
                         directions, n_train)


def load(path: str) -> Suite:
    """The Suite in ``path``; errors name the file, the key and the fix."""
    if not os.path.isfile(path):
        raise SuiteFileError('no suite file {}: copy configs/SUITE/{} there '
                             '(python -m experiments suite does) or pass '
                             '--suite FILE'.format(path, SOURCE_NAME))
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    unknown = set(data) - set(KEYS)
    if unknown:
        raise SuiteFileError('{}: unknown keys {}'.format(path,
                                                          sorted(unknown)))
    return Suite(path, str(data.get('description', '')), _target(path, data),
                 _batch_classes(path, data), _seeds(path, data),
                 _sharpness(path, data))


def find(results_dir: str, explicit: str | None = None) -> Suite:
    """The suite file given, else RESULTS_DIR/suite.yaml."""
    return load(explicit or os.path.join(results_dir, FILE_NAME))
