"""``python -m experiments gpu-check PART [ARGS]``: the Python parts of the
GPU check (scripts/gpu_check.sh, docs/gpu.md).

The first word picks the part; the rest goes to its ``main``. Each is
imported only when it runs, so ``--help`` pays for no Chainer.
"""
import argparse
from collections.abc import Sequence

from experiments.commands import Command, from_module, table_parser
from experiments.errors import Main


def _part(help: str, module: str) -> Command:
    return Command(help, from_module('experiments.checks.' + module))


PARTS: dict[str, Command] = {
    'stack': _part('the stack a run on a device gets, as env.json records '
                   'it', 'gpu_stack'),
    'parity': _part('CPU vs device parity: K-FAC steps, two logs, a finite '
                    'log', 'gpu_parity'),
    'breakdown': _part('where a K-FAC step\'s time goes on a device, host '
                       'and wall', 'gpu_breakdown'),
    'suite': _part('the GPU suite\'s status and packing, the rehearsal\'s '
                   'data slice', 'gpu_suite'),
}


def load(name: str) -> Main:
    """The ``main`` of part ``name`` (its module imported now)."""
    return PARTS[name].load()


def parser() -> argparse.ArgumentParser:
    return table_parser('python -m experiments gpu-check',
                        'The Python parts of the GPU check '
                        '(scripts/gpu_check.sh).', 'part', 'parts', PARTS)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return load(args.part)(args.args) or 0
