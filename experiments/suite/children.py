"""The suite runner's training children die with the runner.

Each child starts in its own process group (``mpiexec`` and its ranks
included) and, on Linux, with ``PR_SET_PDEATHSIG = SIGTERM``, so that even
a runner killed with -9 takes its children along. On SIGTERM, SIGINT or
SIGHUP, and on any exit, the runner sends SIGTERM to every child's group
(training writes its snapshot on error), waits and then sends SIGKILL: up
to :data:`GRACE_S` on an ordinary exit, :data:`SIGNAL_GRACE_S` after a
signal, so that the runner has released its lock (scripts/suite_lock.py)
before a scheduler's kill delay ends (PBS Professional's default is 10 s
from SIGTERM to SIGKILL) and a re-submitted job can continue.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

GRACE_S = 30.0
SIGNAL_GRACE_S = 5.0
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """In the child, before exec: SIGTERM when the runner dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ChildGroups(object):
    """Start children in their own process groups; stop them all."""

    def __init__(self):
        self.procs = []

    def popen(self, cmd, **kwargs):
        linux = sys.platform.startswith('linux')
        proc = subprocess.Popen(cmd, start_new_session=True,
                                preexec_fn=_die_with_parent if linux
                                else None, **kwargs)
        self.procs.append(proc)
        return proc

    def stop_all(self, grace_s=GRACE_S):
        alive = [p for p in self.procs if p.poll() is None]
        for proc in alive:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.time() + grace_s
        while time.time() < deadline and any(p.poll() is None
                                             for p in alive):
            time.sleep(0.2)
        for proc in alive:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()

    def install_signal_handlers(self):
        """SIGTERM/SIGINT/SIGHUP: stop the children within
        :data:`SIGNAL_GRACE_S`, then exit 128+N (the caller's ``finally``
        releases the lock)."""
        def handler(signum, frame):
            print('run_suite: {} received, stopping {} running '
                  'child(ren)'.format(signal.Signals(signum).name,
                                      sum(p.poll() is None
                                          for p in self.procs)), flush=True)
            self.stop_all(SIGNAL_GRACE_S)
            sys.exit(128 + signum)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, handler)


def _signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
