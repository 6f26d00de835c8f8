#!/usr/bin/env python
"""Median time per training step: momentum SGD vs K-FAC, LeNet-5, 3x32x32.

All optimizers are timed side by side in one run (interleaved steps, the
order rotated every round), so the ratio K-FAC/SGD is robust to the
machine's drift. Pin BLAS to one thread for
comparable numbers (``make bench`` does)::

    OMP_NUM_THREADS=1 python scripts/bench_step_time.py [--batches 128 2048]
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy

import chainer_kfac
import chainer
import chainer.links as L

from chainer_kfac.models import LeNet5


def make(kind):
    numpy.random.seed(0)
    model = L.Classifier(LeNet5())
    if kind == 'sgd':
        opt = chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9)
    elif kind == 'kfac':
        opt = chainer_kfac.KFAC(lr=0.01)
    else:  # K-FAC with factors every 10 and inverses every 100 steps
        opt = chainer_kfac.KFAC(lr=0.01, cov_update_freq=10,
                                inv_update_freq=100)
    opt.setup(model)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return model, opt


def bench(batch, steps, warmup):
    rng = numpy.random.RandomState(0)
    x = rng.rand(batch, 3, 32, 32).astype(numpy.float32)
    t = rng.randint(0, 10, batch).astype(numpy.int32)
    kinds = ['sgd', 'kfac', 'kfac_freq']
    runs = {k: make(k) for k in kinds}
    times = {k: [] for k in kinds}
    for i in range(warmup + steps):
        # Rotate the order every round so that no optimizer always runs
        # right after another one's large allocations.
        for k in kinds[i % 3:] + kinds[:i % 3]:
            model, opt = runs[k]
            start = time.perf_counter()
            opt.update(model, x, t)
            if i >= warmup:
                times[k].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batches', type=int, nargs='+', default=[128, 2048])
    parser.add_argument('--steps', type=int, default=0,
                        help='timed steps (default: 30 at b<=256, else 8)')
    parser.add_argument('--json', help='also write the results here')
    args = parser.parse_args()
    print('machine: {} ({} cores), OMP_NUM_THREADS={}, numpy {}, chainer {}'
          .format(platform.processor() or platform.machine(),
                  os.cpu_count(), os.environ.get('OMP_NUM_THREADS', 'unset'),
                  numpy.__version__, chainer.__version__))
    malloc = {k: v for k, v in os.environ.items() if k.startswith('MALLOC_')}
    print('malloc settings: {}'.format(malloc or 'glibc defaults'))
    results = {}
    for batch in args.batches:
        steps = args.steps or (30 if batch <= 256 else 8)
        med = bench(batch, steps, warmup=3 if batch <= 256 else 2)
        results[batch] = med
        sgd = med['sgd']
        print('batch {:5d}: SGD {:8.1f} ms | K-FAC {:8.1f} ms ({:.2f}x, '
              '+{:.1f} ms) | K-FAC cov/10 inv/100 {:8.1f} ms ({:.2f}x, '
              '+{:.1f} ms)  [median of {} steps]'.format(
                  batch, sgd * 1e3, med['kfac'] * 1e3, med['kfac'] / sgd,
                  (med['kfac'] - sgd) * 1e3, med['kfac_freq'] * 1e3,
                  med['kfac_freq'] / sgd, (med['kfac_freq'] - sgd) * 1e3,
                  steps))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
