"""One suite runner per output folder, a lock that any node can judge.

``OUT/SUITE/.run_suite.lock`` holds JSON ``{pid, host, started, argv,
pid_start, job, heartbeat_s}`` and is created with ``O_EXCL``, so of two
runners started together exactly one gets it. ``job`` is the holder's
batch job (experiments/suite/scheduler_jobs.py), ``pid_start`` its start
time in clock ticks after boot (``/proc/PID/stat``). While the runner
lives a thread touches the file every ``heartbeat_s`` seconds: its mtime
is the heartbeat. The runner removes the lock when it ends, within a few
seconds of a SIGTERM (experiments/suite/children.py); a runner killed with
SIGKILL (a scheduler's walltime after its kill delay) leaves it behind.

A later runner judges a lock it finds, in this order:

1. holder on this host: stale unless its PID is still a suite runner
   (its command line is ``python -m experiments suite``,
   ``chainer-kfac-study suite`` or ``scripts/run_suite.py``) started at
   ``pid_start`` (so a PID reused by another process does not hold the
   folder);
2. holder in a batch job: the scheduler's query decides (finished: stale,
   still queued or running: held), when it can tell;
3. otherwise the heartbeat: stale when it is older than
   ``STALE_BEATS x heartbeat_s``; when it is younger, the runner watches it
   for that long: renewed means held, unchanged means stale (the watch
   needs no clock agreement between nodes).

A stale lock is replaced with a message saying why; a held one refuses the
start with the holder's PID, host, job and the fix.
"""
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from experiments.errors import StudyError
from experiments.suite import scheduler_jobs

NAME = '.run_suite.lock'
HEARTBEAT_S = 30.0
STALE_BEATS = 4
#: tests simulate another node (and short heartbeats) with these.
HOST_VARIABLE = 'KFAC_SUITE_HOST'
HEARTBEAT_VARIABLE = 'KFAC_SUITE_HEARTBEAT_S'
#: the old script, now a shim of the command (scripts/run_suite.py)
RUNNER = 'run_suite.py'
#: the module that runs the command line, and its console script
COMMAND_LINE = ('-m', 'experiments', 'suite')
CONSOLE_SCRIPT = 'chainer-kfac-study'

#: a lock file's JSON (any key may be missing from a damaged one)
Holder = dict[str, Any]


class LockHeld(StudyError):
    """Another runner holds the folder; the message names it."""


def host_name() -> str:
    """This node's name (``$KFAC_SUITE_HOST`` when set, for tests)."""
    return os.environ.get(HOST_VARIABLE) or socket.gethostname()


