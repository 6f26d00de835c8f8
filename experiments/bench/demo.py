"""K-FAC vs momentum SGD on a generated classification problem.

Trains the same seeded MLP with both optimizers for the same number of steps
and prints both training-loss curves side by side. A smoke test of the whole
stack that needs no dataset.

    python -m experiments demo [--steps 60] [--batch 128]
"""
import argparse
import time
from collections.abc import Sequence

import numpy

import chainer_kfac  # NOQA: F401  (compatibility layer before Chainer)
import chainer
import chainer.functions as F
import chainer.links as L


def make_problem(n: int, dim: int = 32, classes: int = 10,
                 seed: int = 0) -> tuple[numpy.ndarray, numpy.ndarray]:
    """Gaussian classes with random means: a seeded, learnable problem."""
    rng = numpy.random.RandomState(seed)
    means = rng.randn(classes, dim).astype(numpy.float32) * 1.5
    t = rng.randint(0, classes, size=n).astype(numpy.int32)
    x = means[t] + rng.randn(n, dim).astype(numpy.float32) * 2.0
    return x, t


def make_model(dim: int = 32, classes: int = 10,
               seed: int = 0) -> chainer.Link:
    numpy.random.seed(seed)
    return L.Classifier(chainer.Sequential(
        L.Linear(dim, 64), F.relu, L.Linear(64, 64), F.relu,
        L.Linear(64, classes)))


def train(optimizer: chainer.Optimizer, x: numpy.ndarray, t: numpy.ndarray,
          steps: int, batch: int, seed: int = 0) -> list[float]:
    model = make_model()
    optimizer.setup(model)
    rng = numpy.random.RandomState(seed)
    losses = []
    for _ in range(steps):
        idx = rng.randint(0, len(x), size=batch)
        optimizer.update(model, x[idx], t[idx])
        losses.append(float(model.loss.array))
    return losses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments demo',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=60)
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--lr', type=float, default=0.01)
    args = parser.parse_args(argv)
    x, t = make_problem(4096)
    curves: dict[str, list[float]] = {}
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
    print('mean loss of the last 5 steps: momentum_sgd {:.4f}, kfac {:.4f}'
          .format(last_five(curves['momentum_sgd']),
                  last_five(curves['kfac'])))
    return 0


def last_five(curve: Sequence[float]) -> float:
    """The mean of a curve's last 5 values."""
    return sum(curve[-5:]) / 5
