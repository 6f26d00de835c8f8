#!/usr/bin/env python
"""Median time per training step and peak memory: momentum SGD vs K-FAC.

LeNet-5 on 3x32x32 inputs (CIFAR-10's; ``--input-shape 1 28 28`` for
Fashion-MNIST's, as scripts/time_to_accuracy.py uses; ``--model`` another
model of :data:`chainer_kfac.models.MODELS`), on the CPU or
``--device @cupy:N``. The three optimizers (SGD, K-FAC with factors and
inverses every step, K-FAC with cov_update_freq=10 and inv_update_freq=100)
are timed side by side in one process (interleaved steps, the order rotated
every round), each step on a fresh random batch (the same for all three),
so the ratios are robust to the machine's drift and nothing can overfit one
batch and diverge. Peak resident memory (``ru_maxrss``) is measured for
each optimizer in a fresh process of its own (CPU only). On a GPU each
batch is sent before the clock starts and the device is synchronised
before and after each timed step, so a step's time is its whole GPU work,
not only its launches.

The process starts with the runtime defaults of the experiments' entry point
(:func:`chainer_kfac.runtime.apply_process_defaults`: one BLAS thread,
glibc malloc keeping freed memory) unless told otherwise, and prints
what was in force::

    python scripts/bench_step_time.py [--batches 128 2048] [--json OUT]
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
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

from experiments.folders.repository import ROOT

import chainer_kfac  # NOQA: E402  (compatibility layer before Chainer)
import chainer  # NOQA: E402
import chainer.links as L  # NOQA: E402
import numpy  # NOQA: E402

from chainer_kfac import runtime  # NOQA: E402
from chainer_kfac import models  # NOQA: E402
from experiments.train import gpu_info  # NOQA: E402

from experiments.analysis import stats as study_stats  # NOQA: E402  (scripts/: the bootstrap's seed and size)

KINDS = ('sgd', 'kfac', 'kfac_freq')
LABELS = {'sgd': 'SGD', 'kfac': 'K-FAC',
          'kfac_freq': 'K-FAC cov/10 inv/100'}


#: (channels, height, width) of the benchmark's inputs (--input-shape).
DEFAULT_SHAPE = (3, 32, 32)


def make(kind, shape=DEFAULT_SHAPE, device=None, model='lenet5',
         n_classes=10):
    """A classifier (``model`` of the registry, LeNet-5 by default) and its
    optimizer (same initial weights), on ``device`` (default: the CPU)."""
    numpy.random.seed(0)
    model = L.Classifier(models.build(model, shape[0], shape[-1], n_classes))
    if device is not None:
        model.to_device(device)
    if kind == 'sgd':
        opt = chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9)
    elif kind == 'kfac':
        opt = chainer_kfac.KFAC(lr=0.01)
    elif kind == 'kfac_freq':
        opt = chainer_kfac.KFAC(lr=0.01, cov_update_freq=10,
                                inv_update_freq=100)
    else:
        raise ValueError('unknown optimizer {!r}; one of {}'.format(
            kind, KINDS))
    opt.setup(model)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return model, opt


def fresh_batch(rng, batch, shape=DEFAULT_SHAPE, n_classes=10):
    x = rng.rand(batch, *shape).astype(numpy.float32)
    return x, rng.randint(0, n_classes, batch).astype(numpy.int32)


def synchronize(device):
    """Wait for the GPU's queued work (nothing on the CPU)."""
    if device is not None and device.xp is not numpy:
        device.xp.cuda.runtime.deviceSynchronize()


def timed_step(model, opt, x, t, device=None):
    synchronize(device)
    start = time.perf_counter()
    opt.update(model, x, t)
    synchronize(device)
    elapsed = time.perf_counter() - start
    loss = float(model.loss.array)
    if not numpy.isfinite(loss):
        raise FloatingPointError('{}: loss {} at step {}'.format(
            type(opt).__name__, loss, opt.t))
    return elapsed


def bench(batch, steps, warmup, shape=DEFAULT_SHAPE, device=None,
          model='lenet5', n_classes=10):
    """{kind: seconds of each of the ``steps`` timed rounds}."""
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, shape, device, model, n_classes) for k in KINDS}
    times = {k: [] for k in KINDS}
    for i in range(warmup + steps):
        x, t = fresh_batch(rng, batch, shape, n_classes)
        if device is not None:
            x, t = device.send(x), device.send(t)
        # Rotate the order so no optimizer always runs right after another
        # one's large allocations.
        for k in KINDS[i % 3:] + KINDS[:i % 3]:
            elapsed = timed_step(*runs[k], x, t, device=device)
            if i >= warmup:
                times[k].append(elapsed)
    return times