def process_start(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks after boot, or None."""
    try:
        with open('/proc/{}/stat'.format(pid)) as f:
            # Field 22; the command name (field 2) may hold spaces.
            return int(f.read().rsplit(')', 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def runs_suite(words: Sequence[str]) -> bool:
    """Whether a command line (its words) starts a suite runner."""
    for i, word in enumerate(words):
        if word.endswith(RUNNER) or tuple(
                words[i:i + len(COMMAND_LINE)]) == COMMAND_LINE:
            return True
        if os.path.basename(word) == CONSOLE_SCRIPT and \
                words[i + 1:i + 2] == ['suite']:
            return True
    return False


def is_suite_runner(pid: int, started: int | None) -> bool:
    """True when ``pid`` runs and is the runner that wrote the lock: its
    command line starts a suite runner (:func:`runs_suite`) and it started
    at ``started`` (where /proc can tell)."""
    if pid <= 0 or not _alive(pid):
        return False
    try:
        with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
            cmdline = f.read().decode(errors='replace')
    except OSError:
        return True          # no /proc: a live PID is all we know
    return runs_suite(cmdline.split('\0')) and (
        started is None or process_start(pid) == started)


def _read(path: str) -> Holder | None:
    try:
        with open(path) as f:
            holder = json.load(f)
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _mtime(path: str) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def heartbeat_verdict(path: str, beat_s: float,
                      poll_s: float = 1.0) -> tuple[bool, str]:
    """``(stale, reason)`` from the lock file's heartbeat (see the module
    docstring, step 3)."""
    limit = STALE_BEATS * beat_s
    first = _mtime(path)
    if first is None:
        return True, 'it is gone'
    if time.time() - first > limit:
        return True, 'no heartbeat for {:.0f} s'.format(time.time() - first)
    print('suite lock {}: watching its heartbeat for up to {:.0f} s'.format(
        path, limit), flush=True)
    deadline = time.time() + limit
    while time.time() < deadline:
        time.sleep(poll_s)
        now = _mtime(path)
        if now is None:
            return True, 'it is gone'
        if now != first:
            return False, 'its heartbeat is renewed'
    return True, 'its heartbeat stopped {:.0f} s ago'.format(limit)


def judge(path: str, holder: Holder) -> tuple[bool, str]:
    """``(stale, reason)`` for the lock at ``path`` written by ``holder``
    (a dict, empty when unreadable)."""
    pid = int(holder.get('pid', -1))
    if holder.get('host') == host_name():
        if is_suite_runner(pid, holder.get('pid_start')):
            return False, 'its runner is running on this host'
        return True, 'PID {} is no longer its suite runner'.format(pid)
    running = scheduler_jobs.job_running(holder.get('job'))
    if running is not None:
        job = '{scheduler} job {id}'.format(**holder['job'])
        return (not running, '{} is {}'.format(
            job, 'still queued or running' if running else 'over'))
    return heartbeat_verdict(path, float(holder.get('heartbeat_s',
                                                    HEARTBEAT_S)))


class SuiteLock:
    """``with SuiteLock(folder):`` holds the folder's lock."""

    def __init__(self, folder: str,
                 heartbeat_s: float | None = None) -> None:
        self.path = os.path.join(folder, NAME)
        self.heartbeat_s = float(heartbeat_s or os.environ.get(
            HEARTBEAT_VARIABLE) or HEARTBEAT_S)
        self.held = False
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def record(self) -> Holder:
        """What the lock file says about this runner."""
        return {'pid': os.getpid(), 'host': host_name(),
                'started': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
                'argv': sys.argv, 'pid_start': process_start(os.getpid()),
                'job': scheduler_jobs.current_job(),
                'heartbeat_s': self.heartbeat_s}

    def acquire(self) -> 'SuiteLock':
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                self._replace_if_stale()
                continue
            with os.fdopen(fd, 'w') as f:
                json.dump(self.record(), f)
            self.held = True
            self._start_heartbeat()
            return self
        raise LockHeld('{} appeared again while replacing a stale lock; '
                       'another runner is starting'.format(self.path))

    def _replace_if_stale(self) -> None:
        holder = _read(self.path) or {}
        stale, reason = judge(self.path, holder)
        if stale:
            print('removing the stale lock {} of PID {} on {} ({})'.format(
                self.path, holder.get('pid'), holder.get('host'), reason),
                flush=True)
            # Another runner may have replaced it while this one judged.
            if (_read(self.path) or {}) == holder:
                try:
                    os.remove(self.path)
                except FileNotFoundError:
                    pass
            return
        job = holder.get('job') or {}
        raise LockHeld(
            'another suite runner (PID {}, host {}{}, started {}) holds {} '
            '({}): one runner per output folder. Wait for it or stop it; if '
            'you know it is gone, delete {}'.format(
                holder.get('pid'), holder.get('host'),
                ', {} job {}'.format(job['scheduler'], job['id'])
                if job else '', holder.get('started'),
                os.path.dirname(self.path), reason, self.path))

    def _start_heartbeat(self) -> None:
        def beat() -> None:
            while not self._stop.wait(self.heartbeat_s):
                try:
                    os.utime(self.path)
                except OSError:
                    pass
        self._stop.clear()
        self._beat = threading.Thread(target=beat, daemon=True,
                                      name='suite-lock-heartbeat')
        self._beat.start()

    def release(self) -> None:
        if self.held:
            self._stop.set()
            holder = _read(self.path)
            if holder and holder.get('pid') == os.getpid() and \
                    holder.get('host') == host_name():
                os.remove(self.path)
            self.held = False

    def __enter__(self) -> 'SuiteLock':
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
