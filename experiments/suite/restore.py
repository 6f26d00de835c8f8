"""Lay a study's committed runs back into its run folder on a new machine.

    python -m experiments restore docs/results/fmnist_e150   # the commit
    python -m experiments restore docs/results/fmnist_e150 \
        --into $HOME/kfac_study/results/fmnist_e150

A run committed under docs/results (config.yaml, env.json, log, DONE; no
snapshots, see experiments/suite/collect.py) is finished. Copied back into
the run folder, the suite runner skips it instead of training it again for
hours. Run folders already there are left alone, finished or not.

Without --into, it prints the one commit that every committed run's
env.json records: the study's frozen code, which scripts/study_e150.sh checks
out so that the runs still to come use the same code as those committed.
Runs on several commits, or on a dirty tree, are an error that names them;
set STUDY_COMMIT to choose.
Stdlib only, as is what ``python -m experiments restore`` imports on its
way here (experiments/cli.py, errors.py, folders/run_folder.py): it runs
with the system's python3 (3.10 or later) before any virtual environment
exists.
"""
import argparse
import collections
import json
import os
import shutil
import sys
from collections.abc import Sequence

from experiments.errors import StudyError
from experiments.folders.run_folder import finished_runs


class NoSharedCommit(StudyError):
    """The committed runs record no one clean commit; the message names
    the runs of each."""


class NoSuchFolder(StudyError):
    """The committed suite's folder is not there."""


def recorded_commit(root: str, runs: Sequence[str]) -> str | None:
    """The commit all runs' env.json record; None when there are no runs."""
    by_commit: dict[str, list[str]] = collections.defaultdict(list)
    for run in runs:
        by_commit[_commit_label(os.path.join(root, run, 'env.json'))].append(
            run)
    labels = list(by_commit)
    if len(labels) > 1 or any(' ' in label for label in labels):
        lines = ['  {}: {}'.format(c, ', '.join(r))
                 for c, r in sorted(by_commit.items())]
        raise NoSharedCommit(
            '{}: the committed runs do not share one clean commit:\n{}\nset '
            'STUDY_COMMIT to the commit the remaining runs should use'.format(
                root, '\n'.join(lines)))
    return labels[0] if labels else None


def _commit_label(env_json: str) -> str:
    """'<sha>', or '<sha> (dirty)' / 'unknown (no commit)' to reject."""
    try:
        with open(env_json) as f:
            git = json.load(f).get('git') or {}
    except (OSError, ValueError) as err:
        raise NoSharedCommit('{}: cannot read the run\'s commit ({}); set '
                             'STUDY_COMMIT to choose one'.format(env_json,
                                                                 err)
                             ) from err
    if not git.get('commit'):
        return 'unknown (no commit)'
    commit: str = git['commit']
    return commit + (' (dirty)' if git.get('dirty') else '')


def restore(root: str, into: str, runs: Sequence[str]) -> list[str]:
    """Copy each run missing from into; returns the runs copied."""
    copied = []
    for run in runs:
        dst = os.path.join(into, run)
        if os.path.exists(dst):
            continue
        shutil.copytree(os.path.join(root, run), dst)
        copied.append(run)
    return copied


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments restore',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('committed', help='the suite under docs/results')
    parser.add_argument('--into', help='the suite\'s run folder to fill')
    args = parser.parse_args(argv)
    if not os.path.isdir(args.committed):
        raise NoSuchFolder('{}: no such folder (the suite\'s committed '
                           'results)'.format(args.committed))
    runs = finished_runs(args.committed)
    if args.into:
        for run in restore(args.committed, args.into, runs):
            print('[restored] {}'.format(run), file=sys.stderr)
        return 0
    commit = recorded_commit(args.committed, runs)
    if commit:
        print(commit)
    return 0
