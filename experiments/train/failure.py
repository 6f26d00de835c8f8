"""End every rank when one rank ends early or abnormally; stop on a signal
at the same step on every rank.

ChainerMN's except hook calls ``MPI_Abort`` on an uncaught exception, but
``sys.exit(message)`` (``SystemExit``) bypasses it: that rank then waits in
``MPI_Finalize`` while the others wait in a collective, forever.
:func:`end_all_ranks_on_failure` catches every abnormal ending (an
exception, or ``SystemExit`` with a non-zero code), prints the message on
the rank where it happened, and calls ``MPI_Abort``, which makes
``mpiexec`` end all ranks with a non-zero status. A rank that ends
normally (status 0, or ``main`` returning) first waits, at most
:data:`FINISH_GRACE_S` seconds, until every rank has ended too (a
non-blocking barrier on a communicator of its own); a rank that ends while
the others still train ends the job with ``MPI_Abort`` instead of leaving
them in a collective forever.

SIGTERM/SIGINT during training only set a flag: :class:`StopOnSignal`,
the last extension of every iteration, agrees on it with one small
allreduce (any rank signalled: all stop), so every rank raises
:class:`Terminated` after the same iteration, whose extensions all ran;
the snapshots on error then stand for one step on every rank and continue
exactly. Outside the training loop a signal raises at once; a second
signal ends the process at once.

A decision that every rank takes together (a refused resume) is shown by
rank 0 only (:func:`raise_on_every_rank`): rank 0 raises the
:class:`~experiments.errors.StudyError`, the other ranks raise
:class:`QuietExit`, wait for rank 0's abort, and abort themselves after
:data:`GRACE_S` seconds if it never comes. Under MPI a
:class:`~experiments.errors.StudyError` on any rank is one line,
``error: <message> (rank r of n)``, and the job's abort; in one process it
goes up to the command's entry point, which prints ``error: <message>``.
"""
import contextlib
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

from chainer import training

from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.distributed import launch
from chainer_kfac.distributed.interface import SideChannel
from experiments.errors import StudyError

GRACE_S = 15.0
#: how long a rank that ended normally waits for the others to end too.
FINISH_GRACE_S = 60.0
#: before MPI is set up, how long the other ranks let rank 0 speak first.
QUIET_PAUSE_S = 2.0


class QuietExit(StudyError):
    """End this rank with exit status 1 and no message: rank 0 shows it
    (the train command's ``main`` returns 1 on it, printing nothing)."""

    def __init__(self) -> None:
        super(QuietExit, self).__init__(
            'this rank ends quietly: rank 0 reports the error')


class StartRefused(StudyError):
    """A start that every rank refuses together (a resume that would not
    continue the same run, an unusable --out); rank 0 shows the message."""


class Terminated(Exception):
    """SIGTERM or SIGINT: an Exception, so that the Trainer's on_error
    handlers (the snapshot on error) run on the way out. ``agreed``: every
    rank raised it after the same iteration."""

    def __init__(self, message: str, agreed: bool = False) -> None:
        super(Terminated, self).__init__(message)
        self.agreed = agreed


class Agreement(object):
    """Decisions of all ranks together, on side channels of the run's
    communicator (``comm.dup()``, so they never meet a training
    collective). Without MPI (``comm`` None or one rank) every decision is
    this process's own."""

    def __init__(self, comm: KFACCommunicator | None = None) -> None:
        self.comm = comm if comm is not None and comm.size > 1 else None
        self._stop: SideChannel | None = None
        self._finish: SideChannel | None = None
        if self.comm is not None:
            self._stop = self.comm.dup()
            self._finish = self.comm.dup()

    def any(self, flag: object) -> bool:
        """True on every rank if ``flag`` is true on any rank."""
        if self._stop is None:
            return bool(flag)
        return self._stop.any(bool(flag))

    def all_ended(self, timeout_s: float) -> bool:
        """Whether every rank reached this call within ``timeout_s``."""
        if self._finish is None:
            return True
        return self._finish.all_reach(timeout_s)


def launch_rank() -> int:
    """This process's rank from mpiexec's environment (0 outside MPI)."""
    return launch.launch_rank() or 0


def raise_on_every_rank(error: str | Exception,
                        comm: KFACCommunicator | None = None) -> NoReturn:
    """Raise, on every rank, for an error every rank finds alike: rank 0
    raises it (a :class:`StudyError` as it is, any other error or a
    message as :class:`StartRefused`), the others :class:`QuietExit`
    (without ``comm``, MPI not set up yet: after :data:`QUIET_PAUSE_S`
    seconds, so that rank 0 speaks first)."""
    rank = launch_rank() if comm is None else comm.rank
    if rank == 0:
        if isinstance(error, StudyError):
            raise error
        if isinstance(error, Exception):
            raise StartRefused(str(error)) from error
        raise StartRefused(error)
    if comm is None:
        time.sleep(QUIET_PAUSE_S)
    raise QuietExit()


