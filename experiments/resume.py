"""Choose and load the checkpoint to resume from, agreed by all ranks.

``--resume auto``: the newest epoch N such that the commit marker
``snapshot_epoch_N.complete`` exists (rank 0's folder) and every rank's own
``snapshot_epoch_N[.rank<r>]`` is present and a readable zip. Rank 0
broadcasts the committed epochs, every rank filters them by its own files,
the ranks allgather the filtered lists and all take the newest epoch in
every list (see experiments/checkpoint.py for how checkpoints are written).
Skipped epochs are reported by rank 0 with the file and the reason.
"""
import glob
import os
import re
import sys
import zipfile

import chainer

from experiments import checkpoint
from experiments import failure
from experiments import resume_check


def unreadable_reason(path):
    """None if ``path`` is a complete zip, else why not."""
    if not os.path.isfile(path):
        return 'missing'
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return 'truncated or corrupt ({})'.format(e)
    return None if bad is None else 'corrupt member {}'.format(bad)


def agreed_epoch(out, comm=None):
    """The newest epoch every rank can load (None: none), after warning
    about each newer committed epoch that is skipped, and why."""
    rank = 0 if comm is None else comm.rank
    epochs = sorted(checkpoint.committed_epochs(out)) if rank == 0 else None
    if comm is not None:
        epochs = comm.bcast_obj(epochs, root=0)
    problems = {}
    for epoch in epochs:
        path = os.path.join(out, checkpoint.snapshot_name(epoch, comm))
        reason = unreadable_reason(path)
        if reason:
            problems[epoch] = '{} is {}'.format(path, reason)
    mine = [e for e in epochs if e not in problems]
    everyone = [(mine, problems)] if comm is None else \
        comm.allgather_obj((mine, problems))
    common = set(epochs).intersection(*[set(m) for m, _ in everyone])
    chosen = max(common) if common else None
    if rank == 0:
        for epoch in sorted(epochs, reverse=True):
            if chosen is not None and epoch <= chosen:
                break
            why = '; '.join(p[epoch] for _, p in everyone if epoch in p)
            sys.stderr.write('warning: skipping checkpoint of epoch {}: {}; '
                             'falling back to an older one\n'.format(epoch,
                                                                     why))
    return chosen


def uncommitted_snapshots(out, comm=None):
    """This rank's ``snapshot_epoch_N`` files without a commit marker (a
    run that stopped while writing them)."""
    suffix = re.escape(checkpoint.rank_suffix(comm))
    committed = checkpoint.committed_epochs(out)
    names = []
    for path in glob.glob(os.path.join(out, 'snapshot_epoch_*')):
        m = re.match(r'snapshot_epoch_(\d+)' + suffix + '$',
                     os.path.basename(path))
        if m and int(m.group(1)) not in committed:
            names.append(os.path.basename(path))
    return sorted(names)


def load(trainer, path):
    """Load a Trainer snapshot, after checking that it is a complete zip."""
    reason = unreadable_reason(path)
    if reason:
        raise checkpoint.CheckpointError(
            'snapshot {} is {} (--resume takes a snapshot_epoch_N file from '
            "the run's output folder, or `auto` for the newest complete "
            'checkpoint)'.format(path, reason))
    chainer.serializers.load_npz(path, trainer)
    return path


def explicit_path(path, comm=None):
    """This rank's file of ``--resume PATH`` (PATH without ``.rank<r>``
    means this rank's file of that snapshot)."""
    suffix = checkpoint.rank_suffix(comm)
    if suffix and not path.endswith(suffix):
        return path + suffix
    return path


def plan(resume_arg, out, config, comm=None):
    """The snapshot path this rank loads (None: start from the beginning),
    after refusing (on every rank together) a change of rank count or of
    config. ``resume_arg``: None, ``'auto'`` or a snapshot path."""
    if not resume_arg:
        return None
    size = 1 if comm is None else comm.size
    _refuse_if(lambda: resume_check.rank_refusal(out, size), comm)
    if resume_arg == 'auto':
        epoch = agreed_epoch(out, comm)
        if epoch is None:
            _say_fresh_start(out, comm)
            return None
        path = os.path.join(out, checkpoint.snapshot_name(epoch, comm))
        folder = out
    else:
        path = explicit_path(resume_arg, comm)
        folder = os.path.dirname(os.path.abspath(resume_arg))
    saved = os.path.join(folder, 'config.yaml')
    note = _refuse_if(lambda: resume_check.config_refusal(saved, config),
                      comm, pair=True)
    if note and (comm is None or comm.rank == 0):
        print('resuming with changed settings (allowed): ' + note)
    return path


def _refuse_if(check, comm, pair=False):
    """Rank 0 runs ``check``; a message refuses the start on every rank."""
    rank = 0 if comm is None else comm.rank
    result = check() if rank == 0 else None
    if comm is not None:
        result = comm.bcast_obj(result, root=0)
    message, note = result if pair else (result, None)
    if message:
        failure.exit_error(message, comm)
    return note


def _say_fresh_start(out, comm):
    stale = uncommitted_snapshots(out, comm)
    if stale and (comm is None or comm.rank == 0):
        sys.stderr.write(
            'warning: ignoring {} in {}: no commit marker (the run stopped '
            'while writing it)\n'.format(', '.join(stale), out))
    if comm is None or comm.rank == 0:
        print('no complete checkpoint in {}: starting from the '
              'beginning'.format(out))
