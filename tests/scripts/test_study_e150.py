"""scripts/study_e150.sh on a new machine, in a throwaway git repository
whose Makefile makes a fake .venv/bin/python that records its calls."""
import json
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# The fake interpreter records its arguments and what the run folder holds.
FAKE_PYTHON = ('#!/bin/sh\n'
               'echo "$*" >> "$CALLS"\n'
               'ls -R "$RESULTS" >> "$CALLS"\n')
MAKEFILE = '''venv:
\tmkdir -p .venv/bin
\tinstall -m 755 fake_python .venv/bin/python
fashion-mnist:
'''


def git(repo, *args):
    return subprocess.run(['git', '-C', str(repo), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """Commit 1 is the study's code; commit 2 commits a run made on it."""
    repo = tmp_path / 'repo'
    (repo / 'scripts').mkdir(parents=True)
    for name in ('scripts/study_e150.sh', 'scripts/restore_study.py',
                 'experiments/__init__.py', 'experiments/run_folder.py'):
        (repo / name).parent.mkdir(exist_ok=True)
        shutil.copy(os.path.join(ROOT, name), repo / name)
    (repo / 'Makefile').write_text(MAKEFILE)
    (repo / 'fake_python').write_text(FAKE_PYTHON)
    git(repo, 'init', '-q')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
        'study code')
    study_commit = git(repo, 'rev-parse', 'HEAD')
    run = repo / 'docs/results/fmnist_e150/seed_0/lb_kfac_mixup'
    run.mkdir(parents=True)
    (run / 'DONE').write_text('finished\n')
    (run / 'env.json').write_text(json.dumps(
        {'git': {'commit': study_commit, 'dirty': False}}))
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
        'a finished run')
    return repo, study_commit


def start(repo, study, **env):
    calls = study / 'calls.txt'
    env = dict(os.environ, CALLS=str(calls),
               RESULTS=str(study / 'results'), **env)
    subprocess.run(['bash', str(repo / 'scripts' / 'study_e150.sh'),
                    str(study)], check=True, env=env, capture_output=True)
    return calls.read_text()


def test_a_new_machine_uses_the_committed_runs_commit(repo, tmp_path):
    repo, study_commit = repo
    study = tmp_path / 'study'
    calls = start(repo, study)
    assert git(study / 'code', 'rev-parse', 'HEAD') == study_commit
    assert git(repo, 'rev-parse', 'HEAD') != study_commit
    # The committed run is back before run_suite.py is first called.
    first_call = calls.split('scripts/run_suite.py')[1]
    assert 'lb_kfac_mixup' in first_call
    assert (study / 'results/fmnist_e150/seed_0/lb_kfac_mixup/DONE').exists()
    assert calls.count('run_suite.py fmnist_e150 --seeds 0-2') == 2


def test_study_commit_overrides_and_a_later_call_reuses_the_code(
        repo, tmp_path):
    repo, study_commit = repo
    head = git(repo, 'rev-parse', 'HEAD')
    study = tmp_path / 'study'
    start(repo, study, STUDY_COMMIT=head)
    assert git(study / 'code', 'rev-parse', 'HEAD') == head
    start(repo, study)
    assert git(study / 'code', 'rev-parse', 'HEAD') == head
