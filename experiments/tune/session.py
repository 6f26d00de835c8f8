"""One ``tune`` command: its cells, storage and ranks, its workers and its
end (experiments/tune/cli.py describes the command line).

The command's process is a worker itself with ``--jobs 1``; with ``--jobs
J`` it starts J worker processes of the same command (``--worker K``),
shows one progress bar over all cells from the storage while they run, and
ends them with itself (one process group each,
experiments/suite/children.py). Under ``mpiexec`` all ranks run one
worker together (experiments/tune/ranks.py); ``--jobs`` must be 1 there.
"""
import argparse
import os
import sys

import chainer_kfac  # NOQA: F401  (compatibility layer before Chainer)
from chainer_kfac import runtime
from chainer_kfac.distributed import KFACCommunicator

from experiments.folders import suites
from experiments.train import comm_setup
from experiments.train import config as config_module
from experiments.train import training
from experiments.tune import overlays, progress, storage, studies
from experiments.tune import storage_url
from experiments.tune import tune_file
from experiments.tune.cli import STORAGE_VARIABLE
from experiments.tune.errors import StorageError, TuneFileError
from experiments.tune.ranks import Ranks
from experiments.tune.worker import Cell, Job, tune_cell


def cells_of(suite: str, only: list[str] | None) -> list[Cell]:
    """The suite's cells (each config's name and optimizer)."""
    name = suites.suite_name(suite)
    cells = []
    for path in suites.suite_configs(suite):
        cell = os.path.splitext(os.path.basename(path))[0]
        if only and cell not in only:
            continue
        config = config_module.load_config(path)
        cells.append(Cell(name, cell, path, config['optimizer']['name']))
    if not cells:
        raise TuneFileError('{}: no cell to tune{}'.format(
            suites.suite_folder(suite), ' among --only ' + ' '.join(only)
            if only else ''))
    return cells


def communicator(cells: list[Cell]) -> KFACCommunicator | None:
    config = config_module.load_config(cells[0].config_path)
    return comm_setup.make_communicator(config, training.in_mpi_launch())


def run(args: argparse.Namespace) -> int:
    """The command; a database's error is one line, its URL's password
    masked (experiments/tune/storage_url.py)."""
    from sqlalchemy.exc import SQLAlchemyError
    try:
        return _run(args)
    except SQLAlchemyError as error:
        raise StorageError('the study storage {} failed: {}: {}'.format(
            storage_url.shown(args.storage or ''), type(error).__name__,
            storage_url.redact(str(error).splitlines()[0], args.storage
                               or ''))) from None


def _run(args: argparse.Namespace) -> int:
    folder = suites.suite_folder(args.suite)
    tune = tune_file.load(tune_file.find(folder))
    if not args.no_overlays:
        overlays.check_source(folder)
    cells = cells_of(args.suite, args.only)
    for cell in cells:
        tune.dimensions(cell.optimizer)     # every cell has its space
    studies.quiet_optuna()
    runtime.apply_process_defaults('auto', True)
    ranks = Ranks(communicator(cells))
    if ranks.size > 1 and args.jobs > 1:
        raise TuneFileError('--jobs {} under mpiexec: the ranks run one '
                            'worker together; use --jobs 1'.format(args.jobs))
    store = storage.open_storage(
        args.storage, storage.journal_path(args.out, cells[0].suite),
        tune.heartbeat_interval_s, tune.heartbeat_grace_s) \
        if ranks.root else None
    job = Job(tune, store, args.out)
    if args.jobs > 1:
        status = run_workers(args, job, cells)
    else:
        status = run_here(job, cells, ranks, args.quiet or args.worker > 0)
    if status == 0 and ranks.root and args.worker == 0 and \
            not args.no_overlays:
        write_tuned_suite(args, job, cells)
    return status


def run_here(job: Job, cells: list[Cell], ranks: Ranks, quiet: bool) -> int:
    bar = progress.TrialBar(job, cells, quiet or not ranks.root)
    with bar:
        for cell in cells:
            tune_cell(cell, job, ranks, on_trial=bar.trial_done)
    return 0


def run_workers(args: argparse.Namespace, job: Job,
                cells: list[Cell]) -> int:
    """``--jobs J``: J worker processes, one bar, their worst status."""
    from experiments.suite.children import ChildGroups, Stopped
    command = [sys.executable, '-m', 'experiments', 'tune'] + \
        worker_arguments(args)
    env = dict(os.environ)
    if args.storage:       # never on a command line that ps shows
        env[STORAGE_VARIABLE] = args.storage
    groups = ChildGroups('tune')
    groups.install_signal_handlers()
    try:
        started = [groups.popen(command + ['--worker', str(k + 1)], env=env)
                   for k in range(args.jobs)]
        with progress.TrialBar(job, cells, args.quiet) as bar:
            codes = bar.follow(started)
    except Stopped as stop:         # a walltime's SIGTERM: no traceback
        print('tune: stopped by {}; run the same command again to continue '
              '(the running trials are run again)'.format(stop),
              file=sys.stderr, flush=True)
        return stop.exit_status
    finally:
        groups.stop_all()
        groups.restore_signal_handlers()
    return max(codes)


def worker_arguments(args: argparse.Namespace) -> list[str]:
    result = [args.suite, '--out', args.out, '--jobs', '1', '--quiet',
              '--no-overlays']
    if args.only:
        result += ['--only'] + list(args.only)
    return result


def write_tuned_suite(args: argparse.Namespace, job: Job,
                      cells: list[Cell]) -> None:
    assert job.storage is not None
    source = suites.suite_folder(args.suite)
    into = args.overlays_into or source.rstrip('/') + '_tuned'
    found = {cell.name: studies.open_study(job.storage, cell.suite,
                                           cell.name, job.tune)
             for cell in cells}
    written = overlays.write_overlays(found, source, into, job.tune.objective)
    print('tuned suite: {} ({} files)'.format(into, len(written)),
          flush=True)

