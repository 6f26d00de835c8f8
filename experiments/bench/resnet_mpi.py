"""ResNet-50-D under MPI: momentum SGD vs DistributedKFAC per step on N
ranks, side by side in one run.

    OMP_NUM_THREADS=1 python -m experiments bench resnet-mpi [--ranks 2]
        [--batch 16] [--steps 3] [--kinds sgd dkfac dkfac_pre] [--json OUT]

It re-launches itself under ``mpiexec -n RANKS`` (launch.py) when started
plainly (``python -m experiments.bench.resnet_mpi`` on every rank).
``--batch`` is per rank (global batch = ranks x batch). Kinds, on the same
initial weights, interleaved (order rotated every round, every round a
fresh random batch, each rank its own part):

- ``sgd``: momentum SGD through ``create_multi_node_optimizer``
  on the same K-FAC communicator (one Allreduce of the packed gradients);
- ``dkfac``: DistributedKFAC, factors and inverses every step;
- ``dkfac_cov``: factors every step, no inversion after the warm-up's;
- ``dkfac_pre``: neither; the gradients' ReduceScatterV, the owners' solves
  and the AllGatherV (a step between factor updates).

A step's time is the slowest rank's (every rank starts it after a barrier).
Rank 0 also times its blocks' phases (experiments/bench/block_phases.py)
and every collective (the communicator's own ``CommStats``). The amortised
cost of intervals 10/100 is computed from the medians as in ``bench
resnet`` (experiments/bench/amortised.py).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # the compatibility layer, before Chainer
import numpy

from chainer_kfac import runtime
from chainer_kfac.distributed.launch import describe, in_mpi_launch
from chainer_kfac.distributed.launch import mpiexec_argv
from experiments.bench import timed_steps
from experiments.bench.amortised import NEVER
from experiments.bench.block_phases import Phases
from experiments.bench.environment import Environment, environment
from experiments.bench.environment import print_environment
from experiments.bench.resnet_summary import Summary, show, summarize
from experiments.errors import run

KINDS = ('sgd', 'dkfac', 'dkfac_cov', 'dkfac_pre')
INTERVALS = {'dkfac': (1, 1), 'dkfac_cov': (1, NEVER),
             'dkfac_pre': (NEVER, NEVER)}

#: one rank's (step seconds, {collective: seconds}) of one step
RankStep = tuple[float, dict[str, float]]


def relaunch(ranks: int, argv: Sequence[str]) -> int:
    """This benchmark on ``ranks`` ranks under mpiexec; its exit status."""
    cmd = mpiexec_argv(ranks) + [sys.executable, '-m',
                                 'experiments.bench.resnet_mpi'] + list(argv)
    print(describe(), flush=True)
    return subprocess.call(cmd)


def make(kind: str, comm: Any, shape: timed_steps.Shape, model: str,
         n_classes: int, assignment: str) -> tuple[Any, Any]:
    """Classifier and optimizer of ``kind`` (same weights on every rank)."""
    import chainer
    from chainer_kfac.distributed.multi_node_optimizer import \
        create_multi_node_optimizer
    link, _ = timed_steps.make('sgd', shape, model=model,
                               n_classes=n_classes)
    if kind == 'sgd':
        opt = create_multi_node_optimizer(
            chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9), comm)
    else:
        cov, inv = INTERVALS[kind]
        opt = chainer_kfac.DistributedKFAC(
            comm, lr=0.01, cov_update_freq=cov, inv_update_freq=inv,
            assignment=assignment)
    opt.setup(link)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return link, opt


def timed_step(comm: Any, link: Any, opt: Any, x: Any,
               t: Any) -> list[RankStep]:
    """[(seconds, {collective: seconds}) of every rank] of one step."""
    comm.stats.reset()
    comm.barrier()
    seconds = timed_steps.timed_step(link, opt, x, t)
    spent = {k: v['seconds'] for k, v in comm.stats.as_dict().items()}
    ranks: list[RankStep] = comm.allgather_obj((seconds, spent))
    return ranks


def rank_batch(rng: numpy.random.RandomState, comm: Any, batch: int,
               shape: timed_steps.Shape, n_classes: int
               ) -> timed_steps.Batch:
    """This rank's part of a fresh global batch (the same on every rank)."""
    x, t = timed_steps.fresh_batch(rng, batch * comm.size, shape, n_classes)
    part = slice(comm.rank * batch, (comm.rank + 1) * batch)
    return x[part], t[part]


Rounds = tuple[timed_steps.Times, dict[str, Phases],
               dict[str, list[list[RankStep]]]]


