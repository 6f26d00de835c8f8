"""scripts/study_e150.sh on a new machine, in a throwaway git repository
whose Makefile makes a fake .venv/bin/python that records its calls. The
repository holds what the script needs: itself and ``python -m experiments
restore`` (stdlib only, run by the system's python3)."""
import json
import os
import shutil
import subprocess

import pytest

from experiments.folders.repository import ROOT

#: ``python -m experiments restore`` and what it imports
RESTORE = ('experiments/__init__.py', 'experiments/__main__.py',
           'experiments/cli.py', 'experiments/commands.py',
           'experiments/errors.py',
           'experiments/folders/__init__.py',
           'experiments/folders/run_folder.py',
           'experiments/suite/__init__.py', 'experiments/suite/restore.py')
SUITE = ['-m', 'experiments', 'suite', 'fmnist_e150', '--seeds', '0-2',
         '--jobs', '2']
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
    for name in ('scripts/study_e150.sh',) + RESTORE:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
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
    # The committed run is back before the suite runner is first called.
    first_call = calls.split(' '.join(SUITE))[1]
    assert 'lb_kfac_mixup' in first_call
    assert (study / 'results/fmnist_e150/seed_0/lb_kfac_mixup/DONE').exists()
    assert [line.split(' --out ')[0] for line in calls.splitlines()
            if line.startswith('-m ')] == [' '.join(SUITE)] * 2
    assert ' --only lb_kfac_mixup lb_kfac_nomixup sb_kfac_mixup ' \
        'sb_kfac_nomixup\n' in calls


def test_study_commit_overrides_and_a_later_call_reuses_the_code(
        repo, tmp_path):
    repo, study_commit = repo
    head = git(repo, 'rev-parse', 'HEAD')
    study = tmp_path / 'study'
    start(repo, study, STUDY_COMMIT=head)
    assert git(study / 'code', 'rev-parse', 'HEAD') == head
    start(repo, study)
    assert git(study / 'code', 'rev-parse', 'HEAD') == head


def test_a_clone_from_before_the_command_runs_its_own_script(repo,
                                                             tmp_path):
    """The study's commit (ac90948) predates ``python -m experiments``:
    its clone runs its scripts/run_suite.py."""
    repo, _ = repo
    git(repo, 'rm', '-q', 'experiments/__main__.py')
    (repo / 'scripts' / 'run_suite.py').write_text('# the old runner\n')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm',
        'the code before the command')
    old = git(repo, 'rev-parse', 'HEAD')
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'revert',
        '--no-edit', old)                         # $SRC keeps the command
    study = tmp_path / 'study'
    calls = start(repo, study, STUDY_COMMIT=old)
    assert git(study / 'code', 'rev-parse', 'HEAD') == old
    assert calls.count('scripts/run_suite.py fmnist_e150 --seeds 0-2 '
                       '--jobs 2') == 2
    assert '-m experiments' not in calls


def test_a_relative_study_folder(repo, tmp_path):
    repo, study_commit = repo
    calls = study_in(tmp_path, repo)
    assert git(tmp_path / 'rel' / 'code', 'rev-parse', 'HEAD') == \
        study_commit
    assert (tmp_path / 'rel/results/fmnist_e150/seed_0/lb_kfac_mixup/DONE'
            ).exists()
    assert calls.count(' '.join(SUITE)) == 2


def study_in(cwd, repo):
    """The script run from ``cwd`` with the study folder ``rel``."""
    calls = cwd / 'calls.txt'
    env = dict(os.environ, CALLS=str(calls), RESULTS=str(cwd / 'rel' /
                                                          'results'))
    subprocess.run(['bash', str(repo / 'scripts' / 'study_e150.sh'), 'rel'],
                   check=True, env=env, capture_output=True, cwd=str(cwd))
    return calls.read_text()
