"""The faults' readers of a run folder: the newest error snapshot and the
folder's state (what a refused foreign start must leave alone)."""
import os
import random

from experiments.checks import injections


def test_newest_error_snapshot_of_any_rank(tmp_path):
    out = str(tmp_path)
    assert injections.newest_error_snapshot(out) is None
    for i, name in enumerate(('snapshot_error_iter_8.rank0',
                              'snapshot_error_iter_16.rank1',
                              'snapshot_error_iter_12', 'snapshot_epoch_2',
                              'snapshot_error_iter_20.tmp')):
        (tmp_path / name).write_text('x')
        os.utime(tmp_path / name, (1000 + i, 1000 + i))
    assert injections.newest_error_snapshot(out) == os.path.join(
        out, 'snapshot_error_iter_12')


def test_folder_state_hashes_every_file_but_the_training_log(tmp_path):
    (tmp_path / 'log').write_text('[]')
    (tmp_path / 'train.log').write_text('output')
    (tmp_path / 'sub').mkdir()
    state = injections.folder_state(str(tmp_path))
    assert list(state) == ['log']
    (tmp_path / 'train.log').write_text('more output')
    assert injections.folder_state(str(tmp_path)) == state
    (tmp_path / 'log').write_text('[{}]')
    assert injections.folder_state(str(tmp_path)) != state


def test_a_foreign_start_is_skipped_before_the_first_config(tmp_path):
    assert injections.inject_foreign(str(tmp_path), 1, random.Random(0),
                                     1.0, 1.0) == 'skipped'
    assert set(injections.INJECT) == {'kill', 'exit0', 'sigterm', 'foreign'}
