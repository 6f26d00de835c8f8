"""The optimizers a benchmark compares, their batches and their timed steps.

Momentum SGD and K-FAC (every step, and cov_update_freq=10 with
inv_update_freq=100) on the same initial weights, each step on a fresh
random batch (the same for all), timed side by side in one process
(interleaved, the order rotated every round) with the device synchronised
before and after each step, so a step's time is its whole GPU work. The
step-time benchmark, the ResNet benchmarks and the GPU check's breakdown
all time their steps here; :func:`paired_ratio` is the figure a target is
judged by.
"""
import time
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # the compatibility layer, before Chainer
import chainer
import chainer.links as L
import numpy

from chainer_kfac import models
from experiments.analysis import stats

KINDS = ('sgd', 'kfac', 'kfac_freq')
LABELS = {'sgd': 'SGD', 'kfac': 'K-FAC',
          'kfac_freq': 'K-FAC cov/10 inv/100'}

#: K-FAC's options of each K-FAC kind (the refinements of
#: docs/refinements.md at the settings the study measures).
KFAC_OPTIONS: dict[str, dict[str, Any]] = {
    'kfac': {},
    'kfac_freq': dict(cov_update_freq=10, inv_update_freq=100),
    'kfac_mc': dict(fisher='mc'),
    'kfac_stale': dict(stale_tolerance=0.1),
    'kfac_damping': dict(damping_adaptation_interval=5),
    'kfac_kl_clip': dict(kl_clip=1e-3),
}
#: The kinds of ``python -m experiments bench refinements``.
REFINEMENT_KINDS = ('sgd', 'kfac', 'kfac_mc', 'kfac_stale', 'kfac_damping',
                    'kfac_kl_clip')
LABELS.update({'kfac_mc': 'K-FAC mc', 'kfac_stale': 'K-FAC stale 0.1',
               'kfac_damping': 'K-FAC LM damping /5',
               'kfac_kl_clip': 'K-FAC kl_clip 1e-3'})

#: (channels, height, width) of the benchmark's inputs (--input-shape).
DEFAULT_SHAPE = (3, 32, 32)

#: a shape of the inputs: (channels, height, width)
Shape = tuple[int, ...]
#: {kind: seconds of each timed round}
Times = dict[str, list[float]]
#: a batch of inputs and labels, on the host or sent to the device
Batch = tuple[Any, Any]


def make(kind: str, shape: Shape = DEFAULT_SHAPE, device: Any = None,
         model: str = 'lenet5', n_classes: int = 10
         ) -> tuple[chainer.Link, chainer.Optimizer]:
    """A classifier (``model`` of the registry, LeNet-5 by default) and its
    optimizer (same initial weights), on ``device`` (default: the CPU)."""
    numpy.random.seed(0)
    link = L.Classifier(models.build(model, shape[0], shape[-1], n_classes))
    if device is not None:
        link.to_device(device)
    if kind == 'sgd':
        opt = chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9)
    elif kind in KFAC_OPTIONS:
        opt = chainer_kfac.KFAC(lr=0.01, **KFAC_OPTIONS[kind])
    else:
        raise ValueError('unknown optimizer {!r}; one of sgd, {}'.format(
            kind, ', '.join(KFAC_OPTIONS)))
    opt.setup(link)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))
    return link, opt


def fresh_batch(rng: numpy.random.RandomState, batch: int,
                shape: Shape = DEFAULT_SHAPE, n_classes: int = 10) -> Batch:
    x = rng.rand(batch, *shape).astype(numpy.float32)
    return x, rng.randint(0, n_classes, batch).astype(numpy.int32)


def synchronize(device: Any) -> None:
    """Wait for the GPU's queued work (nothing on the CPU)."""
    if device is not None and device.xp is not numpy:
        device.xp.cuda.runtime.deviceSynchronize()


def timed_step(model: chainer.Link, opt: chainer.Optimizer, x: Any, t: Any,
               device: Any = None) -> float:
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


def bench(batch: int, steps: int, warmup: int, shape: Shape = DEFAULT_SHAPE,
          device: Any = None, model: str = 'lenet5',
          n_classes: int = 10, kinds: Sequence[str] = KINDS) -> Times:
    """{kind: seconds of each of the ``steps`` timed rounds}."""
    rng = numpy.random.RandomState(0)
    runs = {k: make(k, shape, device, model, n_classes) for k in kinds}
    times: Times = {k: [] for k in kinds}
    for i in range(warmup + steps):
        x, t = fresh_batch(rng, batch, shape, n_classes)
        if device is not None:
            x, t = device.send(x), device.send(t)
        # Rotate the order so no optimizer always runs right after another
        # one's large allocations.
        turn = i % len(kinds)
        for k in tuple(kinds[turn:]) + tuple(kinds[:turn]):
            elapsed = timed_step(*runs[k], x, t, device=device)
            if i >= warmup:
                times[k].append(elapsed)
    return times


def paired_ratio(times: Times, kind: str, level: float = 0.95
                 ) -> tuple[float, stats.Interval]:
    """``kind``'s total step time over SGD's on the same rounds (same
    batches, adjacent in time): the amortised cost, which counts the
    periodic factor and inverse steps of a K-FAC schedule (a median would
    skip them), with a percentile-bootstrap interval (rounds resampled with
    replacement; the study's seed and resample count,
    experiments/analysis/stats.py)."""
    kfac = numpy.asarray(times[kind])
    sgd = numpy.asarray(times['sgd'])
    rng = numpy.random.default_rng(stats.BOOTSTRAP_SEED)
    idx = rng.integers(0, kfac.size, size=(stats.N_RESAMPLES, kfac.size))
    ratios = kfac[idx].sum(axis=1) / sgd[idx].sum(axis=1)
    interval = stats.interval(ratios, level)
    if interval is None:
        raise FloatingPointError('{}: a step time is NaN'.format(kind))
    return float(kfac.sum() / sgd.sum()), interval
