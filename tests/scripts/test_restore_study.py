"""restore_study.py on run folders laid out as collect_results commits them."""
import json
import os
import subprocess
import sys

import pytest

from experiments.suite import restore as restore_study

SCRIPT = os.path.join(os.path.dirname(restore_study.__file__),
                      'restore_study.py')
SHA = 'ac9094845e0ff903e323d27870e72761a9c73c4d'


def committed_run(root, rel, commit=SHA, dirty=False, done=True):
    folder = root / rel
    folder.mkdir(parents=True)
    (folder / 'config.yaml').write_text('seed: 0\n')
    (folder / 'env.json').write_text(json.dumps(
        {'git': {'commit': commit, 'dirty': dirty}}))
    if done:
        (folder / 'DONE').write_text('finished at iteration 10\n')
    return folder


@pytest.fixture
def committed(tmp_path):
    root = tmp_path / 'fmnist_e150'
    committed_run(root, 'seed_0/sb_kfac_mixup')
    committed_run(root, 'seed_1/lb_kfac_nomixup')
    committed_run(root, 'seed_2/sb_kfac_mixup', done=False)
    (root / 'report.md').write_text('# report\n')
    return root


def test_finished_runs_are_the_folders_with_done(committed):
    assert restore_study.finished_runs(str(committed)) == [
        'seed_0/sb_kfac_mixup', 'seed_1/lb_kfac_nomixup']


def test_recorded_commit_is_the_shared_one(committed):
    runs = restore_study.finished_runs(str(committed))
    assert restore_study.recorded_commit(str(committed), runs) == SHA
    assert restore_study.recorded_commit(str(committed), []) is None


def test_runs_on_two_commits_are_named_in_the_error(committed):
    committed_run(committed, 'seed_2/lb_sgd_mixup', commit='f' * 40)
    runs = restore_study.finished_runs(str(committed))
    with pytest.raises(SystemExit) as err:
        restore_study.recorded_commit(str(committed), runs)
    message = str(err.value)
    assert 'seed_2/lb_sgd_mixup' in message and 'f' * 40 in message
    assert 'seed_0/sb_kfac_mixup' in message and 'STUDY_COMMIT' in message


def test_a_dirty_or_missing_commit_is_refused(tmp_path):
    dirty = tmp_path / 'dirty'
    committed_run(dirty, 'seed_0/run', dirty=True)
    with pytest.raises(SystemExit, match='dirty'):
        restore_study.recorded_commit(str(dirty), ['seed_0/run'])
    missing = tmp_path / 'missing'
    (committed_run(missing, 'seed_0/run') / 'env.json').write_text('{}')
    with pytest.raises(SystemExit, match='no commit'):
        restore_study.recorded_commit(str(missing), ['seed_0/run'])
    (missing / 'seed_0/run/env.json').write_text('not json')
    with pytest.raises(SystemExit, match='env.json: cannot read'):
        restore_study.recorded_commit(str(missing), ['seed_0/run'])


def test_restore_copies_finished_runs_and_leaves_present_ones(
        committed, tmp_path):
    into = tmp_path / 'results' / 'fmnist_e150'
    present = into / 'seed_1' / 'lb_kfac_nomixup'
    present.mkdir(parents=True)
    (present / 'snapshot_iter_10').write_text('in progress')
    runs = restore_study.finished_runs(str(committed))
    copied = restore_study.restore(str(committed), str(into), runs)
    assert copied == ['seed_0/sb_kfac_mixup']
    assert (into / 'seed_0/sb_kfac_mixup/DONE').exists()
    assert not (present / 'DONE').exists()
    # The unfinished committed folder is not restored as if finished.
    assert not (into / 'seed_2').exists()
    assert restore_study.restore(str(committed), str(into), runs) == []


def test_command_line_prints_the_commit_or_restores(committed, tmp_path):
    out = subprocess.run([sys.executable, SCRIPT, str(committed)],
                         capture_output=True, text=True, check=True)
    assert out.stdout == SHA + '\n'
    into = tmp_path / 'into'
    out = subprocess.run(
        [sys.executable, SCRIPT, str(committed), '--into', str(into)],
        capture_output=True, text=True, check=True)
    assert out.stdout == ''
    assert '[restored] seed_0/sb_kfac_mixup' in out.stderr
    assert sorted(os.listdir(into)) == ['seed_0', 'seed_1']


def test_a_missing_committed_folder_names_it(tmp_path):
    with pytest.raises(SystemExit, match='nowhere: no such folder'):
        restore_study.main([str(tmp_path / 'nowhere')])
