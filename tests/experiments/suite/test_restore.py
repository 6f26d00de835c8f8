"""``python -m experiments restore`` on run folders laid out as
``python -m experiments collect`` commits them."""
import json
import os
import subprocess
import sys

import pytest

from experiments.errors import StudyError
from experiments.folders.repository import ROOT
from experiments.suite import restore as restore_study

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
    with pytest.raises(StudyError) as err:
        restore_study.recorded_commit(str(committed), runs)
    message = str(err.value)
    assert 'seed_2/lb_sgd_mixup' in message and 'f' * 40 in message
    assert 'seed_0/sb_kfac_mixup' in message and 'STUDY_COMMIT' in message


def test_a_dirty_or_missing_commit_is_refused(tmp_path):
    dirty = tmp_path / 'dirty'
    committed_run(dirty, 'seed_0/run', dirty=True)
    with pytest.raises(StudyError, match='dirty'):
        restore_study.recorded_commit(str(dirty), ['seed_0/run'])
    missing = tmp_path / 'missing'
    (committed_run(missing, 'seed_0/run') / 'env.json').write_text('{}')
    with pytest.raises(StudyError, match='no commit'):
        restore_study.recorded_commit(str(missing), ['seed_0/run'])
    (missing / 'seed_0/run/env.json').write_text('not json')
    with pytest.raises(StudyError, match='env.json: cannot read'):
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


def system_python(*args, **kwargs):
    """``python3 -m experiments restore`` as study_e150.sh runs it: the
    system's interpreter, no virtual environment, from the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ('VIRTUAL_ENV', 'PYTHONPATH')}
    return subprocess.run(['python3', '-m', 'experiments', 'restore', *args],
                          capture_output=True, text=True, cwd=ROOT, env=env,
                          **kwargs)


def test_command_line_prints_the_commit_or_restores(committed, tmp_path):
    out = system_python(str(committed), check=True)
    assert out.stdout == SHA + '\n'
    into = tmp_path / 'into'
    out = system_python(str(committed), '--into', str(into), check=True)
    assert out.stdout == ''
    assert '[restored] seed_0/sb_kfac_mixup' in out.stderr
    assert sorted(os.listdir(into)) == ['seed_0', 'seed_1']


def test_command_line_errors_are_one_message(committed):
    committed_run(committed, 'seed_2/lb_sgd_mixup', commit='f' * 40)
    out = system_python(str(committed))
    assert out.returncode == 1 and out.stdout == ''
    assert out.stderr.startswith('error: {}: the committed runs do not '
                                 'share one clean commit'.format(committed))
    assert 'Traceback' not in out.stderr


def test_the_command_imports_only_the_standard_library(committed):
    out = subprocess.run(
        [sys.executable, '-c', 'import sys; from experiments.cli import '
         'main; main(["restore", sys.argv[1]]); print(sorted({m.split(".")'
         '[0] for m in sys.modules} & {"yaml", "numpy", "chainer", '
         '"chainer_kfac"}))', str(committed)],
        capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [SHA, '[]']


def test_a_missing_committed_folder_names_it(tmp_path):
    with pytest.raises(StudyError, match='nowhere: no such folder'):
        restore_study.main([str(tmp_path / 'nowhere')])
