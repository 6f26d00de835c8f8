"""Which runs a suite has, and which of them are still to do.

A suite (experiments/folders/suites.py) is a folder of configs and its
``_suite.yaml``; the runner copies the latter to OUT/SUITE/suite.yaml,
where the table and the report read it. Without seeds each config is one
run, OUT/SUITE/RUN, with the config's own seed; with seeds (``--seeds``, or
the suite file's ``seeds``) each config runs once per seed, into
OUT/SUITE/seed_N/RUN, seed by seed. A run with a DONE file is finished and
skipped.
"""
import argparse
import os
import shutil
from collections.abc import Sequence
from typing import NamedTuple

from experiments.errors import StudyError
from experiments.folders import run_folder
from experiments.folders import suite_file


class MissingSuiteFile(StudyError):
    """The suite's folder of configs has no _suite.yaml."""


class BadSeeds(StudyError):
    """The suite file's ``seeds`` is no range or list of seeds."""


class PlannedRun(NamedTuple):
    """One run of the suite: its name in messages, its config, its run
    folder and the ``--set`` overrides that make it (its seed)."""
    name: str
    config: str
    out: str
    overrides: list[str]


def copy_suite_file(configs: Sequence[str], suite_out: str) -> str:
    """The suite's _suite.yaml (target accuracy, SB/LB batch sizes) to
    OUT/SUITE/suite.yaml, where the table and report read it; its path."""
    source = os.path.join(os.path.dirname(configs[0]),
                          suite_file.SOURCE_NAME)
    if not os.path.exists(source):
        raise MissingSuiteFile(
            '{} is missing: the report needs the suite\'s target accuracy '
            'and SB/LB batch sizes (see configs/quick/_suite.yaml)'.format(
                source))
    target = os.path.join(suite_out, suite_file.FILE_NAME)
    shutil.copyfile(source, target)
    return target


def parse_seeds(spec: str) -> list[int]:
    """``'0-4'`` -> [0, 1, 2, 3, 4]; ``'0,2,5'`` -> [0, 2, 5]."""
    seeds: list[int] = []
    for part in spec.split(','):
        part = part.strip()
        try:
            if '-' in part[1:]:
                lo, hi = part.split('-', 1)
                seeds.extend(range(int(lo), int(hi) + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                '--seeds {!r}: use a range (0-4) or a list (0,2,5) of '
                'integers'.format(spec)) from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(
            '--seeds {!r}: no seeds, or a seed given twice'.format(spec))
    return seeds


def default_seeds(suite_yaml: str) -> list[int] | None:
    """The suite file's ``seeds`` (None: one run per config, with the
    config's own seed)."""
    spec = suite_file.load(suite_yaml).seeds
    if spec is None:
        return None
    try:
        return parse_seeds(spec)
    except argparse.ArgumentTypeError as e:
        raise BadSeeds('{}: seeds: {}'.format(suite_yaml, e)) from None


def _name(config: str) -> str:
    return os.path.basename(config)[:-len('.yaml')]


def planned_runs(configs: Sequence[str], suite_out: str,
                 seeds: Sequence[int] | None) -> list[PlannedRun]:
    """Each run of the suite; with seeds, one run per seed and config in
    OUT/SUITE/seed_N/RUN, seed by seed."""
    if seeds is None:
        return [PlannedRun(_name(c), c, os.path.join(suite_out, _name(c)),
                           []) for c in configs]
    return [PlannedRun('seed_{}/{}'.format(s, _name(c)), c,
                       os.path.join(suite_out, 'seed_{}'.format(s),
                                    _name(c)),
                       ['seed={}'.format(s)]) for s in seeds for c in configs]


def unfinished_runs(configs: Sequence[str], suite_out: str,
                    seeds: Sequence[int] | None) -> list[PlannedRun]:
    """Every planned, unfinished run; a line for each finished one."""
    pending = []
    for run in planned_runs(configs, suite_out, seeds):
        if run_folder.is_finished(run.out):
            print('[skip]    {} (finished)'.format(run.name))
            continue
        pending.append(run)
    return pending
