"""Choose and load the checkpoint to resume from, agreed by all ranks.

``--resume auto``: the newest epoch N such that the commit marker
``snapshot_epoch_N.complete`` exists (rank 0's folder) and every rank's own
``snapshot_epoch_N[.rank<r>]`` is present and a readable zip. Rank 0
broadcasts the committed epochs, every rank filters them by its own files,
the ranks allgather the filtered lists and all take the newest epoch in
every list (see experiments/checkpoint.py for how checkpoints are written).
Skipped epochs are reported by rank 0 with the file and the reason.
"""
import os
import shutil
import sys
import zipfile
from collections.abc import Callable
from typing import Any

import numpy

from chainer_kfac.distributed import KFACCommunicator
from experiments.folders import safe_files
from experiments.folders import snapshots
from experiments.train import checkpoint
from experiments.train import failure
from experiments.train import rank_agreement
from experiments.train import resume_check
from experiments.data.data_info import DataInfo
from experiments.train.config_file import Config

Comm = KFACCommunicator | None


def unreadable_reason(path: str) -> str | None:
    """None if ``path`` is a complete zip, else why not."""
    if not os.path.isfile(path):
        return 'missing'
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        return 'truncated or corrupt ({})'.format(e)
    return None if bad is None else 'corrupt member {}'.format(bad)


def agreed_epoch(out: str, comm: Comm = None) -> int | None:
    """The newest epoch every rank can load (None: none), after warning
    about each newer committed epoch that is skipped, and why."""
    rank = 0 if comm is None else comm.rank
    committed = sorted(checkpoint.committed_epochs(out)) if rank == 0 else []
    epochs: list[int] = committed if comm is None else comm.bcast_obj(
        committed, root=0)
    problems: dict[int, str] = {}
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


def uncommitted_snapshots(out: str, comm: Comm = None) -> list[str]:
    """This rank's ``snapshot_epoch_N`` files without a commit marker (a
    run that stopped while writing them)."""
    rank, size = checkpoint.rank_and_size(comm)
    mine = None if size == 1 else rank
    committed = checkpoint.committed_epochs(out)
    names = []
    for name in snapshots.checkpoint_files(out):
        parsed = snapshots.parse(name)
        if parsed is not None and not parsed.marker and \
                parsed.rank == mine and parsed.epoch not in committed and \
                name.endswith(checkpoint.rank_suffix(comm)):
            names.append(name)
    return sorted(names)


def load(trainer: Any, path: str) -> str:
    """Load a Trainer snapshot, after checking that it is a complete zip."""
    reason = unreadable_reason(path)
    if reason:
        raise checkpoint.CheckpointError(
            'snapshot {} is {} (--resume takes a snapshot_epoch_N file from '
            "the run's output folder, or `auto` for the newest complete "
            'checkpoint)'.format(path, reason))
    try:
        safe_files.load_npz(path, trainer)
    except safe_files.UnsafeFile as error:
        raise checkpoint.CheckpointError(
            'cannot resume: {}'.format(error)) from error
    return path


def explicit_path(path: str, comm: Comm = None) -> str:
    """This rank's file of ``--resume PATH`` (PATH without ``.rank<r>``
    means this rank's file of that snapshot)."""
    suffix = checkpoint.rank_suffix(comm)
    if suffix and not path.endswith(suffix):
        return path + suffix
    return path


