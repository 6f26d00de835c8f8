"""The names of a run's checkpoint files: the one place that spells them.

At the end of epoch N every rank r of an R-rank run writes
``snapshot_epoch_N.rank<r>`` (``snapshot_epoch_N`` for a single process),
first as ``tmpsnapshot_epoch_N...`` and then renamed; rank 0 then writes the
commit marker ``snapshot_epoch_N.complete`` (experiments/train/checkpoint.py
says what it holds). Every reader (resume, the resume checks, sharpness,
the suite runner, the GPU suite packer, fault injection) builds and parses
the names here.
"""
import glob
import os
import re
from typing import NamedTuple

PREFIX = 'snapshot_epoch_'
TEMPORARY_PREFIX = 'tmp' + PREFIX
MARKER_SUFFIX = '.complete'
#: names a run folder's checkpoint files start with (``--overwrite``
#: removes them)
PREFIXES = (PREFIX, TEMPORARY_PREFIX)

_NAME = re.compile(r'^snapshot_epoch_(\d+)(?:\.rank(\d+))?(\.complete)?$')


class SnapshotName(NamedTuple):
    """A parsed checkpoint file name."""
    epoch: int
    rank: int | None     # None: a single process's file (or the marker)
    marker: bool         # the commit marker ``snapshot_epoch_N.complete``


def rank_suffix(rank: int, size: int) -> str:
    """``''`` for a single process, ``'.rank<r>'`` under MPI."""
    return '' if size == 1 else '.rank{}'.format(rank)


def snapshot_name(epoch: int, rank: int = 0, size: int = 1) -> str:
    """The file rank ``rank`` of ``size`` writes at the end of ``epoch``."""
    return '{}{}{}'.format(PREFIX, epoch, rank_suffix(rank, size))


def marker_name(epoch: int) -> str:
    """The commit marker of the checkpoint of ``epoch``."""
    return '{}{}{}'.format(PREFIX, epoch, MARKER_SUFFIX)


def parse(name: str) -> SnapshotName | None:
    """The parts of a checkpoint file's base name; None for any other."""
    found = _NAME.match(name)
    if found is None:
        return None
    rank = None if found.group(2) is None else int(found.group(2))
    return SnapshotName(int(found.group(1)), rank, found.group(3) is not None)


def checkpoint_files(folder: str) -> list[str]:
    """The base names of the (non-temporary) checkpoint files in
    ``folder``, markers included, sorted."""
    return sorted(os.path.basename(p)
                  for p in glob.glob(os.path.join(folder, PREFIX + '*'))
                  if parse(os.path.basename(p)) is not None)


def marked_epochs(folder: str) -> list[int]:
    """The epochs whose commit marker is in ``folder``, ascending."""
    return sorted(parsed.epoch for parsed in map(parse, checkpoint_files(
        folder)) if parsed is not None and parsed.marker)
