"""Communication volume and strong scaling of DistributedKFAC on LeNet-5.

Run under MPI (it re-launches itself, ``python -m experiments.bench.comm``
on every rank, with launch.py's mpiexec if started plainly)::

    OMP_NUM_THREADS=1 python -m experiments bench comm [--ranks 2]
        [--batch 2048]

Measures, in one run:

- bytes per step through each collective, packed (symmetric factors as
  upper triangles) vs what the same arrays would take unpacked, and the
  model of docs/communication.md for the same layers;
- seconds per collective (median over steps);
- strong scaling of a K-FAC step at a fixed global batch: rank 0 alone runs
  single-process KFAC on the whole batch (the other ranks wait at a
  barrier), then all ranks run DistributedKFAC on batch/N each.
  Efficiency = T(1) / (N * T(N)).
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

from experiments.errors import run

#: {collective: [its CommStats entry of each timed step]}
PerKind = dict[str, list[dict[str, Any]]]


def relaunch(ranks: int, argv: Sequence[str]) -> int:
    """This benchmark on ``ranks`` ranks under mpiexec; its exit status."""
    from chainer_kfac.distributed.launch import describe, mpiexec_argv
    cmd = mpiexec_argv(ranks) + [sys.executable, '-m',
                                 'experiments.bench.comm'] + list(argv)
    print(describe(), flush=True)
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    # mpiexec passes the environment on (MALLOC_* included, see Makefile).
    return subprocess.call(cmd, env=env)


def lenet_volume(model: Any, ranks: int) -> dict[str, float]:
    """Bytes per step predicted by the model in docs/communication.md."""
    from chainer_kfac.distributed.comm_model import step_volume
    layers = []
    for link in (model.predictor.conv1, model.predictor.conv2,
                 model.predictor.fc3, model.predictor.fc4,
                 model.predictor.fc5):
        k = link.W.size // link.W.shape[0] + 1
        layers.append((k, link.W.shape[0]))
    return step_volume(layers, ranks)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python -m experiments bench comm',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--ranks', type=int, default=2)
    parser.add_argument('--batch', type=int, default=2048)
    parser.add_argument('--steps', type=int, default=6)
    parser.add_argument('--json', help='write the results here (rank 0)')
    return parser.parse_args(argv)


def new_model() -> Any:
    """LeNet-5 classifier with the same initial weights on every call."""
    import numpy
    import chainer.links as L
    from chainer_kfac.models import LeNet5
    numpy.random.seed(0)
    return L.Classifier(LeNet5())


def time_single(x: Any, t: Any, steps: int) -> list[float]:
    """Seconds per step (the first, warm-up step dropped) of KFAC on one
    process with the whole global batch."""
    import chainer_kfac
    model = new_model()
    opt = chainer_kfac.KFAC(lr=0.01).setup(model)
    times = []
    for i in range(steps + 1):
        start = time.perf_counter()
        opt.update(model, x, t)
        if i:
            times.append(time.perf_counter() - start)
    return times


def time_distributed(comm: Any, x: Any, t: Any, steps: int
                     ) -> tuple[list[float], PerKind, Any]:
    """DistributedKFAC on batch/N per rank: (seconds per step, {collective:
    [stats per step]}, the optimizer)."""
    import numpy
    import chainer_kfac
    model = new_model()
    opt = chainer_kfac.DistributedKFAC(comm, lr=0.01,
                                       assignment='balanced').setup(model)
    mine = numpy.array_split(numpy.arange(len(x)), comm.size)[comm.rank]
    times: list[float] = []
    per_kind: PerKind = {}
    for i in range(steps + 1):
        comm.stats.reset()
        comm.barrier()
        start = time.perf_counter()
        opt.update(model, x[mine], t[mine])
        elapsed = time.perf_counter() - start
        if i:
            times.append(elapsed)
            for kind, entry in comm.stats.as_dict().items():
                per_kind.setdefault(kind, []).append(entry)
    return times, per_kind, opt


def summarize(args: argparse.Namespace, size: int, single: list[float],
              multi: list[float], per_kind: PerKind,
              opt: Any) -> dict[str, Any]:
    """The result table: bytes moved (measured, modelled, packed vs full
    factors), collective and step times, strong-scaling efficiency."""
    model = opt.target
    factor_full = sum(sum(s[0] * s[1] for s in b.factor_shapes())
                      for b in opt.blocks) * 4
    factor_packed = sum(sum(s[0] * (s[0] + 1) // 2 for s in
                            b.factor_shapes()) for b in opt.blocks) * 4
    grads = sum(p.size for p in model.params()) * 4
    t1, tn = statistics.median(single), statistics.median(multi)
    rs, ag = per_kind['reduce_scatter_v'], per_kind['all_gather_v']
    predicted = lenet_volume(model, size)
    return {
        'ranks': size, 'global_batch': args.batch, 'steps': args.steps,
        'bytes_reduce_scatter_v': rs[-1]['bytes'],
        'bytes_all_gather_v': ag[-1]['bytes'],
        'bytes_unpacked_reduce_scatter': factor_full + grads,
        'factor_bytes_packed': factor_packed,
        'factor_bytes_unpacked': factor_full,
        'factor_packed_ratio': factor_packed / factor_full,
        'model_bytes_reduce_scatter_v': predicted['reduce_scatter_v'],
        'model_bytes_all_gather_v': predicted['all_gather_v'],
        'seconds_reduce_scatter_v': statistics.median(
            e['seconds'] for e in rs),
        'seconds_all_gather_v': statistics.median(e['seconds'] for e in ag),
        'step_seconds_1_rank': t1, 'step_seconds_n_ranks': tn,
        'strong_scaling_efficiency': t1 / (size * tn),
    }


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    from chainer_kfac.distributed.launch import in_mpi_launch
    if not in_mpi_launch():
        return relaunch(args.ranks, argv)
    import numpy
    import chainer_kfac
    comm = chainer_kfac.create_communicator('mpi')
    rng = numpy.random.RandomState(0)
    x = rng.rand(args.batch, 3, 32, 32).astype(numpy.float32)
    t = rng.randint(0, 10, args.batch).astype(numpy.int32)
    # 1 rank: rank 0 alone on the whole global batch; then N ranks.
    single = time_single(x, t, args.steps) if comm.rank == 0 else []
    comm.barrier()
    multi, per_kind, opt = time_distributed(comm, x, t, args.steps)
    if comm.rank != 0:
        return 0
    result = summarize(args, comm.size, single, multi, per_kind, opt)
    for key, value in result.items():
        print('{:32s} {}'.format(key, round(value, 4)
                                 if isinstance(value, float) else value))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == '__main__':  # every rank, under mpiexec (relaunch)
    sys.exit(run(main))
