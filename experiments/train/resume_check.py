"""Refuse a resume that would not continue the same run.

A checkpoint's state means something only under the config and the number
of ranks that wrote it: another optimizer, batch size, dataset, seed, Mixup
or K-FAC setting would silently mix two experiments, and another rank count
changes each rank's data shard and per-rank batch. So a resume compares the
new resolved config with the run's ``config.yaml`` and refuses any change
outside :data:`experiments.config.RESUME_SAFE` (listing every differing
key), and refuses checkpoints written by another number of ranks. The
same comparison keeps a fresh start out of a folder that holds another
experiment (unless ``--overwrite``), and a resume compares the data's
content fingerprint (experiments/datasets.py) with the one the run recorded
in env.json. A ``config.yaml`` that cannot be read is named as such: its
keys are never replaced by defaults and then listed as differences.
"""
import glob
import json
import os
import re
from collections.abc import Mapping
from typing import Any

from experiments.data.data_info import DataInfo
from experiments.folders import run_folder
from experiments.folders import snapshots
from experiments.train import checkpoint
from experiments.train import config as config_module
from experiments.train.config_file import Config
from experiments.train.config_file import read_yaml

#: ``(dotted key, saved value, new value)``
Difference = tuple[str, Any, Any]


def differences(saved: Mapping[str, Any], new: Mapping[str, Any],
                prefix: str = '') -> list[Difference]:
    """``[(dotted key, saved value, new value)]`` where they differ."""
    diffs: list[Difference] = []
    for key in sorted(set(saved) | set(new)):
        old, cur = saved.get(key), new.get(key)
        if isinstance(old, dict) and isinstance(cur, dict):
            diffs += differences(old, cur, prefix + key + '.')
        elif old != cur:
            diffs.append((prefix + key, old, cur))
    return diffs


def saved_config(path: str) -> tuple[Config | None, str | None]:
    """``(config of the run's config.yaml, None)`` or ``(None, why it
    cannot be read)``: the refusal then names the file, not defaults."""
    try:
        return config_module.validate(read_yaml(path),
                                      {'': path}), None
    except (OSError, config_module.ConfigError) as e:
        return None, str(e)


def config_refusal(saved_path: str, new_config: Config,
                   required: bool = True
                   ) -> tuple[str | None, str | None]:
    """``(refusal message or None, note on allowed changes or None)``;
    ``required=False``: a missing ``config.yaml`` is no refusal."""
    if not os.path.isfile(saved_path):
        if not required:
            return None, None
        return ('cannot resume: {} is missing, so the checkpoint\'s config '
                'cannot be checked; restore it or start a new --out'.format(
                    saved_path), None)
    saved, why = saved_config(saved_path)
    if saved is None:
        return ('cannot resume: the run\'s config cannot be read, so the '
                'checkpoint\'s config cannot be checked: {}. Restore {} (it '
                'is the resolved config the run started with), or start a '
                'new --out'.format(why, saved_path), None)
    diffs = differences(saved, new_config)
    safe = [d for d in diffs if d[0] in config_module.RESUME_SAFE]
    unsafe = [d for d in diffs if d[0] not in config_module.RESUME_SAFE]
    note = '; '.join('{}: {!r} -> {!r} ({})'.format(
        k, a, b, config_module.RESUME_SAFE[k]) for k, a, b in safe) or None
    if not unsafe:
        return None, note
    return ('cannot resume: the config differs from the run\'s in {}A '
            'checkpoint continues the same experiment; use the original '
            'values or a new --out. Changes allowed on resume: {}.'.format(
                _listed(unsafe, saved_path),
                ', '.join(sorted(config_module.RESUME_SAFE))), None)


def _listed(diffs: list[Difference], saved_path: str) -> str:
    lines = ['  {}: {!r} in {} -> {!r} now'.format(k, a, saved_path, b)
             for k, a, b in diffs]
    return '{} key(s):\n{}\n'.format(len(diffs), '\n'.join(lines))


#: what a run writes in its folder (``--overwrite`` removes these).
RUN_FILES = (run_folder.CONFIG, 'log', 'env.json', run_folder.FINISHED,
             'loss.png', 'accuracy.png')
