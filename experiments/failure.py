"""End every rank when one rank ends abnormally, showing the message once.

ChainerMN's except hook calls ``MPI_Abort`` on an uncaught exception, but
``sys.exit(message)`` (``SystemExit``) bypasses it: that rank then waits in
``MPI_Finalize`` while the others wait in a collective, forever.
:func:`end_all_ranks_on_failure` catches every abnormal ending (an
exception, or ``SystemExit`` with a non-zero code), prints the message on
the rank where it happened, and calls ``MPI_Abort``, which makes
``mpiexec`` end all ranks with a non-zero status.

A decision that every rank takes together (a refused resume) is shown by
rank 0 only: the other ranks raise :class:`QuietExit`, wait for rank 0's
abort, and abort themselves after :data:`GRACE_S` seconds if it never
comes.
"""
import contextlib
import os
import signal
import sys
import time
import traceback

from chainer import training

from chainer_kfac.distributed import launch

GRACE_S = 15.0
#: before MPI is set up, how long the other ranks let rank 0 speak first.
QUIET_PAUSE_S = 2.0


class QuietExit(SystemExit):
    """End this rank non-zero without a message (rank 0 shows it)."""

    def __init__(self):
        super(QuietExit, self).__init__(1)


class Terminated(Exception):
    """SIGTERM or SIGINT: an Exception, so that the Trainer's on_error
    handlers (the snapshot on error) run on the way out."""


def launch_rank():
    """This process's rank from mpiexec's environment (0 outside MPI)."""
    return launch.launch_rank() or 0


def exit_error(message, comm=None):
    """Raise the exit for an error every rank finds alike (shown once)."""
    rank = launch_rank() if comm is None else comm.rank
    if rank == 0:
        raise SystemExit('error: {}'.format(message))
    if comm is None:
        time.sleep(QUIET_PAUSE_S)
    raise QuietExit()


#: the signal received, if any: library code that catches Exception
#: (matplotlib's style loader does) can swallow :class:`Terminated`, so
#: :class:`StopOnSignal` raises it again at the next iteration.
received = []


def check_stop():
    """Raise :class:`Terminated` if SIGTERM/SIGINT arrived."""
    if received:
        raise Terminated('stopped by {} (the snapshot on error keeps the '
                         'state; --resume auto continues from the last '
                         'complete checkpoint)'.format(
                             signal.Signals(received[0]).name))


class StopOnSignal(training.Extension):
    """Re-raise a received SIGTERM/SIGINT at the next iteration."""

    trigger = 1, 'iteration'
    priority = training.PRIORITY_WRITER + 1

    def __call__(self, trainer):
        check_stop()


@contextlib.contextmanager
def raise_on_signals():
    """Within: SIGTERM/SIGINT raise :class:`Terminated` (so a snapshot is
    written); a second one ends the process at once. The previous handlers
    are restored after."""
    def handler(signum, frame):
        if received:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        received.append(signum)
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
def end_all_ranks_on_failure(comm):
    """Under MPI with more than one rank, any abnormal end aborts all."""
    if comm is None or comm.size == 1:
        yield
        return
    try:
        yield
    except QuietExit:
        time.sleep(GRACE_S)
        _abort(comm, 1)
    except SystemExit as e:
        if e.code is None or e.code == 0:
            raise
        if not isinstance(e.code, int):
            _say('{} (rank {} of {})'.format(e.code, comm.rank, comm.size))
        _abort(comm, e.code if isinstance(e.code, int) else 1)
    except BaseException:
        _say('rank {} of {} failed:\n{}'.format(comm.rank, comm.size,
                                                 traceback.format_exc()))
        _abort(comm, 1)


def _say(text):
    sys.stderr.write(text.rstrip('\n') + '\n')
    sys.stderr.flush()


def _abort(comm, code):
    comm.abort(code)
