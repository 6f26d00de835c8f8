"""The four faults fault injection inflicts on a run, and what each outcome
means (``python -m experiments fault-injection``'s docstring describes
them): ``kill``, ``exit0``, ``sigterm`` and ``foreign``. Each returns its
outcome as a short text; :data:`CLEAN` lists those that are no failure.
"""
import glob
import hashlib
import os
import random
import re
import signal
import subprocess
import time
from collections.abc import Callable

from experiments.checks.faulty_run import FOREIGN, ended, rank_pids, start
from experiments.checks.faulty_run import wait_or_kill
from experiments.folders import run_folder, snapshots

#: one fault: (run folder, ranks, rng, window_s, hang_s) -> outcome
Inject = Callable[[str, int, random.Random, float, float], str]

#: the jobs that a ``sigterm`` fault signalled so far.
SIGTERMS: list[int] = []


def inject_kill(out: str, ranks: int, rng: random.Random, window_s: float,
                hang_s: float, resume: str = 'auto') -> str:
    """Start (resuming), kill one rank at a random moment; returns
    'killed', 'finished', 'refused' or a failure string."""
    proc, log = start(out, ranks, resume)
    try:
        proc.wait(timeout=rng.uniform(0.5, window_s))
        log.close()
        return ended(out, proc.returncode)
    except subprocess.TimeoutExpired:
        pass
    os.kill(rng.choice(rank_pids(proc)), signal.SIGKILL)
    return 'killed' if wait_or_kill(proc, log, hang_s) else 'hang after kill'


def inject_exit0(out: str, ranks: int, rng: random.Random, window_s: float,
                 hang_s: float) -> str:
    """One rank exits with status 0 at a random step: the job must end by
    itself, non-zero."""
    faults = 'exit0:{}:{}'.format(rng.randrange(ranks), rng.randint(1, 40))
    proc, log = start(out, ranks, 'auto', faults=faults)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang after exit 0'
    if proc.returncode == 0:
        return 'finished' if run_folder.is_finished(out) \
            else 'job ended 0 after a rank exited 0'
    return 'ended non-zero'


def committed(out: str) -> set[str]:
    """The commit markers in ``out``."""
    return set(glob.glob(os.path.join(out, '*' + snapshots.MARKER_SUFFIX)))


def inject_sigterm(out: str, ranks: int, rng: random.Random,
                   window_s: float, hang_s: float) -> str:
    """SIGTERM just after an epoch's commit, then an explicit resume from
    the newest error snapshot (refused with a message, or killed later)."""
    proc, log = start(out, ranks, 'auto')
    before = committed(out)
    deadline = time.time() + hang_s
    while not committed(out) - before:
        if proc.poll() is not None or time.time() > deadline:
            log.close()
            return ended(out, proc.returncode) if proc.poll() is not None \
                else 'no epoch committed'
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.2))
    SIGTERMS.append(proc.pid)       # alternately mpiexec and the ranks
    targets = [proc.pid] if ranks == 1 or len(SIGTERMS) % 2 else \
        rank_pids(proc)
    for pid in targets:
        os.kill(pid, signal.SIGTERM)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang after SIGTERM'
    latest = newest_error_snapshot(out)
    if latest is None:      # mpiexec kills its ranks ~0.25 s after SIGTERM
        return 'stopped before an error snapshot was written'
    result = inject_kill(out, ranks, rng, window_s, hang_s, resume=latest)
    if result.startswith('hang'):
        return result
    return 'explicit resume ' + ('refused' if result == 'refused'
                                 else 'continued')


def newest_error_snapshot(out: str) -> str | None:
    """OUT/snapshot_error_iter_N of the newest such file (of any rank; a
    resume from it may be refused, when another rank's file is missing or
    of another step), or None."""
    found = [(os.path.getmtime(os.path.join(out, n)), m.group(1))
             for n, m in ((n, re.match(r'(snapshot_error_iter_\d+)'
                                       r'(\.rank\d+)?$', n))
                          for n in os.listdir(out)) if m]
    return os.path.join(out, max(found)[1]) if found else None


def folder_state(out: str) -> dict[str, str]:
    """Hashes of the run's files (the temporary train.log aside)."""
    state = {}
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if name != 'train.log' and os.path.isfile(path):
            with open(path, 'rb') as f:
                state[name] = hashlib.sha256(f.read()).hexdigest()
    return state


def inject_foreign(out: str, ranks: int, rng: random.Random,
                   window_s: float, hang_s: float) -> str:
    """A start of another config in the folder: refused, nothing changed
    (a fresh start or --resume auto, drawn at random)."""
    before = folder_state(out)
    if 'config.yaml' not in before:
        return 'skipped'                # no experiment there yet
    resume = rng.choice([None, 'auto'])
    proc, log = start(out, ranks, resume, extra=FOREIGN)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang on a foreign start'
    if proc.returncode == 0 or ended(out, proc.returncode) != 'refused':
        return 'foreign start accepted (exit {})'.format(proc.returncode)
    return 'refused, unchanged' if folder_state(out) == before else \
        'refused, folder changed'


INJECT: dict[str, Inject] = {
    'kill': inject_kill, 'exit0': inject_exit0, 'sigterm': inject_sigterm,
    'foreign': inject_foreign}
#: outcomes that are no failure.
CLEAN = ('killed', 'ended non-zero', 'explicit resume continued',
         'explicit resume refused', 'refused, unchanged',
         'stopped before an error snapshot was written')
