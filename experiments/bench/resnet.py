#!/usr/bin/env python
"""ResNet-50-D on the CPU: momentum SGD vs K-FAC per step, and where
K-FAC's time goes, per phase and per layer size.

    python scripts/bench_resnet.py [--batches 8 32] [--steps 3]
        [--warmup 1] [--model resnet50_d] [--json OUT]

Four optimizers on the same initial weights are timed side by side in one
process (interleaved steps, the order rotated every round, each round on a
fresh random batch the same for all; scripts/bench_step_time.py's helpers):

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
counted as full ``kfac`` steps.

Every K-FAC step is timed by phase (the optimizer's own objects wrapped, the
package unchanged): each block's statistics in the backward (``collect``:
patches and the A and G products), running averages, inversion (damping,
Cholesky) and solves (G^-1 M A^-1), grouped by the block's type and factor
sizes, and the rest of the step (forward, backward, update).
"""
import argparse
import collections
import json
import os
import statistics
import time


from experiments.bench import step_time as bench  # NOQA: E402  (chainer_kfac first)
import chainer_kfac  # NOQA: E402
import numpy  # NOQA: E402

from chainer_kfac import runtime  # NOQA: E402

KINDS = ('sgd', 'kfac', 'kfac_cov', 'kfac_pre')
NEVER = 10 ** 9
INTERVALS = {'kfac': (1, 1), 'kfac_cov': (1, NEVER),
             'kfac_pre': (NEVER, NEVER)}
PHASES = ('factors', 'running averages', 'inverses', 'solves')


def make(kind, shape, model, n_classes):
    """Classifier and optimizer of ``kind`` (same weights for all)."""
    if kind == 'sgd':
        return bench.make('sgd', shape, model=model, n_classes=n_classes)
    link, _ = bench.make('sgd', shape, model=model, n_classes=n_classes)
    cov, inv = INTERVALS[kind]
    opt = chainer_kfac.KFAC(lr=0.01, cov_update_freq=cov,
                            inv_update_freq=inv)
    opt.setup(link)
    import chainer
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return link, opt


def layer_label(block):
    """'Convolution2D A 4608 G 512': type and factor sizes."""
    sizes = ' '.join('{} {}'.format(n, s[0]) for n, s in zip(
        block.factor_names, block.factor_shapes(), strict=True))
    return '{} {}'.format(type(block.link).__name__, sizes)


class Phases:
    """Seconds per (phase, layer label) of one optimizer's timed steps."""

    def __init__(self):
        self.seconds = collections.Counter()
        self.layers = collections.Counter()
        self.counting = False

    def wrap(self, phase, label, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                if self.counting:
                    self.seconds[phase, label] += \
                        time.perf_counter() - start
        return timed

    def instrument(self, opt):
        for block in opt.blocks:
            label = layer_label(block)
            self.layers[label] += 1
            for phase, attr in zip(PHASES, (
                    'collect', 'update_running_average', 'invert',
                    'precondition'), strict=True):
                setattr(block, attr, self.wrap(phase, label,
                                               getattr(block, attr)))


def run(batch, steps, warmup, shape, model, n_classes, kinds=KINDS):
    """({kind: seconds per timed round}, {kind: Phases})."""
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, shape, model, n_classes) for k in kinds}
    phases = {k: Phases() for k in kinds if k != 'sgd'}
    for k, p in phases.items():
        p.instrument(runs[k][1])
    times = {k: [] for k in kinds}
    for i in range(warmup + steps):
        x, t = bench.fresh_batch(rng, batch, shape, n_classes)
        row = {}
        for k in kinds[i % len(kinds):] + kinds[:i % len(kinds)]:
            if k in phases:
                phases[k].counting = i >= warmup
            row[k] = bench.timed_step(*runs[k], x, t)
            if i >= warmup:
                times[k].append(row[k])
        print('  round {}{}: {}'.format(
            i, ' (warm-up)' if i < warmup else '', ', '.join(
                '{} {:.1f} s'.format(k, row[k]) for k in kinds)), flush=True)
    return times, phases


def amortised(med, cov, inv):
    """Mean seconds per step of intervals (cov, inv) from the medians."""
    factor_steps = inv // cov
    return (med['kfac'] + (factor_steps - 1) * med['kfac_cov']
            + (inv - factor_steps) * med['kfac_pre']) / inv


def amortised_ratio(med, cov=10, inv=100):
    """(ratio to SGD of intervals (cov, inv), exact) from the medians, or
    None without ``kfac`` and ``kfac_pre``. Without ``kfac_cov`` (not timed,
    to save memory) the factor steps count as full ``kfac`` steps: an upper
    bound, ``exact`` False."""
    if not {'kfac', 'kfac_pre'} <= set(med):
        return None
    exact = 'kfac_cov' in med
    full = med if exact else dict(med, kfac_cov=med['kfac'])
    return amortised(full, cov, inv) / med['sgd'], exact


def breakdown(phases, steps):
    """{label: {phase: seconds per step}} of one K-FAC kind."""
    table = collections.defaultdict(dict)
    for (phase, label), sec in phases.seconds.items():
        table[label][phase] = sec / steps
        table[label]['layers'] = phases.layers[label]
    return dict(table)


