#!/usr/bin/env python
"""ResNet-50-D under MPI: momentum SGD vs DistributedKFAC per step on N
ranks, side by side in one run.

    OMP_NUM_THREADS=1 python scripts/bench_resnet_mpi.py [--ranks 2]
        [--batch 16] [--steps 3] [--kinds sgd dkfac dkfac_pre] [--json OUT]

It re-launches itself under ``mpiexec -n RANKS`` (launch.py) when started
plainly. ``--batch`` is per rank (global batch = ranks x batch). Kinds, on
the same initial weights, interleaved (order rotated every round, every
round a fresh random batch, each rank its own part):

- ``sgd``: momentum SGD through ``chainermn.create_multi_node_optimizer``
  on the same K-FAC communicator (one Allreduce of the packed gradients);
- ``dkfac``: DistributedKFAC, factors and inverses every step;
- ``dkfac_cov``: factors every step, no inversion after the warm-up's;
- ``dkfac_pre``: neither; the gradients' ReduceScatterV, the owners' solves
  and the AllGatherV (a step between factor updates).

A step's time is the slowest rank's (every rank starts it after a barrier).
Rank 0 also times its blocks' phases (scripts/bench_resnet.py's timers) and
every collective (the communicator's own ``CommStats``). The amortised cost
of intervals 10/100 is computed from the medians as in bench_resnet.py.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


from experiments.bench import resnet as bench_resnet  # NOQA: E402  (chainer_kfac first, via bench_step_time)
from experiments.bench import step_time as bench  # NOQA: E402
import numpy  # NOQA: E402

from chainer_kfac import runtime  # NOQA: E402

KINDS = ('sgd', 'dkfac', 'dkfac_cov', 'dkfac_pre')
NEVER = bench_resnet.NEVER
INTERVALS = {'dkfac': (1, 1), 'dkfac_cov': (1, NEVER),
             'dkfac_pre': (NEVER, NEVER)}


def relaunch(ranks):
    from chainer_kfac.distributed.launch import describe, mpiexec_argv
    cmd = mpiexec_argv(ranks) + [sys.executable] + sys.argv
    print(describe(), flush=True)
    sys.exit(subprocess.call(cmd))


def make(kind, comm, shape, model, n_classes, assignment):
    """Classifier and optimizer of ``kind`` (same weights on every rank)."""
    import chainer
    import chainermn
    import chainer_kfac
    link, _ = bench.make('sgd', shape, model=model, n_classes=n_classes)
    if kind == 'sgd':
        opt = chainermn.create_multi_node_optimizer(
            chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9), comm)
    else:
        cov, inv = INTERVALS[kind]
        opt = chainer_kfac.DistributedKFAC(
            comm, lr=0.01, cov_update_freq=cov, inv_update_freq=inv,
            assignment=assignment)
    opt.setup(link)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return link, opt


def timed_step(comm, link, opt, x, t):
    """[(seconds, {collective: seconds}) of every rank] of one step."""
    comm.stats.reset()
    comm.barrier()
    seconds = bench.timed_step(link, opt, x, t)
    spent = {k: v['seconds'] for k, v in comm.stats.as_dict().items()}
    return comm.allgather_obj((seconds, spent))


def rank_batch(rng, comm, batch, shape, n_classes):
    """This rank's part of a fresh global batch (the same on every rank)."""
    x, t = bench.fresh_batch(rng, batch * comm.size, shape, n_classes)
    part = slice(comm.rank * batch, (comm.rank + 1) * batch)
    return x[part], t[part]


def run(comm, args, kinds):
    """({kind: slowest rank's seconds per timed round}, {kind: rank 0's
    Phases}, {kind: [every rank's (seconds, {collective: seconds})] per
    timed round})."""
    shape = tuple(args.input_shape)
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, comm, shape, args.model, args.classes,
                    args.assignment) for k in kinds}
    phases = {k: bench_resnet.Phases() for k in kinds if k != 'sgd'}
    for k, p in phases.items():
        p.instrument(runs[k][1])
    times = {k: [] for k in kinds}
    collectives = {k: [] for k in kinds}
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


def summarize(times, phases, collectives, steps):
    """bench_resnet's summary (kinds renamed for its amortised formula),
    and per kind and rank the median step and collective seconds: the
    collectives include the wait for the slower rank."""
    def rename(kind):
        return kind.replace('dkfac', 'kfac')
    result = bench_resnet.summarize(
        {rename(k): v for k, v in times.items()},
        {rename(k): v for k, v in phases.items()}, steps)
    result['per_rank'] = {rename(k): per_rank(rounds)
                          for k, rounds in collectives.items() if rounds}
    return result


def per_rank(rounds):
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--model', default='resnet50_d')
    parser.add_argument('--input-shape', type=int, nargs=3,
                        default=[3, 224, 224])
    parser.add_argument('--classes', type=int, default=1000)
    parser.add_argument('--batch', type=int, default=16,
                        help='per rank (default 16)')
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--kinds', nargs='+', default=['sgd', 'dkfac',
                                                       'dkfac_pre'],
                        choices=KINDS, help='sgd first (the ratios are to '
                        'it); default: sgd dkfac dkfac_pre')
    parser.add_argument('--assignment', default='contiguous',
                        help="DistributedKFAC's layer-to-rank assignment "
                        "(default 'contiguous', the original's)")
    parser.add_argument('--no-malloc-tuning', action='store_true',
                        help="glibc's default malloc (a lower peak RSS)")
    parser.add_argument('--json', help='write the results here (rank 0)')
    args = parser.parse_args()
    if args.kinds[0] != 'sgd':
        parser.error('--kinds: sgd comes first (the ratios are to it)')
    return args


def environment(comm, malloc_tuning):
    """bench_step_time's record (the exported tuning variables with it)
    and the ranks."""
    import chainer
    settings = runtime.apply_process_defaults(1, malloc_tuning=malloc_tuning)
    runtime.blas.set_kfac_blas_threads(1)
    env = bench.environment(settings, chainer.get_device('@numpy'))
    env['ranks'] = comm.size
    return env


def main():
    args = parse_args()
    from chainer_kfac.distributed.launch import in_mpi_launch
    if not in_mpi_launch():
        relaunch(args.ranks)
    import chainer_kfac
    comm = chainer_kfac.create_communicator('mpi')
    env = environment(comm, not args.no_malloc_tuning)
    if comm.rank == 0:
        bench.print_environment(env)
        print('ranks {}, batch {} per rank ({} global), assignment {}'.format(
            comm.size, args.batch, comm.size * args.batch, args.assignment),
            flush=True)
    load_before = os.getloadavg()
    times, phases, collectives = run(comm, args, tuple(args.kinds))
    if comm.rank != 0:
        return
    result = summarize(times, phases, collectives, args.steps)
    bench_resnet.show(args.batch * comm.size, result, args.steps)
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


if __name__ == '__main__':
    main()
