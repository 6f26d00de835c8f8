"""The suite runner's training children die with the runner.

Each child starts in its own process group (``mpiexec`` and its ranks
included) and, on Linux, with ``PR_SET_PDEATHSIG = SIGTERM``, so that even
a runner killed with -9 takes its children along. On SIGTERM, SIGINT or
SIGHUP, and on any exit, the runner sends SIGTERM to every child's group
(training writes its snapshot on error), waits and then sends SIGKILL: up
to :data:`GRACE_S` on an ordinary exit, :data:`SIGNAL_GRACE_S` after a
signal, so that the runner has released its lock
(experiments/suite/lock.py) before a scheduler's kill delay ends (PBS
Professional's default is 10 s from SIGTERM to SIGKILL) and a re-submitted
job can continue. After a signal the runner's ``main`` returns 128+N, the
exit status of a process ended by signal N.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType
from typing import Any

GRACE_S = 30.0
SIGNAL_GRACE_S = 5.0
PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class Stopped(BaseException):
    """The runner got a signal and stopped its children; like
    ``SystemExit`` no ``except Exception`` catches it on its way to the
    runner's ``main``, which releases the lock and returns
    :attr:`exit_status`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the runner dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ChildGroups:
    """Start children in their own process groups; stop them all."""

    def __init__(self, name: str = 'run_suite') -> None:
        self.name = name        # the command, in the line on a signal
        self.procs: list[subprocess.Popen[bytes]] = []
        self._handlers: dict[signal.Signals, Any] = {}

    def popen(self, cmd: Sequence[str],
              **kwargs: Any) -> 'subprocess.Popen[bytes]':
        linux = sys.platform.startswith('linux')
        proc = subprocess.Popen(cmd, start_new_session=True,
                                preexec_fn=_die_with_parent if linux
                                else None, **kwargs)
        self.procs.append(proc)
        return proc

    def stop_all(self, grace_s: float = GRACE_S) -> None:
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

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT/SIGHUP: stop the children within
        :data:`SIGNAL_GRACE_S`, then raise :class:`Stopped` (the caller's
        ``finally`` releases the lock)."""
        def handler(signum: int, frame: FrameType | None) -> None:
            print('{}: {} received, stopping {} running '
                  'child(ren)'.format(self.name, signal.Signals(signum).name,
                                      sum(p.poll() is None
                                          for p in self.procs)), flush=True)
            self.stop_all(SIGNAL_GRACE_S)
            raise Stopped(signum)
        for s in STOP_SIGNALS:
            self._handlers[s] = signal.signal(s, handler)

    def restore_signal_handlers(self) -> None:
        """The handlers from before :meth:`install_signal_handlers` (the
        runner's ``main`` may run inside a longer-lived process)."""
        while self._handlers:
            s, previous = self._handlers.popitem()
            signal.signal(s, previous)


def _signal_group(proc: 'subprocess.Popen[bytes]',
                  sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
