"""``python -m experiments COMMAND [ARGS]``: the study's one command line.

The same table is installed as the console script ``chainer-kfac-study``.
Each command is the ``main(argv)`` of the module that does that job; it is
imported only when it runs, so ``--help`` and the analysis commands never
pay for Chainer. ``bench`` and ``gpu-check`` take a second word (which
benchmark, which part of the GPU check). A :class:`StudyError` raised
anywhere below ends here as one ``error:`` line and exit status 1.
"""
import argparse
import sys
from collections.abc import Sequence

from experiments.commands import Command, table_parser
from experiments.errors import Main, run


def _train() -> Main:
    from experiments.train import cli
    return cli.main


def _suite() -> Main:
    from experiments.suite import runner
    return runner.main


def _report() -> Main:
    from experiments.analysis import report
    return report.main


def _table() -> Main:
    from experiments.analysis import tables
    return tables.main


def _time_to_accuracy() -> Main:
    from experiments.analysis import time_to_accuracy
    return time_to_accuracy.main


def _curves() -> Main:
    from experiments.analysis import plot_curves
    return plot_curves.main


def _sharpness() -> Main:
    from experiments.sharpness import cli
    return cli.main


def _landscape() -> Main:
    from experiments.sharpness import landscape
    return landscape.main


def _fetch_data() -> Main:
    from experiments.data import fetch
    return fetch.main


def _collect() -> Main:
    from experiments.suite import collect
    return collect.main


def _restore() -> Main:
    from experiments.suite import restore
    return restore.main


def _bench() -> Main:
    from experiments.bench import cli
    return cli.main


def _demo() -> Main:
    from experiments.bench import demo
    return demo.main


def _gpu_check() -> Main:
    from experiments.checks import cli
    return cli.main


def _compare_original() -> Main:
    from experiments.checks import compare_original
    return compare_original.main


def _tune() -> Main:
    from experiments.tune import cli
    return cli.main


def _dashboard() -> Main:
    from experiments.tune import dashboard
    return dashboard.main


def _tune_report() -> Main:
    from experiments.tune import comparison
    return comparison.main


def _fault_injection() -> Main:
    from experiments.checks import fault_injection
    return fault_injection.main


COMMANDS: dict[str, Command] = {
    'train': Command('train one config (alone or under mpiexec)', _train),
    'suite': Command('run every config of a suite over seeds, then its '
                     'report', _suite),
    'report': Command('claims with verdicts, tables and figures of a suite',
                      _report),
    'tune': Command('tune every cell of a suite with the same budget on a '
                    'held-out split (Optuna)', _tune),
    'tune-report': Command('what tuning changed: hyperparameters, cost, '
                           'accuracy, time to 0.85, untuned vs tuned',
                           _tune_report),
    'dashboard': Command('optuna-dashboard over a suite\'s tuning studies '
                         '(127.0.0.1)', _dashboard),
    'table': Command('per-run and SB-LB gap tables of a suite', _table),
    'time-to-accuracy': Command('wall-clock time to a test accuracy, SGD / '
                                'K-FAC', _time_to_accuracy),
    'curves': Command('learning curves over seeds', _curves),
    'sharpness': Command('sharpness of each finished run\'s final model',
                         _sharpness),
    'landscape': Command('1-D loss landscape of trained snapshots',
                         _landscape),
    'fetch-data': Command('make a dataset readable offline, say from where',
                          _fetch_data),
    'collect': Command('copy a suite\'s finished runs without snapshots',
                       _collect),
    'restore': Command('lay a study\'s committed runs back into its folder',
                       _restore),
    'bench': Command('benchmarks: step-time, comm, resnet, resnet-mpi, '
                     'inverse, kernels, resnet-table, project-comm', _bench),
    'demo': Command('K-FAC vs momentum SGD on a generated problem', _demo),
    'gpu-check': Command('parts of the GPU check: stack, parity, breakdown, '
                         'suite', _gpu_check),
    'compare-original': Command('N steps of the original Chainer_K-FAC and '
                                'of this port, side by side',
                                _compare_original),
    'fault-injection': Command('hurt training as a cluster would and check '
                               'that nothing is lost', _fault_injection),
}


def parser() -> argparse.ArgumentParser:
    return table_parser('python -m experiments',
                        'The chainer_kfac study: training, suites, analysis, '
                        'benchmarks and checks.', 'command', 'commands',
                        COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    return run(COMMANDS[args.command].load(), args.args)
