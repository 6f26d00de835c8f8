"""Step time of each refinement of docs/refinements.md against SGD and
plain K-FAC, side by side in one process.

LeNet-5 on Fashion-MNIST's 1x28x28 inputs by default (the study's
``fmnist_e20``), the kinds of
:data:`experiments.bench.timed_steps.REFINEMENT_KINDS` (SGD, K-FAC every
step, ``fisher='mc'``, ``stale_tolerance=0.1``,
``damping_adaptation_interval=5``, ``kl_clip=1e-3``) interleaved with the
order rotated every round, each round on a fresh random batch (the same for
all)::

    python -m experiments bench refinements [--batches 128 2048]
        [--steps N] [--json OUT]

It prints each kind's median step and its total time over SGD's on the same
rounds with a 95 % bootstrap interval (the figure a target is judged by;
the periodic steps of stale statistics and adaptive damping included). On
random batches the stale schedules grow as far as random data's factors
stay within the tolerance; the study's training logs give them on the real
data.
"""
import argparse
import json
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # NOQA: F401  (the compatibility layer before Chainer)
import chainer

from chainer_kfac import runtime
from experiments.bench import step_time, timed_steps
from experiments.bench.environment import environment, print_environment
from experiments.errors import run


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments bench refinements',
        description=__doc__.splitlines()[0])
    add = result.add_argument
    add('--batches', type=int, nargs='+', default=[128, 2048])
    add('--steps', type=int, default=0,
        help='timed rounds (default: 40 at b<=256, else 10)')
    add('--input-shape', type=int, nargs=3, default=[1, 28, 28],
        metavar=('C', 'H', 'W'), help='default: Fashion-MNIST 1 28 28')
    add('--quick', action='store_true', help='batch 8, 2 rounds (CI)')
    add('--json', help='also write the results here')
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quick:
        args.batches, args.steps = [8], 2
    settings = runtime.apply_process_defaults('auto', malloc_tuning=True)
    runtime.blas.set_kfac_blas_threads(1)
    settings['blas']['kfac_work_threads'] = 1
    device = chainer.get_device('@numpy')
    env = environment(settings, device)
    print_environment(env)
    record: dict[str, Any] = {
        'environment': env, 'kinds': timed_steps.KFAC_OPTIONS,
        'round_seconds': {}, 'paired_ratio': {}}
    for batch in args.batches:
        steps = args.steps or (40 if batch <= 256 else 10)
        times = timed_steps.bench(
            batch, steps, warmup=3 if batch <= 256 else 2,
            shape=tuple(args.input_shape),
            kinds=timed_steps.REFINEMENT_KINDS)
        med, ratios = step_time.summarize_times(times)
        step_time.print_times(batch, med, ratios, steps)
        record['round_seconds'][batch] = times
        record['paired_ratio'][batch] = {
            k: {'total_time_ratio': r, 'interval95': list(ci)}
            for k, (r, ci) in ratios.items()}
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(record, f, indent=1)
    return 0


if __name__ == '__main__':
    raise SystemExit(run(main))
