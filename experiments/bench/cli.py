"""``python -m experiments bench BENCHMARK [ARGS]``: the benchmarks.

The first word picks the benchmark; the rest goes to its ``main``. Each
is imported only when it runs, so ``--help`` pays for no Chainer.
"""
import argparse
from collections.abc import Sequence
from importlib import import_module
from typing import NamedTuple

from experiments.errors import Main


class Benchmark(NamedTuple):
    """One benchmark: its one-line help and the module of its ``main``."""
    help: str
    module: str


BENCHMARKS: dict[str, Benchmark] = {
    'step-time': Benchmark('median step time and peak memory, SGD vs K-FAC '
                           '(LeNet-5)', 'step_time'),
    'comm': Benchmark('DistributedKFAC\'s bytes and strong scaling, under '
                      'mpiexec', 'comm'),
    'resnet': Benchmark('ResNet-50-D: SGD vs K-FAC per step, K-FAC\'s '
                        'phases by layer', 'resnet'),
    'resnet-mpi': Benchmark('ResNet-50-D on N ranks: SGD vs DistributedKFAC, '
                            'per rank', 'resnet_mpi'),
    'inverse': Benchmark('explicit inverses vs Cholesky solves of LeNet-5\'s '
                         'factors', 'inverse'),
    'kernels': Benchmark('the kernels of a K-FAC step on ResNet-50-D\'s '
                         'shapes', 'kfac_kernels'),
    'resnet-table': Benchmark('the Markdown table of the ResNet benchmarks\' '
                              'JSON records', 'resnet_table'),
    'project-comm': Benchmark('bytes per DistributedKFAC step, modelled time '
                              'on 8-1,024 GPUs', 'project_comm'),
}


def load(name: str) -> Main:
    """The ``main`` of benchmark ``name`` (its module imported now)."""
    module = import_module('experiments.bench.' + BENCHMARKS[name].module)
    main: Main = module.main
    return main


def parser() -> argparse.ArgumentParser:
    listing = '\n'.join('  {:<14}{}'.format(name, benchmark.help)
                        for name, benchmark in BENCHMARKS.items())
    result = argparse.ArgumentParser(
        prog='python -m experiments bench',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='The benchmarks of chainer_kfac and its study.',
        epilog='benchmarks:\n' + listing + '\n\n"python -m experiments '
               'bench BENCHMARK --help" describes one.')
    result.add_argument('benchmark', choices=BENCHMARKS, metavar='BENCHMARK')
    result.add_argument('args', nargs=argparse.REMAINDER,
                        help=argparse.SUPPRESS)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return load(args.benchmark)(args.args) or 0