def summarize(times, phases, steps):
    med = {k: statistics.median(v) for k, v in times.items()}
    kinds = [k for k in times if k != 'sgd']
    ratios = {k: med[k] / med['sgd'] for k in kinds}
    ten_hundred = amortised_ratio(med)
    if ten_hundred is not None:
        exact = ten_hundred[1]
        ratios['amortised 10/100' if exact else
               'amortised 10/100, upper bound'] = ten_hundred[0]
        if exact:
            ratios['amortised 1/10'] = amortised_ratio(med, 1, 10)[0]
    return {'median_seconds': med, 'ratio_to_sgd': ratios,
            'paired_total_ratio': {k: bench.paired_ratio(times, k)[0]
                                   for k in kinds},
            'round_seconds': times,
            'phases': {k: breakdown(p, steps) for k, p in phases.items()}}


def show(batch, result, steps):
    med, ratios = result['median_seconds'], result['ratio_to_sgd']
    print('batch {} (median of {} rounds): {}'.format(batch, steps, ' | '.join(
        '{} {:.2f} s{}'.format(k, med[k], '' if k == 'sgd' else
                               ' ({:.2f}x)'.format(ratios[k]))
        for k in med)))
    if 'amortised 10/100, upper bound' in ratios:
        print('  amortised 10/100 at most {:.2f}x (no kfac_cov timed: every '
              'factor step counted as a full step)'.format(
                  ratios['amortised 10/100, upper bound']))
    if 'amortised 10/100' in ratios:
        print('  amortised 10/100: {:.2f}x, 1/10: {:.2f}x (from the '
              'medians)'.format(ratios['amortised 10/100'],
                                ratios['amortised 1/10']))
    if 'kfac' in result['phases']:
        show_layers(result['phases']['kfac'], med)
    if 'kfac_pre' in result['phases']:
        solves = sum(r.get('solves', 0.0)
                     for r in result['phases']['kfac_pre'].values())
        print('  preconditioning-only step: solves {:.3f} s of {:.3f} '
              's'.format(solves, med['kfac_pre']))


def show_layers(table, med):
    """The every-step K-FAC's phases by layer, and the rest of its step."""
    total = collections.Counter()
    print('  K-FAC every step, seconds per step by layer:')
    print('    {:38s} {}'.format('layer type, factor sizes x layers', ' '.join(
        '{:>9s}'.format(p[:9]) for p in PHASES)))
    for label, row in sorted(table.items(),
                             key=lambda kv: -sum(kv[1].get(p, 0.0)
                                                 for p in PHASES)):
        total.update({p: row.get(p, 0.0) for p in PHASES})
        print('    {:38s} {}'.format(
            '{} x{}'.format(label, row['layers']), ' '.join(
                '{:9.3f}'.format(row.get(p, 0.0)) for p in PHASES)))
    print('    {:38s} {}'.format('all layers', ' '.join(
        '{:9.3f}'.format(total[p]) for p in PHASES)))
    rest = med['kfac'] - sum(total[p] for p in PHASES)
    print('    rest of the step (forward, backward, update): {:.3f} s '
          '(SGD step {:.3f} s)'.format(rest, med['sgd']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='resnet50_d')
    parser.add_argument('--input-shape', type=int, nargs=3,
                        default=[3, 224, 224])
    parser.add_argument('--classes', type=int, default=1000)
    parser.add_argument('--batches', type=int, nargs='+', default=[8, 32])
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--kinds', nargs='+', default=list(KINDS),
                        choices=KINDS, help='sgd first, then any of the '
                        'K-FAC kinds (default: all)')
    parser.add_argument('--blas-threads', default='1')
    parser.add_argument('--no-malloc-tuning', action='store_true',
                        help="glibc's default malloc (freed memory goes "
                        'back to the system: a lower peak RSS with four '
                        'ResNet-50-D optimizers in one process)')
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args()
    if args.kinds[0] != 'sgd':
        parser.error('--kinds: sgd comes first (the ratios are to it)')
    threads = args.blas_threads
    settings = runtime.apply_process_defaults(
        threads if threads == 'auto' else int(threads),
        malloc_tuning=not args.no_malloc_tuning)
    runtime.blas.set_kfac_blas_threads(1)
    settings['blas']['kfac_work_threads'] = 1
    import chainer
    env = bench.environment(settings, chainer.get_device('@numpy'))
    bench.print_environment(env)
    results = {'environment': env, 'model': args.model,
               'input_shape': args.input_shape, 'steps': args.steps,
               'warmup': args.warmup, 'load_before': os.getloadavg(),
               'batches': {}}
    for batch in args.batches:
        times, phases = run(batch, args.steps, args.warmup,
                            tuple(args.input_shape), args.model, args.classes,
                            tuple(args.kinds))
        results['batches'][batch] = summarize(times, phases, args.steps)
        show(batch, results['batches'][batch], args.steps)
        results['load_after'] = os.getloadavg()
        print('load average before/after: {} / {}'.format(
            results['load_before'], results['load_after']), flush=True)
        if args.json:  # after each batch, so a later failure keeps it
            with open(args.json, 'w') as f:
                json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
