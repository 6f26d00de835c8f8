"""A table of subcommands: the shape every dispatcher of the study shares
(``python -m experiments COMMAND``, ``... bench BENCHMARK``, ``...
gpu-check PART``).

A :class:`Command` holds its one-line help and how to get its ``main``,
imported only when it runs, so that ``--help`` pays for no Chainer;
:func:`table_parser` lists the table under ``--help`` in one column and
takes the first word as the choice, the rest as the chosen ``main``'s
arguments.
"""
import argparse
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import NamedTuple

from experiments.errors import Main


class Command(NamedTuple):
    """One subcommand: its one-line help and how to get its ``main``."""
    help: str
    load: Callable[[], Main]


def from_module(dotted: str) -> Callable[[], Main]:
    """A loader of the ``main`` of the module ``dotted``."""
    def load() -> Main:
        main: Main = import_module(dotted).main
        return main
    return load


def table_parser(prog: str, description: str, word: str, heading: str,
                 table: Mapping[str, Command]) -> argparse.ArgumentParser:
    """``prog WORD [ARGS]``: WORD one of ``table`` (listed under
    ``heading``), the rest in ``args``."""
    width = max(len(name) for name in table) + 2
    listing = '\n'.join('  {:<{}}{}'.format(name, width, command.help)
                        for name, command in table.items())
    result = argparse.ArgumentParser(
        prog=prog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=description,
        epilog='{}:\n{}\n\n"{} {} --help" describes one.'.format(
            heading, listing, prog, word.upper()))
    result.add_argument(word, choices=table, metavar=word.upper())
    result.add_argument('args', nargs=argparse.REMAINDER,
                        help=argparse.SUPPRESS)
    return result