RUN_PREFIXES = ('snapshot_', 'tmpsnapshot_')


def run_files(out: str) -> list[str]:
    """The names of the files of a run in ``out``."""
    if not os.path.isdir(out):
        return []
    return sorted(n for n in os.listdir(out) if n in RUN_FILES or
                  n.startswith(RUN_PREFIXES))


def folder_refusal(out: str, new_config: Config) -> str | None:
    """A message if ``out`` holds a run of another experiment (its
    ``config.yaml`` differs outside RESUME_SAFE, cannot be read, or is
    missing beside the run's other files); None if ``out`` is free."""
    fix = ('Use another --out, or add --overwrite to delete that run\'s '
           'files ({}) and start afresh.'.format(', '.join(
               RUN_FILES + tuple(p + '*' for p in RUN_PREFIXES))))
    path = os.path.join(out, 'config.yaml')
    if not os.path.isfile(path):
        names = [n for n in run_files(out) if not n.startswith('tmp')]
        if not names:                   # leftovers alone are removed later
            return None
        return ('cannot start: {} holds the files of a run ({}) but no '
                'config.yaml, so what it holds cannot be checked. {}'.format(
                    out, ', '.join(names[:4]), fix))
    saved, why = saved_config(path)
    if saved is None:
        return ('cannot start: {} holds a run whose config cannot be read: '
                '{}. {}'.format(out, why, fix))
    unsafe = [d for d in differences(saved, new_config)
              if d[0] not in config_module.RESUME_SAFE]
    if not unsafe:
        return None
    return ('cannot start: {} holds another experiment; its config differs '
            'from this one in {}{}'.format(out, _listed(unsafe, path), fix))


def data_refusal(folder: str, info: DataInfo) -> str | None:
    """A message if the data of this start (``info['fingerprint']``)
    differs from the data the run in ``folder`` recorded in env.json."""
    try:
        with open(os.path.join(folder, 'env.json')) as f:
            recorded = json.load(f).get('dataset') or {}
    except (OSError, ValueError):
        recorded = {}
    old = recorded.get('fingerprint')
    if old is None or old == info.get('fingerprint'):
        return None
    return ('cannot resume on other data: the run in {} was trained on {} '
            '({}, sha256 {}), this start read {} ({}, sha256 {}). A '
            'checkpoint continues the same experiment; point `data_dir` at '
            'the same files, or use a new --out.'.format(
                folder, recorded.get('dataset'), recorded.get('path'), old,
                info.get('dataset'), info.get('path'),
                info.get('fingerprint')))


def rank_refusal(out: str, size: int) -> str | None:
    """A message if ``out`` holds checkpoints of another rank count."""
    for epoch, info in sorted(checkpoint.committed_epochs(out).items()):
        if info.get('ranks', size) != size:
            return _rank_message(out, info['ranks'], size,
                                 snapshots.marker_name(epoch))
    names = [os.path.basename(p) for p in glob.glob(os.path.join(
        out, 'snapshot_*')) if not p.endswith(snapshots.MARKER_SUFFIX)]
    ranks = [int(m.group(1)) for m in (re.search(r'\.rank(\d+)$', n)
                                       for n in names) if m]
    if ranks and (size == 1 or max(ranks) >= size):
        return _rank_message(out, '{} or more'.format(max(ranks) + 1), size,
                             'files ending in .rank0...rank{}'.format(
                                 max(ranks)))
    plain = [n for n in names if n.startswith(snapshots.PREFIX) and
             not re.search(r'\.rank\d+$', n)]
    if plain and size > 1:
        return _rank_message(out, 1, size, plain[0])
    return None


def _rank_message(out: str, had: object, size: int, evidence: str) -> str:
    return ('cannot resume: {} holds checkpoints of a {}-rank run ({}), '
            'this run has {} rank(s). Each rank\'s data shard and batch '
            'depend on the rank count: resume with `mpiexec -n {}`, or use '
            'a new --out.'.format(out, had, evidence, size, had))