def time_rounds(comm: Any, args: argparse.Namespace,
                kinds: tuple[str, ...]) -> Rounds:
    """({kind: slowest rank's seconds per timed round}, {kind: rank 0's
    Phases}, {kind: [every rank's (seconds, {collective: seconds})] per
    timed round})."""
    shape = tuple(args.input_shape)
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, comm, shape, args.model, args.classes,
                    args.assignment) for k in kinds}
    phases = {k: Phases() for k in kinds if k != 'sgd'}
    for k, p in phases.items():
        p.instrument(runs[k][1])
    times: timed_steps.Times = {k: [] for k in kinds}
    collectives: dict[str, list[list[RankStep]]] = {k: [] for k in kinds}
    for i in range(args.warmup + args.steps):
        x, t = rank_batch(rng, comm, args.batch, shape, args.classes)
        row = {}
        for k in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:
            if k in phases:
                phases[k].counting = i >= args.warmup
            ranks = timed_step(comm, *runs[k], x, t)
            row[k] = max(seconds for seconds, _ in ranks)
            if i >= args.warmup:
                times[k].append(row[k])
                collectives[k].append(ranks)
        if comm.rank == 0:
            print('  round {}{}: {}'.format(
                i, ' (warm-up)' if i < args.warmup else '', ', '.join(
                    '{} {:.1f} s'.format(k, row[k]) for k in kinds)),
                flush=True)
    return times, phases, collectives


def summarize_ranks(rounds: Rounds, steps: int) -> Summary:
    """The one-process summary (kinds renamed for its amortised formula),
    and per kind and rank the median step and collective seconds: the
    collectives include the wait for the slower rank."""
    times, phases, collectives = rounds

    def rename(kind: str) -> str:
        return kind.replace('dkfac', 'kfac')
    result = summarize({rename(k): v for k, v in times.items()},
                       {rename(k): v for k, v in phases.items()}, steps)
    result['per_rank'] = {rename(k): per_rank(r)
                          for k, r in collectives.items() if r}
    return result


def per_rank(rounds: Sequence[Sequence[RankStep]]
             ) -> list[dict[str, float]]:
    """[{'step': median s, collective: median s} of each rank]."""
    out = []
    for rank in range(len(rounds[0])):
        mine = [r[rank] for r in rounds]
        names = sorted(set().union(*(spent for _, spent in mine)))
        row = {'step': statistics.median(s for s, _ in mine)}
        row.update({n: statistics.median(spent.get(n, 0.0)
                                         for _, spent in mine)
                    for n in names})
        out.append(row)
    return out


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments bench resnet-mpi',
        description=__doc__.splitlines()[0])
    add = result.add_argument
    add('--ranks', type=int, default=2)
    add('--model', default='resnet50_d')
    add('--input-shape', type=int, nargs=3, default=[3, 224, 224])
    add('--classes', type=int, default=1000)
    add('--batch', type=int, default=16, help='per rank (default 16)')
    add('--steps', type=int, default=3)
    add('--warmup', type=int, default=1)
    add('--kinds', nargs='+', default=['sgd', 'dkfac', 'dkfac_pre'],
        choices=KINDS, help='sgd first (the ratios are to it); default: sgd '
        'dkfac dkfac_pre')
    add('--assignment', default='contiguous',
        help="DistributedKFAC's layer-to-rank assignment (default "
        "'contiguous', the original's)")
    add('--no-malloc-tuning', action='store_true',
        help="glibc's default malloc (a lower peak RSS)")
    add('--json', help='write the results here (rank 0)')
    return result


def rank_environment(comm: Any, malloc_tuning: bool) -> Environment:
    """The step-time benchmark's record (the exported tuning variables with
    it) and the ranks."""
    import chainer
    settings = runtime.apply_process_defaults(1, malloc_tuning=malloc_tuning)
    runtime.blas.set_kfac_blas_threads(1)
    env = environment(settings, chainer.get_device('@numpy'))
    env['ranks'] = comm.size
    return env


def report(comm: Any, args: argparse.Namespace, env: Environment,
           rounds: Rounds, load_before: tuple[float, float, float]) -> None:
    """Rank 0: the summary shown, and written to ``--json``."""
    result = summarize_ranks(rounds, args.steps)
    show(args.batch * comm.size, result, args.steps)
    for kind, ranks in result['per_rank'].items():
        print('  {} per rank (median s; collectives include waiting): {}'
              .format(kind, ' | '.join(', '.join(
                  '{} {:.2f}'.format(n, v) for n, v in row.items())
                  for row in ranks)))
    record = {'environment': env, 'model': args.model, 'ranks': comm.size,
              'assignment': args.assignment,
              'batch_per_rank': args.batch, 'steps': args.steps,
              'warmup': args.warmup, 'load_before': load_before,
              'load_after': os.getloadavg(), 'result': result,
              'started': time.strftime('%Y-%m-%dT%H:%M:%S%z')}
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(record, f, indent=1)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = parser()
    args = command.parse_args(argv)
    if args.kinds[0] != 'sgd':
        command.error('--kinds: sgd comes first (the ratios are to it)')
    if not in_mpi_launch():
        return relaunch(args.ranks, argv)
    comm = chainer_kfac.create_communicator('mpi')
    env = rank_environment(comm, not args.no_malloc_tuning)
    if comm.rank == 0:
        print_environment(env)
        print('ranks {}, batch {} per rank ({} global), assignment {}'.format(
            comm.size, args.batch, comm.size * args.batch, args.assignment),
            flush=True)
    load_before = os.getloadavg()
    rounds = time_rounds(comm, args, tuple(args.kinds))
    if comm.rank == 0:
        report(comm, args, env, rounds, load_before)
    return 0


if __name__ == '__main__':  # every rank, under mpiexec (relaunch)
    sys.exit(run(main))
