"""``python -m experiments gpu-check PART [ARGS]``: the Python parts of the
GPU check (scripts/gpu_check.sh, docs/gpu.md).

The first word picks the part; the rest goes to its ``main``. Each is
imported only when it runs, so ``--help`` pays for no Chainer.
"""
import argparse
from collections.abc import Sequence
from importlib import import_module
from typing import NamedTuple

from experiments.errors import Main


class Part(NamedTuple):
    """One part: its one-line help and the module of its ``main``."""
    help: str
    module: str


PARTS: dict[str, Part] = {
    'stack': Part('the stack a run on a device gets, as env.json records '
                  'it', 'gpu_stack'),
    'parity': Part('CPU vs device parity: K-FAC steps, two logs, a finite '
                   'log', 'gpu_parity'),
    'breakdown': Part('where a K-FAC step\'s time goes on a device, host '
                      'and wall', 'gpu_breakdown'),
    'suite': Part('the GPU suite\'s status and packing, the rehearsal\'s '
                  'data slice', 'gpu_suite'),
}


def load(name: str) -> Main:
    """The ``main`` of part ``name`` (its module imported now)."""
    module = import_module('experiments.checks.' + PARTS[name].module)
    main: Main = module.main
    return main


def parser() -> argparse.ArgumentParser:
    listing = '\n'.join('  {:<11}{}'.format(name, part.help)
                        for name, part in PARTS.items())
    result = argparse.ArgumentParser(
        prog='python -m experiments gpu-check',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='The Python parts of the GPU check '
                    '(scripts/gpu_check.sh).',
        epilog='parts:\n' + listing + '\n\n"python -m experiments gpu-check '
               'PART --help" describes one.')
    result.add_argument('part', choices=PARTS, metavar='PART')
    result.add_argument('args', nargs=argparse.REMAINDER,
                        help=argparse.SUPPRESS)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return load(args.part)(args.args) or 0
