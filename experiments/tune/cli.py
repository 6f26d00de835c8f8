"""``python -m experiments tune SUITE``: tune every cell of a suite with
the same budget on a held-out split, then write the tuned suite.

    python -m experiments tune fmnist_e20 [--jobs 2] [--out results]
        [--storage sqlite:///tune.db] [--only CELL ...]
    mpiexec -n 2 python -m experiments tune fmnist_e20   # 2-rank trials

What is searched, with which budget, sampler and pruner, is
``configs/SUITE/_tune.yaml`` (experiments/tune/tune_file.py). The studies
live in one journal file per suite (``OUT/tune/SUITE/journal.log``) or in
the database ``--storage`` (or ``$KFAC_TUNE_STORAGE``) names
(experiments/tune/storage.py); running the same command again continues
them, re-running the trials of killed workers. ``--jobs J`` runs J workers
on this machine, each one trial at a time; more workers, in other
scheduler jobs, may share the same journal. When every cell has its
budget, the best trial of each becomes ``configs/SUITE_tuned/CELL.yaml``
(experiments/tune/overlays.py).
"""
import argparse
import os
from collections.abc import Sequence

from experiments.errors import StudyError
from experiments.folders import suites
from experiments.folders.repository import ROOT
from experiments.tune import storage_url

#: where a storage URL may come from instead of the command line
STORAGE_VARIABLE = storage_url.VARIABLE


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments tune',
        description='Tune every cell of a suite with the same budget on a '
                    'held-out split (Optuna), then write the tuned suite.')
    result.add_argument('suite', help='a suite name ({}) or a folder of '
                        'configs with a _tune.yaml'.format(
                            ', '.join(suites.SUITES)))
    result.add_argument('--out', default=os.path.join(ROOT, 'results'),
                        help='output folder (trials in OUT/tune/SUITE/)')
    add_storage_arguments(result, 'the journal OUT/tune/SUITE/journal.log')
    result.add_argument('--jobs', type=int, default=1,
                        help='workers on this machine (default 1)')
    result.add_argument('--only', nargs='+', metavar='CELL',
                        help='tune only these cells (config names)')
    result.add_argument('--overlays-into', default=None, metavar='DIR',
                        help='where the tuned suite goes (default '
                        'configs/SUITE_tuned)')
    result.add_argument('--no-overlays', action='store_true',
                        help='do not write the tuned suite')
    result.add_argument('--quiet', action='store_true',
                        help='no progress bar')
    result.add_argument('--worker', type=int, default=0,
                        help=argparse.SUPPRESS)
    return result


def add_storage_arguments(parser: argparse.ArgumentParser,
                          default: str) -> None:
    """``--storage URL`` and ``--storage-file FILE`` (storage_url.py)."""
    parser.add_argument('--storage', default=None, metavar='URL',
                        help='an SQLAlchemy URL without a password (default: '
                        '${}, else {})'.format(STORAGE_VARIABLE, default))
    parser.add_argument('--storage-file', default=None, metavar='FILE',
                        help='a file only you can read (chmod 600) holding '
                        'the URL, password included')


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.jobs < 1:
        parser().error('--jobs must be at least 1')
    try:
        from experiments.tune import session
    except ImportError as error:
        raise StudyError('tuning needs {} (pip install -e ".[tune]")'
                         .format(error.name)) from None
    args.storage = storage_url.resolve(args.storage, args.storage_file)
    return session.run(args)
