"""Which code produced a result: the git commit and whether the work tree
had uncommitted changes (``dirty``), for env.json and the report."""
import subprocess
from typing import NotRequired, TypedDict

from experiments.folders.repository import ROOT


class GitState(TypedDict):
    """``commit`` (None outside a git work tree), ``dirty`` (None there
    too) and, where they are None, the ``error`` that says why."""
    commit: str | None
    dirty: bool | None
    error: NotRequired[str]


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(['git', '-C', ROOT, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=30)


def git_state() -> GitState:
    """{'commit': sha, 'dirty': bool} of the repository holding this code,
    or {'commit': None, 'dirty': None, 'error': why} outside a git work
    tree or without git (an installed copy): stated, not guessed."""
    try:
        head = _git('rev-parse', 'HEAD')
        status = _git('status', '--porcelain', '--untracked-files=no')
    except (OSError, subprocess.SubprocessError) as e:
        return {'commit': None, 'dirty': None, 'error': str(e)}
    if head.returncode != 0 or status.returncode != 0:
        return {'commit': None, 'dirty': None,
                'error': (head.stderr or status.stderr).strip()}
    return {'commit': head.stdout.strip(),
            'dirty': bool(status.stdout.strip())}
