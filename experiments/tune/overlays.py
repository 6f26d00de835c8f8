"""The tuned suite: one YAML overlay per cell with its best parameters.

For a suite's config folder ``configs/SUITE`` the tuned suite is
``configs/SUITE_tuned``: each cell's overlay has ``base:`` the cell's own
config and sets only the tuned keys, under a comment naming the study, the
trial and its objective; ``_suite.yaml`` is the original's with its
description marked tuned. ``python -m experiments suite
configs/SUITE_tuned`` then runs the tuned suite on the full training set,
exactly as the untuned one (only the hyperparameters differ).
"""
import os
from collections.abc import Mapping
from typing import Any

import optuna
import yaml

from experiments.tune.budget import FINISHED, trials_in
from experiments.tune.errors import TuneFileError

SUITE_FILE = '_suite.yaml'


def best_trial(study: optuna.Study) -> optuna.trial.FrozenTrial:
    """The complete trial with the highest objective."""
    return study.best_trial


def nested(params: Mapping[str, float]) -> dict[str, Any]:
    """``{'optimizer.lr': x}`` -> ``{'optimizer': {'lr': x}}``."""
    result: dict[str, Any] = {}
    for dotted, value in sorted(params.items()):
        *sections, key = dotted.split('.')
        place = result
        for section in sections:
            place = place.setdefault(section, {})
        place[key] = float(value)
    return result


def overlay_text(study: optuna.Study, cell: str, base: str,
                 objective: str) -> str:
    best = best_trial(study)
    assert best.value is not None     # a complete trial has its value
    done = trials_in(study, FINISHED)
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in done)
    header = ('# Tuned by `python -m experiments tune`: study {}, trial {} '
              '(of {} finished, {} pruned),\n# {} {:.4f} on the held-out '
              'split. Only the tuned keys are set here.\n').format(
                  study.study_name, best.number, len(done), pruned, objective,
                  best.value)
    body = {'base': base, 'description': '{} (tuned)'.format(cell)}
    body.update(nested(best.params))
    return header + yaml.safe_dump(body, sort_keys=False)


def write_overlays(studies: Mapping[str, optuna.Study], source: str,
                   into: str, objective: str) -> list[str]:
    """Write ``into/CELL.yaml`` for every cell and ``into/_suite.yaml``;
    returns the paths written."""
    os.makedirs(into, exist_ok=True)
    written = []
    for cell, study in sorted(studies.items()):
        base = os.path.relpath(os.path.join(source, cell + '.yaml'), into)
        path = os.path.join(into, cell + '.yaml')
        with open(path, 'w') as f:
            f.write(overlay_text(study, cell, base, objective))
        written.append(path)
    written.append(write_suite_file(source, into))
    return written


def check_source(source: str) -> None:
    """Refuse, before any trial, a folder whose tuned suite could not run
    (it has no suite file to copy)."""
    if not os.path.isfile(os.path.join(source, SUITE_FILE)):
        raise TuneFileError(
            '{}: no {}, so the tuned suite written at the end could not '
            'run: add one (configs/fmnist_e20/{} is an example) or pass '
            '--no-overlays'.format(source, SUITE_FILE, SUITE_FILE))


def write_suite_file(source: str, into: str) -> str:
    with open(os.path.join(source, SUITE_FILE)) as f:
        suite = yaml.safe_load(f)
    suite['description'] = '{} (tuned: {})'.format(
        suite.get('description', ''), os.path.basename(source.rstrip('/')))
    path = os.path.join(into, SUITE_FILE)
    with open(path, 'w') as f:
        f.write('# Written by `python -m experiments tune`: the suite file '
                'of {}, description marked tuned.\n'.format(source))
        yaml.safe_dump(suite, f, sort_keys=False)
    return path
