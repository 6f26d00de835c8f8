"""Run every config of a suite; skip finished runs, resume interrupted ones.

    python -m experiments suite quick              # Fashion-MNIST, ~15 min
    python -m experiments suite hpml2019 --ranks 4 --device cuda
    python -m experiments suite quick --jobs 2 --out results/

Each run goes to OUT/SUITE/RUN (config.yaml, env.json, log, train.log,
snapshots; experiments/suite/plan.py). A run with a DONE file is skipped;
one with snapshots is resumed from its latest complete checkpoint
(``--resume auto``). One runner per output folder (a lock naming its PID,
host and batch job, with a heartbeat, that a re-submitted job on another
node can judge: experiments/suite/lock.py); the training children die with
the runner and stop within seconds of a SIGTERM
(experiments/suite/children.py). With ``--ranks N > 1`` each run is
started under ``mpiexec -n N`` (chainer_kfac.distributed.launch picks
which: the site's ``mpirun`` inside a PBS/Slurm/Grid Engine job, where
``--ranks-per-node`` and ``--hostfile`` place one rank per GPU;
experiments/suite/scheduler.py). The suite's _suite.yaml is copied to
OUT/SUITE/suite.yaml; at the end the sharpness the suite file asks for,
the table and the report over all seeds with its figures are written
(experiments/suite/after_runs.py).
"""
import argparse
import os
import sys
import time
from collections.abc import Sequence

from experiments.folders import suites
from experiments.folders.repository import ROOT
from experiments.suite import after_runs
from experiments.suite import children as suite_children
from experiments.suite import lock as suite_lock
from experiments.suite import plan
from experiments.suite.scheduler import Launch, Scheduler

EXIT_FAILED_RUNS = 1


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(prog='python -m experiments suite',
                                     description=__doc__.splitlines()[0])
    result.add_argument('suite', help='quick, hpml2019, or a config folder')
    result.add_argument('--ranks', type=int, default=1)
    result.add_argument('--ranks-per-node', type=int, default=None,
                        help='cluster jobs: ranks (GPUs) on each node')
    result.add_argument('--hostfile', default=None,
                        help="cluster jobs: the scheduler's hostfile "
                             '($PBS_NODEFILE, ...)')
    result.add_argument('--device', default=None,
                        help='-1 (CPU), cuda (a GPU per rank; each job its '
                             'own GPUs via CUDA_VISIBLE_DEVICES) or @cupy:N; '
                             "default: the configs'")
    result.add_argument('--out', default=os.path.join(ROOT, 'results'))
    result.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (each with one BLAS thread)')
    result.add_argument('--set', action='append', default=[],
                        metavar='KEY=VALUE', help='override for every run')
    result.add_argument('--only', nargs='*', help='run only these runs')
    result.add_argument('--seeds', type=plan.parse_seeds, default=None,
                        help='run every config once per seed, e.g. 0-4 or '
                             '0,2,5, into OUT/SUITE/seed_N/RUN; default: '
                             "the suite file's seeds, if any")
    result.add_argument('--no-malloc-tuning', action='store_true',
                        help="keep glibc's default malloc settings")
    return result


def launch_of(args: argparse.Namespace) -> Launch:
    """How the runs start, from the command line."""
    return Launch(ranks=args.ranks, ranks_per_node=args.ranks_per_node,
                  hostfile=args.hostfile, device=args.device, jobs=args.jobs,
                  settings=tuple(args.set),
                  no_malloc_tuning=args.no_malloc_tuning)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configs = suites.suite_configs(args.suite)
    if args.only:
        configs = [c for c in configs
                   if os.path.basename(c)[:-5] in args.only]
    suite_out = os.path.join(args.out, suites.suite_name(args.suite))
    os.makedirs(suite_out, exist_ok=True)
    try:
        return run_locked(args, configs, suite_out)
    except suite_children.Stopped as stopped:   # after SIGTERM, SIGINT...
        return stopped.exit_status


def run_locked(args: argparse.Namespace, configs: Sequence[str],
               suite_out: str) -> int:
    """:func:`run_all` holding the folder's lock, the children stopped and
    the lock released however it ends."""
    lock = suite_lock.SuiteLock(suite_out).acquire()
    children = suite_children.ChildGroups()
    children.install_signal_handlers()
    try:
        return run_all(args, configs, suite_out, children)
    finally:
        children.stop_all()
        children.restore_signal_handlers()
        lock.release()


def run_all(args: argparse.Namespace, configs: Sequence[str], suite_out: str,
            children: suite_children.ChildGroups) -> int:
    """Train what is left, then write what comes after; 0, or
    :data:`EXIT_FAILED_RUNS` naming the failed runs."""
    suite_yaml = plan.copy_suite_file(configs, suite_out)
    seeds = args.seeds if args.seeds is not None else plan.default_seeds(
        suite_yaml)
    # Training itself uses one BLAS thread and keeps freed memory
    # (chainer_kfac.runtime); --no-malloc-tuning is passed on to it.
    env = dict(os.environ, MPLBACKEND='Agg', PYTHONUNBUFFERED='1')
    launch = launch_of(args)
    if launch.ranks > 1:
        from chainer_kfac.distributed.launch import describe
        print(describe(), flush=True)
    pending = plan.unfinished_runs(configs, suite_out, seeds)
    start_all = time.time()
    failed = Scheduler(launch, env, children, len(pending)).run(pending)
    print('suite {} took {:.0f} s'.format(args.suite,
                                         time.time() - start_all),
          flush=True)
    after_runs.write_all(suite_out)
    if failed:
        print('failed runs: {}'.format(', '.join(failed)), file=sys.stderr,
              flush=True)
        return EXIT_FAILED_RUNS
    return 0
