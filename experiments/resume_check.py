"""Refuse a resume that would not continue the same run.

A checkpoint's state means something only under the config and the number
of ranks that wrote it: another optimizer, batch size, dataset, seed, Mixup
or K-FAC setting would silently mix two experiments, and another rank count
changes each rank's data shard and per-rank batch. So a resume compares the
new resolved config with the run's ``config.yaml`` and refuses any change
outside :data:`experiments.config.RESUME_SAFE` (listing every differing
key), and refuses checkpoints written by another number of ranks.
"""
import glob
import os
import re

import yaml

from experiments import checkpoint
from experiments import config as config_module


def differences(saved, new, prefix=''):
    """``[(dotted key, saved value, new value)]`` where they differ."""
    diffs = []
    for key in sorted(set(saved) | set(new)):
        old, cur = saved.get(key), new.get(key)
        if isinstance(old, dict) and isinstance(cur, dict):
            diffs += differences(old, cur, prefix + key + '.')
        elif old != cur:
            diffs.append((prefix + key, old, cur))
    return diffs


def config_refusal(saved_path, new_config):
    """``(refusal message or None, note on allowed changes or None)``."""
    if not os.path.isfile(saved_path):
        return ('cannot resume: {} is missing, so the checkpoint\'s config '
                'cannot be checked; restore it or start a new --out'.format(
                    saved_path), None)
    with open(saved_path) as f:
        saved = config_module.validate(yaml.safe_load(f) or {},
                                       {'': saved_path})
    diffs = differences(saved, new_config)
    safe = [d for d in diffs if d[0] in config_module.RESUME_SAFE]
    unsafe = [d for d in diffs if d[0] not in config_module.RESUME_SAFE]
    note = '; '.join('{}: {!r} -> {!r} ({})'.format(
        k, a, b, config_module.RESUME_SAFE[k]) for k, a, b in safe) or None
    if not unsafe:
        return None, note
    lines = ['  {}: {!r} in {} -> {!r} now'.format(k, a, saved_path, b)
             for k, a, b in unsafe]
    return ('cannot resume: the config differs from the run\'s in {} '
            'key(s):\n{}\nA checkpoint continues the same experiment; use '
            'the original values or a new --out. Changes allowed on resume: '
            '{}.'.format(len(unsafe), '\n'.join(lines),
                         ', '.join(sorted(config_module.RESUME_SAFE))), None)


def rank_refusal(out, size):
    """A message if ``out`` holds checkpoints of another rank count."""
    for epoch, info in sorted(checkpoint.committed_epochs(out).items()):
        if info.get('ranks', size) != size:
            return _rank_message(out, info['ranks'], size,
                                 'snapshot_epoch_{}.complete'.format(epoch))
    names = [os.path.basename(p) for p in glob.glob(os.path.join(
        out, 'snapshot_*')) if not p.endswith(checkpoint.MARKER_SUFFIX)]
    ranks = [int(m.group(1)) for m in (re.search(r'\.rank(\d+)$', n)
                                       for n in names) if m]
    if ranks and (size == 1 or max(ranks) >= size):
        return _rank_message(out, '{} or more'.format(max(ranks) + 1), size,
                             'files ending in .rank0...rank{}'.format(
                                 max(ranks)))
    plain = [n for n in names if n.startswith('snapshot_epoch_') and
             not re.search(r'\.rank\d+$', n)]
    if plain and size > 1:
        return _rank_message(out, 1, size, plain[0])
    return None


def _rank_message(out, had, size, evidence):
    return ('cannot resume: {} holds checkpoints of a {}-rank run ({}), '
            'this run has {} rank(s). Each rank\'s data shard and batch '
            'depend on the rank count: resume with `mpiexec -n {}`, or use '
            'a new --out.'.format(out, had, evidence, size, had))
