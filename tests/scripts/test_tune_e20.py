"""scripts/tune_e20.sh on a new machine, in a throwaway git repository
whose Makefile makes a fake .venv/bin/python that records its calls."""
import os
import shutil
import subprocess

import pytest

from experiments.folders.repository import ROOT
from tests.scripts.test_study_e150 import FAKE_PYTHON, MAKEFILE, git

COMMITTED = 'docs/results/tune/fmnist_e20'
TUNE = '-m experiments tune fmnist_e20 --jobs 2 --out {} --quiet'
SUITE = '-m experiments suite configs/fmnist_e20_tuned --seeds 0-2 ' \
    '--jobs 2 --out {}'


def commit(repo, message):
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
        message)
    return git(repo, 'rev-parse', 'HEAD')


@pytest.fixture
def repo(tmp_path):
    """Commit 1: the study's code; commit 2: its COMMIT and journal."""
    repo = tmp_path / 'repo'
    (repo / 'scripts').mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, 'scripts', 'tune_e20.sh'),
                repo / 'scripts')
    (repo / 'Makefile').write_text(MAKEFILE)
    (repo / 'fake_python').write_text(FAKE_PYTHON)
    git(repo, 'init', '-q')
    study_commit = commit(repo, 'study code')
    (repo / COMMITTED).mkdir(parents=True)
    (repo / COMMITTED / 'COMMIT').write_text(study_commit + '\n')
    (repo / COMMITTED / 'journal.log').write_text('{"op_code": 0}\n')
    commit(repo, 'the study so far')
    return repo, study_commit


def start(repo, study):
    calls = study / 'calls.txt'
    env = dict(os.environ, CALLS=str(calls), RESULTS=str(study / 'results'))
    subprocess.run(['bash', str(repo / 'scripts' / 'tune_e20.sh'),
                    str(study)], check=True, env=env, capture_output=True)
    return [line for line in calls.read_text().splitlines()
            if line.startswith('-m ')]


def test_a_new_machine_continues_the_committed_study(repo, tmp_path):
    repo, study_commit = repo
    study = tmp_path / 'study'
    calls = start(repo, study)
    assert git(study / 'code', 'rev-parse', 'HEAD') == study_commit
    journal = study / 'results' / 'tune' / 'fmnist_e20' / 'journal.log'
    assert journal.read_text() == '{"op_code": 0}\n'
    results = str(study / 'results')
    assert calls == [TUNE.format(results), SUITE.format(results)]


def test_a_longer_journal_here_is_kept(repo, tmp_path):
    repo, _ = repo
    study = tmp_path / 'study'
    journal = study / 'results' / 'tune' / 'fmnist_e20' / 'journal.log'
    journal.parent.mkdir(parents=True)
    journal.write_text('{"op_code": 0}\n{"op_code": 1}\n')
    start(repo, study)
    assert journal.read_text() == '{"op_code": 0}\n{"op_code": 1}\n'