def plan(resume_arg: str | None, out: str, config: Config,
         comm: Comm = None, overwrite: bool = False) -> str | None:
    """The snapshot path this rank loads (None: start from the beginning),
    after refusing (on every rank together) a folder of another
    experiment, a change of rank count or of config, or per-rank files of
    different steps or that disagree in state the ranks share
    (experiments/train/rank_agreement.py). ``resume_arg``: None,
    ``'auto'`` or a snapshot path; ``overwrite``: delete the run files in
    ``out`` and start afresh."""
    rank = 0 if comm is None else comm.rank
    if overwrite:
        refuse_if(lambda: _clear(out) if rank == 0 else None, comm)
        return None
    folder = out if resume_arg in (None, 'auto') else os.path.dirname(
        resume_arg)
    if not resume_arg or os.path.realpath(folder) != os.path.realpath(out):
        refuse_if(lambda: resume_check.folder_refusal(out, config), comm)
    if not resume_arg:
        return None
    size = 1 if comm is None else comm.size
    refuse_if(lambda: resume_check.rank_refusal(out, size), comm)
    saved = os.path.join(folder, 'config.yaml')
    note = refuse_if(lambda: resume_check.config_refusal(
        saved, config, required=resume_arg != 'auto' or bool(
            checkpoint.committed_epochs(out))), comm, pair=True)
    if resume_arg == 'auto':
        epoch = agreed_epoch(out, comm)
        if epoch is None:
            _say_fresh_start(out, comm)
            return None
        path = os.path.join(out, checkpoint.snapshot_name(epoch, comm))
        shown = os.path.join(out, checkpoint.snapshot_name(epoch))
    else:
        path = explicit_path(resume_arg, comm)
        _check_same_step(path, comm)
        shown = resume_arg
    rank_agreement.check(path, shown, comm)
    if note and rank == 0:
        print('resuming with changed settings (allowed): ' + note)
    return path


def _clear(out: str) -> None:
    names = resume_check.run_files(out)
    for name in names:
        path = os.path.join(out, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)
    if names:
        print('--overwrite: deleted {} file(s) of the previous run in '
              '{}'.format(len(names), out))


def _check_same_step(path: str, comm: Comm) -> None:
    """Every rank's file of an explicit ``--resume`` is readable and all
    stand for the same iteration; else a refusal naming each file."""
    reason = unreadable_reason(path)
    step = None if reason else snapshot_iteration(path)
    everyone = [(path, reason, step)] if comm is None else \
        comm.allgather_obj((path, reason, step))
    if all(r is None for _, r, _ in everyone) and \
            len({s for _, _, s in everyone}) == 1:
        return
    lines = ['  {} is {}'.format(p, r) if r else
             '  {} stands for iteration {}'.format(p, s)
             for p, r, s in everyone]
    failure.raise_on_every_rank(
        'cannot resume from {}: the ranks\' files do not stand for one '
        'step:\n{}\nResume from files that all ranks wrote at the same '
        'step, or with --resume auto (the last complete '
        'checkpoint).'.format(explicit_path(path, None), '\n'.join(lines)),
        comm)


def snapshot_iteration(path: str) -> int:
    """The iteration a Trainer snapshot stands for."""
    with numpy.load(path, allow_pickle=False) as data:
        return int(data['updater/iteration'])


def check_data(folder: str, info: DataInfo, comm: Comm = None) -> None:
    """Refuse (every rank) a resume on data other than the run's."""
    refuse_if(lambda: resume_check.data_refusal(folder, info), comm)


def refuse_if(check: Callable[[], Any], comm: Comm, pair: bool = False
              ) -> str | None:
    """Rank 0 runs ``check``; a message refuses the start on every rank."""
    rank = 0 if comm is None else comm.rank
    result: Any = check() if rank == 0 else None
    if comm is not None:
        result = comm.bcast_obj(result, root=0)
    message, note = result if pair else (result, None)
    if message:
        failure.raise_on_every_rank(message, comm)
    return note


def _say_fresh_start(out: str, comm: Comm) -> None:
    stale = uncommitted_snapshots(out, comm)
    if stale and (comm is None or comm.rank == 0):
        sys.stderr.write(
            'warning: ignoring {} in {}: no commit marker (the run stopped '
            'while writing it)\n'.format(', '.join(stale), out))
    if comm is None or comm.rank == 0:
        print('no complete checkpoint in {}: starting from the '
              'beginning'.format(out))
