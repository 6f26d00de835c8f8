"""Consistent checkpoints: complete on every rank, or absent.

Writing (at the end of every ``snapshot_every``-th epoch N):

1. every rank r saves the whole Trainer into ``tmpsnapshot_epoch_N...`` and
   renames it to ``snapshot_epoch_N`` (``.rank<r>`` under MPI);
2. all ranks meet in a barrier;
3. rank 0 writes the commit marker ``snapshot_epoch_N.complete`` (JSON:
   epoch, iteration, ranks), also through a temporary file and a rename.

A checkpoint exists if and only if its marker does: a kill between the
ranks' writes (rank 1 has epoch 20, rank 0 only 19) leaves no marker for 20.

Resuming (``--resume auto``): rank 0 broadcasts its committed epochs; each
rank keeps those whose own file is present and a readable zip; the ranks
allgather their lists and take the newest epoch in every list, so all ranks
load the same epoch. A missing or truncated file makes every rank fall back
to the previous checkpoint, with a warning that names the file.
"""
import errno
import gc
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from typing import Any

import chainer
from chainer import training

from chainer_kfac.distributed import KFACCommunicator
from experiments.errors import StudyError
from experiments.folders import snapshots


class CheckpointError(StudyError, RuntimeError):
    """A checkpoint cannot be written or read; the message says what to do."""


def rank_and_size(comm: KFACCommunicator | None) -> tuple[int, int]:
    """``(rank, size)`` of ``comm``; ``(0, 1)`` for a single process."""
    return (0, 1) if comm is None else (comm.rank, comm.size)


def rank_suffix(comm: KFACCommunicator | None) -> str:
    """This rank's file-name suffix (experiments/folders/snapshots.py)."""
    return snapshots.rank_suffix(*rank_and_size(comm))


def snapshot_name(epoch: int, comm: KFACCommunicator | None = None) -> str:
    """This rank's checkpoint file of ``epoch``."""
    return snapshots.snapshot_name(epoch, *rank_and_size(comm))


def marker_path(out: str, epoch: int) -> str:
    return os.path.join(out, snapshots.marker_name(epoch))


class ConsistentSnapshot(training.Extension):
    """Write a checkpoint that is complete on all ranks or absent."""

    priority = -100   # after LogReport/PlotReport, like Chainer's snapshot

    def __init__(self, comm: KFACCommunicator | None = None) -> None:
        self.comm = comm

    def __call__(self, trainer: Any) -> None:
        updater = trainer.updater
        path = os.path.join(trainer.out, snapshot_name(updater.epoch,
                                                       self.comm))
        save_atomically(path, lambda tmp: chainer.serializers.save_npz(
            tmp, trainer))
        if self.comm is not None:
            self.comm.barrier()
        if self.comm is None or self.comm.rank == 0:
            info = {'epoch': updater.epoch, 'iteration': updater.iteration,
                    'ranks': 1 if self.comm is None else self.comm.size}
            save_atomically(marker_path(trainer.out, updater.epoch),
                            lambda tmp: _write_json(tmp, info))


class ErrorSnapshot(training.Extension):
    """On an error, save the Trainer to ``snapshot_error_iter_N[.rankR]``
    (for inspection or an explicit ``--resume``). A stop on a signal comes
    at the same iteration on every rank, after all of that iteration's
    extensions (experiments/failure.py), so these files continue exactly.
    A failed write (full disk) is reported in one line and does not hide
    the error that stopped the run."""

    def __init__(self, comm: KFACCommunicator | None = None) -> None:
        self.comm = comm

    def __call__(self, trainer: Any) -> None:
        pass

    def on_error(self, trainer: Any, exc: BaseException, tb: Any) -> None:
        path = os.path.join(trainer.out, 'snapshot_error_iter_{}{}'.format(
            trainer.updater.iteration, rank_suffix(self.comm)))
        try:
            save_atomically(path, lambda tmp: chainer.serializers.save_npz(
                tmp, trainer))
        except Exception as e:
            sys.stderr.write('warning: no snapshot on error: {}\n'.format(e))


def save_json(path: str, data: Any, **kwargs: Any) -> None:
    """Write ``data`` as JSON atomically (a full disk: CheckpointError)."""
    save_atomically(path, lambda tmp: _write_json(tmp, data, **kwargs))


def _write_json(path: str, data: Any, **kwargs: Any) -> None:
    with open(path, 'w') as f:
        json.dump(data, f, **kwargs)
        f.flush()
        os.fsync(f.fileno())


def save_atomically(path: str, save: Callable[[str], object]) -> None:
    """``save(tmp)`` then rename tmp to ``path``; a full disk says so."""
    out, name = os.path.split(path)
    fd, tmp = tempfile.mkstemp(prefix='tmp' + name, dir=out or '.')
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())      # as open() would, not 0600
    try:
        save(tmp)
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        if _disk_full(e, out):
            _release(e)
            raise CheckpointError(
                'the disk holding {} is full: {} could not be written. Free '
                'some space, then continue with --resume auto (from the last '
                'complete checkpoint).'.format(out or '.', path)) from e
        raise


def _release(exc: BaseException | None) -> None:
    """Free what a failed write left in ``exc``'s frames now: numpy's
    ZipFile, whose file the error closed, would report "seek of closed
    file" when collected later (the noise after ENOSPC)."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        while exc is not None:
            traceback.clear_frames(exc.__traceback__)
            exc = exc.__cause__ or exc.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _disk_full(exc: BaseException | None, folder: str) -> bool:
    """ENOSPC anywhere in the chain (zipfile hides it behind 'seek of
    closed file'), or no free bytes left in ``folder``."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC,
                                                      errno.EDQUOT):
            return True
        exc = exc.__cause__ or exc.__context__
    try:
        return shutil.disk_usage(folder or '.').free == 0
    except OSError:
        return False


def remove_stale_temporaries(out: str,
                             comm: KFACCommunicator | None = None
                             ) -> list[str]:
    """Delete ``tmpsnapshot_*`` files/folders of this rank that a killed run
    left behind; returns their names."""
    suffix = rank_suffix(comm)
    pattern = re.compile(r'^tmpsnapshot_.*' + (
        re.escape(suffix) + r'(?!\d)' if suffix else ''))
    removed = []
    for path in glob.glob(os.path.join(out, 'tmpsnapshot_*')):
        name = os.path.basename(path)
        if not pattern.match(name) or (not suffix and '.rank' in name):
            continue
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)
        removed.append(name)
    return sorted(removed)


def committed_epochs(out: str) -> dict[int, dict[str, Any]]:
    """``{epoch: marker info}`` of the complete checkpoints in ``out``."""
    found = {}
    for name in snapshots.checkpoint_files(out):
        parsed = snapshots.parse(name)
        if parsed is None or not parsed.marker or parsed.rank is not None:
            continue
        path = os.path.join(out, name)
        try:
            with open(path) as f:
                found[parsed.epoch] = json.load(f)
        except (OSError, ValueError):
            found[parsed.epoch] = {'unreadable_marker': path}
    return found