#: the signals received, if any (the first one is acted on).
received: list[int] = []
#: True inside the training loop: a signal is acted on by StopOnSignal.
_in_training = [False]


def _terminated(agreed: bool = False) -> Terminated:
    if received:
        what = signal.Signals(received[0]).name
    else:
        what = 'a signal to another rank'
    return Terminated('stopped by {} (the snapshot on error keeps the state '
                      'of the last step; --resume auto continues from the '
                      'last complete checkpoint)'.format(what), agreed)


def check_stop(agreement: Agreement | None = None) -> None:
    """Raise :class:`Terminated` if SIGTERM/SIGINT arrived (with an
    ``agreement``: on any rank; then every rank raises)."""
    if agreement is None:
        if received:
            raise _terminated()
    elif agreement.any(received):
        raise _terminated(agreed=True)


class StopOnSignal(training.Extension):
    """After every iteration, all ranks together: stop if any rank got
    SIGTERM/SIGINT. The last extension, so the step is complete."""

    trigger = 1, 'iteration'
    priority = -1000     # after every other extension, snapshots included

    def __init__(self, agreement: Agreement | None = None) -> None:
        self.agreement = agreement or Agreement()

    def __call__(self, trainer: Any) -> None:
        check_stop(self.agreement)


@contextlib.contextmanager
def signals_at_iteration_ends() -> Iterator[None]:
    """Within (the training loop), a signal only sets the flag that
    :class:`StopOnSignal` acts on."""
    _in_training[0] = True
    try:
        yield
    finally:
        _in_training[0] = False


@contextlib.contextmanager
def raise_on_signals() -> Iterator[None]:
    """Within: SIGTERM/SIGINT raise :class:`Terminated` (inside
    :func:`signals_at_iteration_ends`: at the iteration's end), so that a
    snapshot is written; a second one ends the process at once. The
    previous handlers are restored after."""
    def handler(signum: int, frame: FrameType | None) -> None:
        if received:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        received.append(signum)
        if not _in_training[0]:
            check_stop()
    del received[:]
    previous = {s: signal.signal(s, handler)
                for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextlib.contextmanager
def end_all_ranks_on_failure(comm: KFACCommunicator | None
                             ) -> Iterator[Agreement]:
    """Under MPI with more than one rank, any abnormal end aborts all, and
    so does a normal end of one rank while others go on (a
    :class:`StudyError`: its ``error:`` line first, as ``sys.exit`` of
    that line would show it). Yields the :class:`Agreement` of the run."""
    agreement = Agreement(comm)
    if agreement.comm is None or comm is None:
        yield agreement
        return
    try:
        yield agreement
    except QuietExit:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, signal.SIG_DFL)   # mpiexec ends us: quiet
        time.sleep(GRACE_S)
        _abort(comm, 1)
    except Terminated as e:
        if not e.agreed:
            _fail(comm)
        if comm.rank == 0:
            _say(str(e))
        _end_together(agreement, comm, 1)
    except StudyError as e:
        _say('error: {} (rank {} of {})'.format(e, comm.rank, comm.size))
        _abort(comm, 1)
    except SystemExit as e:
        if e.code is None or e.code == 0:
            _end_together(agreement, comm, 0)
            raise
        if not isinstance(e.code, int):
            _say('{} (rank {} of {})'.format(e.code, comm.rank, comm.size))
        _abort(comm, e.code if isinstance(e.code, int) else 1)
    except BaseException:
        _fail(comm)
    else:
        _end_together(agreement, comm, 0)


def _end_together(agreement: Agreement, comm: KFACCommunicator,
                  code: int) -> None:
    """Return (code 0) or exit with ``code`` once every rank has ended;
    abort the job if the others do not end within FINISH_GRACE_S."""
    if not agreement.all_ended(FINISH_GRACE_S):
        _say('rank {} of {} ended (exit status {}) while the other ranks '
             'had not ended {:.0f} s later: ending the job, non-zero (every '
             'rank must run to the end)'.format(comm.rank, comm.size, code,
                                                FINISH_GRACE_S))
        _abort(comm, 1)
    if code:
        raise QuietExit()


def _fail(comm: KFACCommunicator) -> NoReturn:
    _say('rank {} of {} failed:\n{}'.format(comm.rank, comm.size,
                                            traceback.format_exc()))
    _abort(comm, 1)


def _say(text: str) -> None:
    sys.stderr.write(text.rstrip('\n') + '\n')
    sys.stderr.flush()


def _abort(comm: KFACCommunicator, code: int) -> NoReturn:
    comm.abort(code)