def paired_ratio(times, kind, level=0.95):
    """``kind``'s total step time over SGD's on the same rounds (same
    batches, adjacent in time): the amortised cost, which counts the
    periodic factor and inverse steps of a K-FAC schedule (a median would
    skip them), with a percentile-bootstrap interval (rounds resampled with
    replacement; the study's seed and resample count,
    scripts/study_stats.py)."""
    kfac = numpy.asarray(times[kind])
    sgd = numpy.asarray(times['sgd'])
    rng = numpy.random.default_rng(study_stats.BOOTSTRAP_SEED)
    idx = rng.integers(0, kfac.size, size=(study_stats.N_RESAMPLES,
                                           kfac.size))
    ratios = kfac[idx].sum(axis=1) / sgd[idx].sum(axis=1)
    return float(kfac.sum() / sgd.sum()), study_stats.interval(ratios, level)


def peak_rss_child(kind, batch, steps, shape=DEFAULT_SHAPE, model='lenet5',
                   n_classes=10):
    """In this (fresh) process: ``steps`` steps of ``kind``; peak RSS."""
    model, opt = make(kind, shape, model=model, n_classes=n_classes)
    rng = numpy.random.RandomState(0)
    for _ in range(steps):
        timed_step(model, opt, *fresh_batch(rng, batch, shape, n_classes))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss(kind, batch, steps, args):
    """Peak RSS (bytes) of ``kind`` measured in a fresh subprocess."""
    cmd = [sys.executable, os.path.abspath(__file__), '--rss-child', kind,
           '--batches', str(batch), '--steps', str(steps),
           '--blas-threads', str(args.blas_threads),
           '--kfac-blas-threads', str(args.kfac_blas_threads or 'process'),
           '--model', args.model, '--classes', str(args.classes),
           '--input-shape'] + [str(n) for n in args.input_shape]
    if args.no_malloc_tuning:
        cmd.append('--no-malloc-tuning')
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return int(out.strip().splitlines()[-1])


def environment(settings, device):
    """What this run ran under: machine, versions, threads, malloc, and
    the device (with its GPU stack, experiments/gpu_info.py)."""
    exported = {k: v for k, v in os.environ.items()
                if k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
                         'OPENBLAS_CORETYPE')
                or k.startswith('MALLOC_')}
    return {'machine': platform.processor() or platform.machine(),
            'cores': runtime.blas.usable_cores(),
            'python': platform.python_version(), 'numpy': numpy.__version__,
            'chainer': chainer.__version__, 'exported': exported,
            'blas': settings['blas'], 'malloc': settings['malloc'],
            'device': gpu_info.describe(device)}


def print_environment(env):
    print('machine: {} ({} usable cores), python {}, numpy {}, chainer {}'
          .format(env['machine'], env['cores'], env['python'], env['numpy'],
                  env['chainer']))
    print('device: {}'.format(env['device']))
    print('exported variables: {}'.format(env['exported'] or 'none'))
    print('BLAS threads: {} [{}]; K-FAC\'s own work: {}'.format(
        env['blas']['threads'], env['blas']['source'],
        env['blas']['kfac_work_threads'] or 'the same'))
    malloc = env['malloc']
    print('malloc: {} [{}]{}'.format(
        malloc.get('applied') or malloc.get('env') or 'glibc defaults',
        malloc['source'], ' ' + malloc['note'] if 'note' in malloc else ''))


def summarize_times(times):
    """{kind: median seconds}, and {kind: (total-time ratio to SGD over
    the same rounds, its 95 % interval)} for the K-FAC kinds."""
    med = {k: statistics.median(v) for k, v in times.items()}
    return med, {k: paired_ratio(times, k) for k in KINDS[1:]}


