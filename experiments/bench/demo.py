#!/usr/bin/env python
"""K-FAC vs momentum SGD on a generated classification problem.

Trains the same seeded MLP with both optimizers for the same number of steps
and prints both training-loss curves side by side. A smoke test of the whole
stack that needs no dataset.

    python scripts/quick_compare.py [--steps 60] [--batch 128]
"""
import argparse
import time

import numpy

import chainer_kfac  # NOQA: F401  (compatibility layer before Chainer)
import chainer
import chainer.functions as F
import chainer.links as L


def make_problem(n, dim=32, classes=10, seed=0):
    """Gaussian classes with random means: a seeded, learnable problem."""
    rng = numpy.random.RandomState(seed)
    means = rng.randn(classes, dim).astype(numpy.float32) * 1.5
    t = rng.randint(0, classes, size=n).astype(numpy.int32)
    x = means[t] + rng.randn(n, dim).astype(numpy.float32) * 2.0
    return x, t


def make_model(dim=32, classes=10, seed=0):
    numpy.random.seed(seed)
    return L.Classifier(chainer.Sequential(
        L.Linear(dim, 64), F.relu, L.Linear(64, 64), F.relu,
        L.Linear(64, classes)))


def train(optimizer, x, t, steps, batch, seed=0):
    model = make_model()
    optimizer.setup(model)
    rng = numpy.random.RandomState(seed)
    losses = []
    for _ in range(steps):
        idx = rng.randint(0, len(x), size=batch)
        optimizer.update(model, x[idx], t[idx])
        losses.append(float(model.loss.array))
    return losses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=0.01)
    args = parser.parse_args()
    x, t = make_problem(4096)
    curves = {}
    for name, opt in [
            ('momentum_sgd', chainer.optimizers.MomentumSGD(lr=args.lr)),
            ('kfac', chainer_kfac.KFAC(lr=args.lr))]:
        start = time.perf_counter()
        curves[name] = train(opt, x, t, args.steps, args.batch)
        print('{}: {} steps in {:.2f} s'.format(
            name, args.steps, time.perf_counter() - start))
    print('{:>5} {:>14} {:>10}'.format('step', 'momentum_sgd', 'kfac'))
    for i in range(0, args.steps, max(1, args.steps // 20)):
        print('{:>5} {:>14.4f} {:>10.4f}'.format(
            i + 1, curves['momentum_sgd'][i], curves['kfac'][i]))
    last = lambda c: sum(c[-5:]) / 5  # NOQA: E731
    print('mean loss of the last 5 steps: momentum_sgd {:.4f}, kfac {:.4f}'
          .format(last(curves['momentum_sgd']), last(curves['kfac'])))


if __name__ == '__main__':
    main()
