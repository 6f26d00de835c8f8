"""Median time per training step and peak memory: momentum SGD vs K-FAC.

LeNet-5 on 3x32x32 inputs (CIFAR-10's; ``--input-shape 1 28 28`` for
Fashion-MNIST's, as ``python -m experiments time-to-accuracy`` uses;
``--model`` another model of :data:`chainer_kfac.models.MODELS`), on the
CPU or ``--device @cupy:N``. The three optimizers (SGD, K-FAC with factors
and inverses every step, K-FAC with cov_update_freq=10 and
inv_update_freq=100) are timed side by side in one process (interleaved
steps, the order rotated every round), each step on a fresh random batch
(the same for all three), so the ratios are robust to the machine's drift
and nothing can overfit one batch and diverge (experiments/bench/
timed_steps.py). Peak resident memory (``ru_maxrss``) is measured for each
optimizer in a fresh process of its own (CPU only). On a GPU each batch is
sent before the clock starts and the device is synchronised before and
after each timed step, so a step's time is its whole GPU work, not only its
launches.

The process starts with the runtime defaults of the experiments' entry point
(:func:`chainer_kfac.runtime.apply_process_defaults`: one BLAS thread,
glibc malloc keeping freed memory) unless told otherwise, and prints
what was in force::

    python -m experiments bench step-time [--batches 128 2048] [--json OUT]
        [--blas-threads N] [--no-malloc-tuning] [--no-memory] [--quick]
        [--device @numpy|@cupy:N]

Besides the medians it prints, per K-FAC variant, its total time over SGD's
on the same rounds (the amortised cost, periodic factor/inverse steps
included) with a 95 % percentile-bootstrap interval over rounds: the figure
a target is judged by. The default step counts (30 at batch <= 256, 10
above) each hold at least one factor step of the cov/10 schedule.
"""
import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import chainer_kfac  # NOQA: F401  (the compatibility layer before Chainer)
import chainer
import numpy

from chainer_kfac import models, runtime
from experiments.bench import memory, timed_steps
from experiments.bench.environment import Environment, environment
from experiments.bench.environment import print_environment
from experiments.bench.timed_steps import DEFAULT_SHAPE, KINDS, LABELS
from experiments.errors import run

#: {kind: median seconds}
Medians = dict[str, float]
#: {kind: (total-time ratio to SGD over the same rounds, its interval)}
Ratios = dict[str, tuple[float, tuple[float, float]]]


class PairedRatio(TypedDict):
    total_time_ratio: float
    interval95: list[float]


class Record(TypedDict):
    """The ``--json`` file (batches are its keys' integers)."""
    environment: Environment
    step_seconds: dict[int, Medians]
    model: str
    input_shape: list[int]
    paired_ratio: dict[int, dict[str, PairedRatio]]
    round_seconds: dict[int, timed_steps.Times]
    peak_rss_bytes: NotRequired[dict[int, dict[str, int]]]


def summarize_times(times: timed_steps.Times) -> tuple[Medians, Ratios]:
    """{kind: median seconds}, and {kind: (total-time ratio to SGD over
    the same rounds, its 95 % interval)} for the K-FAC kinds."""
    med = {k: statistics.median(v) for k, v in times.items()}
    return med, {k: timed_steps.paired_ratio(times, k) for k in times
                 if k != 'sgd'}


