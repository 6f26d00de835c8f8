"""The one base of the errors a study command reports as a message.

A helper anywhere in the study package raises a :class:`StudyError`
subclass whose message names the file, key or layer at fault and the fix;
it never ends the process itself. Only a command's entry point
(:func:`experiments.cli.main`, or :func:`run` for a module started with
``python -m``) turns the error into ``error: <message>`` on stderr and an
exit status, so that any caller (the suite runner, the tuner, a test) can
catch and handle it instead.
"""
import sys
from collections.abc import Callable, Sequence


class StudyError(Exception):
    """A failure the user can fix; ``str(error)`` is the whole message."""


Main = Callable[[Sequence[str] | None], int | None]

EXIT_ERROR = 1


def run(main: Main, argv: Sequence[str] | None = None) -> int:
    """Call a command's ``main``; a :class:`StudyError` becomes its message
    on stderr and exit status 1 (argparse's usage errors stay 2)."""
    try:
        return main(argv) or 0
    except StudyError as error:
        print('error: {}'.format(error), file=sys.stderr, flush=True)
        return EXIT_ERROR
