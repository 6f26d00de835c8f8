"""Which checkpoint files count (experiments/train/checkpoint.py,
resume.py, resume_check.py, all through experiments/folders/snapshots.py):
a checkpoint is committed by its marker, a rank's file without one is
uncommitted, and the rank-count refusal names the files it saw."""
import json
import types

from experiments.train import checkpoint
from experiments.train import resume
from experiments.train import resume_check


def comm(rank, size):
    return types.SimpleNamespace(rank=rank, size=size)


def touch(folder, *names):
    for name in names:
        (folder / name).write_text('')


def test_committed_epochs_are_those_with_a_marker(tmp_path):
    (tmp_path / 'snapshot_epoch_1.complete').write_text(json.dumps(
        {'epoch': 1, 'iteration': 8, 'ranks': 1}))
    touch(tmp_path, 'snapshot_epoch_4.complete', 'snapshot_epoch_1',
          'snapshot_epoch_3.rank0.complete', 'snapshot_epoch_x.complete',
          'tmpsnapshot_epoch_5.complete')
    assert checkpoint.committed_epochs(str(tmp_path)) == {
        1: {'epoch': 1, 'iteration': 8, 'ranks': 1},
        4: {'unreadable_marker': str(tmp_path /
                                     'snapshot_epoch_4.complete')}}


def test_names_of_a_rank(tmp_path):
    assert checkpoint.snapshot_name(3) == 'snapshot_epoch_3'
    assert checkpoint.snapshot_name(3, comm(0, 1)) == 'snapshot_epoch_3'
    assert checkpoint.snapshot_name(3, comm(1, 2)) == \
        'snapshot_epoch_3.rank1'
    assert checkpoint.marker_path('out', 3) == \
        'out/snapshot_epoch_3.complete'


def test_uncommitted_snapshots_of_this_rank(tmp_path):
    touch(tmp_path, 'snapshot_epoch_1', 'snapshot_epoch_1.complete',
          'snapshot_epoch_2', 'snapshot_epoch_2.rank1',
          'snapshot_epoch_2.rank01', 'snapshot_epoch_2.rank0',
          'snapshot_epoch_03', 'snapshot_error_iter_5')
    assert resume.uncommitted_snapshots(str(tmp_path)) == [
        'snapshot_epoch_03', 'snapshot_epoch_2']
    assert resume.uncommitted_snapshots(str(tmp_path), comm(1, 2)) == [
        'snapshot_epoch_2.rank1']
    assert resume.uncommitted_snapshots(str(tmp_path), comm(0, 2)) == [
        'snapshot_epoch_2.rank0']


def test_rank_refusal_names_what_it_saw(tmp_path):
    touch(tmp_path, 'snapshot_epoch_2')
    message = resume_check.rank_refusal(str(tmp_path), 2)
    assert '1-rank run (snapshot_epoch_2)' in message
    assert resume_check.rank_refusal(str(tmp_path), 1) is None
    (tmp_path / 'snapshot_epoch_2.complete').write_text(json.dumps(
        {'epoch': 2, 'iteration': 8, 'ranks': 4}))
    assert '4-rank run (snapshot_epoch_2.complete)' in \
        resume_check.rank_refusal(str(tmp_path), 1)