def print_times(batch: int, med: Medians, ratios: Ratios,
                steps: int) -> None:
    sgd = med['sgd']
    parts = ['{} {:.1f} ms'.format(LABELS['sgd'], sgd * 1e3)]
    for k in ratios:
        r, (lo, hi) = ratios[k]
        parts.append('{} {:.1f} ms ({:.2f}x, {:+.1f} ms; total {:.2f}x '
                     '[{:.2f}, {:.2f}])'.format(
                         LABELS[k], med[k] * 1e3, med[k] / sgd,
                         (med[k] - sgd) * 1e3, r, lo, hi))
    print('batch {:5d}: {}  [median of {} steps; total: summed time over '
          'the same rounds / SGD\'s, 95 % bootstrap interval]'.format(
              batch, ' | '.join(parts), steps), flush=True)


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments bench step-time',
        description=__doc__.splitlines()[0])
    add = result.add_argument
    add('--batches', type=int, nargs='+', default=[128, 2048])
    add('--steps', type=int, default=0,
        help='timed steps (default: 30 at b<=256, else 10)')
    add('--memory-batch', type=int, default=2048)
    add('--memory-steps', type=int, default=3)
    add('--no-memory', action='store_true',
        help='skip the peak-RSS measurement')
    add('--blas-threads', default='auto',
        help="'auto' (the entry point's default) or N")
    add('--kfac-blas-threads', default='1',
        help="BLAS threads of K-FAC's own work: N (default 1) or 'process' "
        "(the process's count)")
    add('--no-malloc-tuning', action='store_true',
        help="keep glibc's default malloc settings")
    add('--quick', action='store_true',
        help='tiny sizes, for CI: batches 8, 2 steps')
    add('--input-shape', type=int, nargs=3, default=list(DEFAULT_SHAPE),
        metavar=('C', 'H', 'W'),
        help='input shape (default 3 32 32; Fashion-MNIST: 1 28 28)')
    add('--model', default='lenet5', choices=sorted(models.MODELS),
        help='a model of chainer_kfac.models (default lenet5)')
    add('--classes', type=int, default=10,
        help="the model's classes (default 10)")
    add('--json', help='also write the results here')
    add('--device', default='@numpy',
        help="'@numpy' (default) or '@cupy:N'; on a GPU the peak-RSS "
        'measurement is skipped')
    add('--rss-child', choices=KINDS, help=argparse.SUPPRESS)
    return result


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser().parse_args(argv)
    if args.blas_threads != 'auto':
        args.blas_threads = int(args.blas_threads)
    args.kfac_blas_threads = None if args.kfac_blas_threads == 'process' \
        else int(args.kfac_blas_threads)
    if args.quick:
        args.batches, args.steps = [8], 2
        args.memory_batch, args.memory_steps = 8, 1
    return args


def time_batches(args: argparse.Namespace, device: Any,
                 env: Environment) -> Record:
    """Every ``--batches`` timed and printed: the record's step times."""
    results: Record = {
        'environment': env, 'step_seconds': {}, 'model': args.model,
        'input_shape': list(args.input_shape), 'paired_ratio': {},
        'round_seconds': {}}
    for batch in args.batches:
        steps = args.steps or (30 if batch <= 256 else 10)
        times = timed_steps.bench(
            batch, steps, warmup=3 if batch <= 256 else 2,
            shape=tuple(args.input_shape), device=device, model=args.model,
            n_classes=args.classes)
        med, ratios = summarize_times(times)
        results['step_seconds'][batch] = med
        results['paired_ratio'][batch] = {
            k: {'total_time_ratio': r, 'interval95': list(ci)}
            for k, (r, ci) in ratios.items()}
        results['round_seconds'][batch] = times
        print_times(batch, med, ratios, steps)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    settings = runtime.apply_process_defaults(
        args.blas_threads, malloc_tuning=not args.no_malloc_tuning)
    runtime.blas.set_kfac_blas_threads(args.kfac_blas_threads)
    settings['blas']['kfac_work_threads'] = args.kfac_blas_threads
    if args.rss_child:
        print(memory.peak_rss_child(args.rss_child, args.batches[0],
                                    args.steps, tuple(args.input_shape),
                                    args.model, args.classes))
        return 0
    device = chainer.get_device(args.device)
    device.use()
    env = environment(settings, device)
    print_environment(env)
    results = time_batches(args, device, env)
    if not args.no_memory and device.xp is numpy:
        results['peak_rss_bytes'] = {args.memory_batch: memory.measure_memory(
            args.memory_batch, args.memory_steps, memory.child_options(args))}
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':  # the peak-RSS child (memory.peak_rss)
    sys.exit(run(main))
