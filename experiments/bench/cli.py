"""``python -m experiments bench BENCHMARK [ARGS]``: the benchmarks.

The first word picks the benchmark; the rest goes to its ``main``. Each
is imported only when it runs, so ``--help`` pays for no Chainer.
"""
import argparse
from collections.abc import Sequence

from experiments.commands import Command, from_module, table_parser
from experiments.errors import Main


def _benchmark(help: str, module: str) -> Command:
    return Command(help, from_module('experiments.bench.' + module))


BENCHMARKS: dict[str, Command] = {
    'step-time': _benchmark('median step time and peak memory, SGD vs K-FAC '
                            '(LeNet-5)', 'step_time'),
    'refinements': _benchmark('step time of each K-FAC refinement (mc, '
                              'stale, LM damping, KL-clip) vs SGD and K-FAC',
                              'refinement_time'),
    'comm': _benchmark('DistributedKFAC\'s bytes and strong scaling, under '
                       'mpiexec', 'comm'),
    'resnet': _benchmark('ResNet-50-D: SGD vs K-FAC per step, K-FAC\'s '
                         'phases by layer', 'resnet'),
    'resnet-mpi': _benchmark('ResNet-50-D on N ranks: SGD vs DistributedKFAC, '
                             'per rank', 'resnet_mpi'),
    'inverse': _benchmark('explicit inverses vs Cholesky solves of LeNet-5\'s '
                          'factors', 'inverse'),
    'kernels': _benchmark('the kernels of a K-FAC step on ResNet-50-D\'s '
                          'shapes', 'kfac_kernels'),
    'resnet-table': _benchmark('the Markdown table of the ResNet benchmarks\' '
                               'JSON records', 'resnet_table'),
    'project-comm': _benchmark('bytes per DistributedKFAC step, modelled time '
                               'on 8-1,024 GPUs', 'project_comm'),
}


def load(name: str) -> Main:
    """The ``main`` of benchmark ``name`` (its module imported now)."""
    return BENCHMARKS[name].load()


def parser() -> argparse.ArgumentParser:
    return table_parser('python -m experiments bench',
                        'The benchmarks of chainer_kfac and its study.',
                        'benchmark', 'benchmarks', BENCHMARKS)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return load(args.benchmark)(args.args) or 0
