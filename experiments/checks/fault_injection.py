"""Hurt training as a cluster would, restart it, and check that nothing is
lost, nothing hangs and nothing changes silently.

    python -m experiments fault-injection --faults 20 [--ranks 2] [--seed 0]
        [--kinds kill,exit0,sigterm,foreign]
    python -m experiments fault-injection --faults 8 \\
        --kinds tune-kill,tune-walltime,tune-torn-journal,tune-full-disk

One uninterrupted reference run, then one run that is hurt again and again
(each fault's kind drawn from ``--kinds``) and restarted after each, until
``--faults`` faults were injected; then it is resumed to the end
(experiments/checks/injections.py, each start experiments/checks/
faulty_run.py):

- ``kill``: SIGKILL at a random moment (under ``--ranks N``: one random
  rank, by PID), then ``--resume auto``;
- ``exit0``: one random rank ends with ``sys.exit(0)`` at a random step
  (experiments/checks/train_faults.py; needs ``--ranks`` >= 2): the job must
  end by itself, non-zero;
- ``sigterm``: SIGTERM just after an epoch's checkpoint is committed (to
  ``mpiexec``, or to every rank as a batch scheduler does), then an
  explicit ``--resume OUT/snapshot_error_iter_N``, which must continue or
  be refused with a message (``cannot resume``), never hang;
- ``foreign``: a fresh start and a ``--resume auto`` of another config
  (``seed``) in the run's folder must be refused, the folder unchanged.

The ``tune-*`` kinds hurt tunings instead, each a fresh one (their own
category: they do not mix with the training kinds; experiments/checks/
tuning_faults.py describes them): SIGKILL of one of two workers
mid-trial, SIGTERM at a walltime, a journal whose last line a power loss
cut, a full disk during a journal write.

A hang past ``--hang-s`` is a failure; so is a final log that differs from
the reference run's (data lost or changed). Prints the count of each
outcome; exit status 1 when a fault failed or data was lost. Stops by
itself; not part of the test suite.
"""
import argparse
import collections
import json
import os
import random
import tempfile
import time
from collections.abc import Sequence

from experiments.checks.faulty_run import read_log, run_to_end
from experiments.checks import tuning_faults
from experiments.checks.injections import CLEAN, INJECT
from experiments.errors import StudyError
from experiments.folders import run_folder

KINDS = ('kill', 'exit0', 'sigterm', 'foreign')
TUNE_KINDS = tuple(tuning_faults.INJECT)


class ReferenceRunError(StudyError):
    """The uninterrupted run, the one the hurt run is compared with,
    failed."""


def restart_from_scratch(out: str) -> None:
    """After a run finished: drop its marker and checkpoints, run again."""
    run_folder.clear_finished(out)
    for name in os.listdir(out):
        if name.startswith('snapshot_'):    # the epochs' and the errors'
            os.remove(os.path.join(out, name))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m experiments fault-injection',
        description=__doc__.splitlines()[0])
    parser.add_argument('--faults', type=int, default=10)
    parser.add_argument('--ranks', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--kinds', default='kill',
                        help='comma-separated, from ' + ','.join(KINDS) +
                        ', or from ' + ','.join(TUNE_KINDS))
    parser.add_argument('--window-s', type=float, default=25.0,
                        help='kill within this many seconds of a start')
    parser.add_argument('--hang-s', type=float, default=300.0)
    parser.add_argument('--work', default=None)
    args = parser.parse_args(argv)
    args.kinds = args.kinds.split(',')
    tuning = set(args.kinds) & set(TUNE_KINDS)
    if tuning and (set(args.kinds) - tuning or args.ranks != 1):
        parser.error('--kinds: the tune-* kinds are a category of their '
                     'own (no training kinds, no --ranks)')
    unknown = set(args.kinds) - set(KINDS) - tuning
    if unknown or (args.ranks < 2 and 'exit0' in args.kinds):
        parser.error('--kinds: {} (exit0 needs --ranks 2 or more)'.format(
            ', '.join(unknown) or 'exit0'))
    return args


Outcomes = collections.Counter[tuple[str, str]]


def inject_faults(args: argparse.Namespace, out: str,
                  rng: random.Random) -> Outcomes:
    """``--faults`` faults on the run in ``out``: {(kind, outcome): n}."""
    outcomes: Outcomes = collections.Counter()
    while sum(outcomes.values()) < args.faults:
        kind = rng.choice(args.kinds)
        result = INJECT[kind](out, args.ranks, rng, args.window_s,
                              args.hang_s)
        if result == 'finished':
            restart_from_scratch(out)
        elif result != 'skipped':
            outcomes[(kind, result)] += 1
    return outcomes


def hurt_tunings(args: argparse.Namespace, work: str,
                 rng: random.Random) -> int:
    """The tuning category: ``--faults`` fresh tunings, each hurt once
    and run to its end (experiments/checks/tuning_faults.py)."""
    t0 = time.time()
    outcomes: Outcomes = collections.Counter()
    for number in range(args.faults):
        kind = rng.choice(args.kinds)
        outcome = tuning_faults.INJECT[kind](os.path.join(
            work, '{:02d}_{}'.format(number, kind)), rng, args.hang_s)
        outcomes[(kind, outcome)] += 1
    failed = sum(n for (_, r), n in outcomes.items()
                 if not tuning_faults.clean(r))
    print(json.dumps({'faults': args.faults, 'failed': failed,
                      'outcomes': {'{}: {}'.format(*k): n for k, n in
                                   sorted(outcomes.items())},
                      'details': tuning_faults.DETAILS,
                      'wall_s': round(time.time() - t0), 'work': work},
                     indent=1))
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix='fault_injection_')
    if set(args.kinds) <= set(TUNE_KINDS):
        return hurt_tunings(args, work, rng)
    ref, out = os.path.join(work, 'reference'), os.path.join(work, 'faulty')
    os.makedirs(ref, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    if run_to_end(ref, args.ranks, None, args.hang_s * 3) != 0:
        raise ReferenceRunError('the reference run failed; see ' + ref)
    outcomes = inject_faults(args, out, rng)
    final = run_to_end(out, args.ranks, 'auto', args.hang_s * 3)
    lost = read_log(out) != read_log(ref) or final != 0
    failed = sum(n for (_, r), n in outcomes.items() if r not in CLEAN)
    print(json.dumps({'faults': sum(outcomes.values()), 'failed': failed,
                      'outcomes': {'{}: {}'.format(*k): n for k, n in
                                   sorted(outcomes.items())},
                      'data lost or changed': lost, 'final exit': final,
                      'ranks': args.ranks, 'wall_s': round(time.time() - t0),
                      'work': work}, indent=1))
    return 1 if failed or lost else 0
