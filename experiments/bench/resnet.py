"""ResNet-50-D on the CPU: momentum SGD vs K-FAC per step, and where
K-FAC's time goes, per phase and per layer size.

    python -m experiments bench resnet [--batches 8 32] [--steps 3]
        [--warmup 1] [--model resnet50_d] [--json OUT]

Four optimizers on the same initial weights are timed side by side in one
process (interleaved steps, the order rotated every round, each round on a
fresh random batch the same for all; experiments/bench/timed_steps.py):

- ``sgd``: momentum SGD;
- ``kfac``: factors and inverses every step (intervals 1/1);
- ``kfac_cov``: factors and running averages every step, no inversion
  after the warm-up's (``inv_update_freq`` = 10^9);
- ``kfac_pre``: neither; only the solves with the warm-up's inverses
  (both intervals 10^9): what a step between factor updates costs.

The amortised cost of intervals (cov c, inv i), c dividing i, is computed
from these medians, not measured over a cycle (a cycle of 100 steps of
ResNet-50-D takes hours here): per i steps, one ``kfac`` step, i/c - 1
``kfac_cov`` steps and i - i/c ``kfac_pre`` steps. Without ``kfac_cov``
(to save memory) an upper bound is given instead: the factor steps
counted as full ``kfac`` steps (experiments/bench/amortised.py).

Every K-FAC step is timed by phase (the optimizer's own objects wrapped, the
package unchanged; experiments/bench/block_phases.py): each block's
statistics in the backward (``collect``: patches and the A and G products),
running averages, inversion (damping, Cholesky) and solves (G^-1 M A^-1),
grouped by the block's type and factor sizes, and the rest of the step
(forward, backward, update).
"""
import argparse
import json
import os
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # the compatibility layer, before Chainer
import chainer
import numpy

from chainer_kfac import runtime
from experiments.bench import timed_steps
from experiments.bench.amortised import NEVER
from experiments.bench.block_phases import Phases
from experiments.bench.environment import environment, print_environment
from experiments.bench.resnet_summary import show, summarize

KINDS = ('sgd', 'kfac', 'kfac_cov', 'kfac_pre')
INTERVALS = {'kfac': (1, 1), 'kfac_cov': (1, NEVER),
             'kfac_pre': (NEVER, NEVER)}


def make(kind: str, shape: timed_steps.Shape, model: str,
         n_classes: int) -> tuple[chainer.Link, chainer.Optimizer]:
    """Classifier and optimizer of ``kind`` (same weights for all)."""
    if kind == 'sgd':
        return timed_steps.make('sgd', shape, model=model,
                                n_classes=n_classes)
    link, _ = timed_steps.make('sgd', shape, model=model,
                               n_classes=n_classes)
    cov, inv = INTERVALS[kind]
    opt = chainer_kfac.KFAC(lr=0.01, cov_update_freq=cov,
                            inv_update_freq=inv)
    opt.setup(link)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return link, opt


def time_rounds(batch: int, steps: int, warmup: int,
                shape: timed_steps.Shape, model: str, n_classes: int,
                kinds: Sequence[str] = KINDS
                ) -> tuple[timed_steps.Times, dict[str, Phases]]:
    """({kind: seconds per timed round}, {kind: Phases})."""
    kinds = tuple(kinds)
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, shape, model, n_classes) for k in kinds}
    phases = {k: Phases() for k in kinds if k != 'sgd'}
    for k, p in phases.items():
        p.instrument(runs[k][1])
    times: timed_steps.Times = {k: [] for k in kinds}
    for i in range(warmup + steps):
        x, t = timed_steps.fresh_batch(rng, batch, shape, n_classes)
        row = {}
        for k in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:
            if k in phases:
                phases[k].counting = i >= warmup
            row[k] = timed_steps.timed_step(*runs[k], x, t)
            if i >= warmup:
                times[k].append(row[k])
        print('  round {}{}: {}'.format(
            i, ' (warm-up)' if i < warmup else '', ', '.join(
                '{} {:.1f} s'.format(k, row[k]) for k in kinds)), flush=True)
    return times, phases


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments bench resnet',
        description=__doc__.splitlines()[0])
    add = result.add_argument
    add('--model', default='resnet50_d')
    add('--input-shape', type=int, nargs=3, default=[3, 224, 224])
    add('--classes', type=int, default=1000)
    add('--batches', type=int, nargs='+', default=[8, 32])
    add('--steps', type=int, default=3)
    add('--warmup', type=int, default=1)
    add('--kinds', nargs='+', default=list(KINDS), choices=KINDS,
        help='sgd first, then any of the K-FAC kinds (default: all)')
    add('--blas-threads', default='1')
    add('--no-malloc-tuning', action='store_true',
        help="glibc's default malloc (freed memory goes back to the system: "
        'a lower peak RSS with four ResNet-50-D optimizers in one process)')
    add('--json', help='also write the results here')
    return result


def time_batches(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Every ``--batches`` timed, shown and written (after each batch, so a
    later failure keeps it) into ``results``."""
    for batch in args.batches:
        times, phases = time_rounds(
            batch, args.steps, args.warmup, tuple(args.input_shape),
            args.model, args.classes, tuple(args.kinds))
        results['batches'][batch] = summarize(times, phases, args.steps)
        show(batch, results['batches'][batch], args.steps)
        results['load_after'] = os.getloadavg()
        print('load average before/after: {} / {}'.format(
            results['load_before'], results['load_after']), flush=True)
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(results, f, indent=1)


def main(argv: Sequence[str] | None = None) -> int:
    command = parser()
    args = command.parse_args(argv)
    if args.kinds[0] != 'sgd':
        command.error('--kinds: sgd comes first (the ratios are to it)')
    threads = args.blas_threads
    settings = runtime.apply_process_defaults(
        threads if threads == 'auto' else int(threads),
        malloc_tuning=not args.no_malloc_tuning)
    runtime.blas.set_kfac_blas_threads(1)
    settings['blas']['kfac_work_threads'] = 1
    env = environment(settings, chainer.get_device('@numpy'))
    print_environment(env)
    results = {'environment': env, 'model': args.model,
               'input_shape': args.input_shape, 'steps': args.steps,
               'warmup': args.warmup, 'load_before': os.getloadavg(),
               'batches': {}}
    time_batches(args, results)
    return 0