def print_times(batch, med, ratios, steps):
    sgd = med['sgd']
    parts = ['{} {:.1f} ms'.format(LABELS['sgd'], sgd * 1e3)]
    for k in KINDS[1:]:
        r, (lo, hi) = ratios[k]
        parts.append('{} {:.1f} ms ({:.2f}x, {:+.1f} ms; total {:.2f}x '
                     '[{:.2f}, {:.2f}])'.format(
                         LABELS[k], med[k] * 1e3, med[k] / sgd,
                         (med[k] - sgd) * 1e3, r, lo, hi))
    print('batch {:5d}: {}  [median of {} steps; total: summed time over '
          'the same rounds / SGD\'s, 95 % bootstrap interval]'.format(
              batch, ' | '.join(parts), steps), flush=True)


def measure_memory(batch, steps, args):
    rss = {k: peak_rss(k, batch, steps, args) for k in KINDS}
    print('peak RSS at batch {} ({} steps, each optimizer in its own '
          'process): {}'.format(batch, steps, ' | '.join(
              '{} {:.0f} MB ({:.2f}x)'.format(LABELS[k], rss[k] / 2 ** 20,
                                              rss[k] / rss['sgd'])
              for k in KINDS)), flush=True)
    return rss


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batches', type=int, nargs='+', default=[128, 2048])
    parser.add_argument('--steps', type=int, default=0,
                        help='timed steps (default: 30 at b<=256, else 10)')
    parser.add_argument('--memory-batch', type=int, default=2048)
    parser.add_argument('--memory-steps', type=int, default=3)
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-RSS measurement')
    parser.add_argument('--blas-threads', default='auto',
                        help="'auto' (the entry point's default) or N")
    parser.add_argument('--kfac-blas-threads', default='1',
                        help="BLAS threads of K-FAC's own work: N (default "
                        "1) or 'process' (the process's count)")
    parser.add_argument('--no-malloc-tuning', action='store_true',
                        help="keep glibc's default malloc settings")
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes, for CI: batches 8, 2 steps')
    parser.add_argument('--input-shape', type=int, nargs=3,
                        default=list(DEFAULT_SHAPE), metavar=('C', 'H', 'W'),
                        help='input shape (default 3 32 32; Fashion-MNIST: '
                        '1 28 28)')
    parser.add_argument('--model', default='lenet5',
                        choices=sorted(models.MODELS),
                        help='a model of chainer_kfac.models (default '
                        'lenet5)')
    parser.add_argument('--classes', type=int, default=10,
                        help="the model's classes (default 10)")
    parser.add_argument('--json', help='also write the results here')
    parser.add_argument('--device', default='@numpy',
                        help="'@numpy' (default) or '@cupy:N'; on a GPU "
                        'the peak-RSS measurement is skipped')
    parser.add_argument('--rss-child', choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.blas_threads != 'auto':
        args.blas_threads = int(args.blas_threads)
    args.kfac_blas_threads = None if args.kfac_blas_threads == 'process' \
        else int(args.kfac_blas_threads)
    if args.quick:
        args.batches, args.steps = [8], 2
        args.memory_batch, args.memory_steps = 8, 1
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = runtime.apply_process_defaults(
        args.blas_threads, malloc_tuning=not args.no_malloc_tuning)
    runtime.blas.set_kfac_blas_threads(args.kfac_blas_threads)
    settings['blas']['kfac_work_threads'] = args.kfac_blas_threads
    if args.rss_child:
        print(peak_rss_child(args.rss_child, args.batches[0], args.steps,
                             tuple(args.input_shape), args.model,
                             args.classes))
        return
    device = chainer.get_device(args.device)
    device.use()
    env = environment(settings, device)
    print_environment(env)
    results = {'environment': env, 'step_seconds': {},
               'model': args.model, 'input_shape': list(args.input_shape)}
    for batch in args.batches:
        steps = args.steps or (30 if batch <= 256 else 10)
        times = bench(batch, steps, warmup=3 if batch <= 256 else 2,
                      shape=tuple(args.input_shape), device=device,
                      model=args.model, n_classes=args.classes)
        med, ratios = summarize_times(times)
        results['step_seconds'][batch] = med
        results.setdefault('paired_ratio', {})[batch] = {
            k: {'total_time_ratio': r, 'interval95': list(ci)}
            for k, (r, ci) in ratios.items()}
        results.setdefault('round_seconds', {})[batch] = times
        print_times(batch, med, ratios, steps)
    if not args.no_memory and device.xp is numpy:
        results['peak_rss_bytes'] = {args.memory_batch: measure_memory(
            args.memory_batch, args.memory_steps, args)}
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
