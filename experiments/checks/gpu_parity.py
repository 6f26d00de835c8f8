"""Parity checks of the GPU check (scripts/gpu_check.sh), with the numbers.

    python -m experiments gpu-check parity steps --device @cupy:0 [--steps 3]
    python -m experiments gpu-check parity logs REFERENCE_LOG LOG
        [--rtol R --atol A]
    python -m experiments gpu-check parity finite LOG

``steps``: the same LeNet-5, initial weights and batches, ``--steps`` K-FAC
updates on the CPU and on ``--device``; prints the largest difference of
every parameter and of every Kronecker factor and inverse, and fails when
one exceeds ``atol + rtol * |cpu|`` (float32: rtol 1e-3, atol 1e-5, as
tests/gpu). ``logs``: two Chainer JSON logs (a training run's ``log``),
entry by entry (matched by iteration); fails when a loss or an accuracy
differs by more than ``atol + rtol * |reference|`` or an entry is missing.
``finite``: a log with at least one entry and every number finite.
"""
import argparse
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import chainer_kfac  # the compatibility layer, before Chainer
import chainer
import chainer.links as L
import numpy

from chainer_kfac.models import LeNet5
from experiments.errors import StudyError

#: numbers of a log entry that say nothing about the numerics.
NOT_COMPARED = ('elapsed_time', 'epoch', 'iteration')


class LogError(StudyError):
    """A log the comparison cannot use (it has no entry)."""


def kfac_steps(device: Any, steps: int,
               batch: int = 16) -> dict[str, numpy.ndarray]:
    """{name: array on the CPU} of parameters, factors and inverses after
    ``steps`` K-FAC updates on ``device``."""
    numpy.random.seed(0)
    model = L.Classifier(LeNet5())
    model.to_device(device)
    opt = chainer_kfac.KFAC(lr=0.01, cov_ema_decay=0.8).setup(model)
    rng = numpy.random.RandomState(0)
    for _ in range(steps):
        x = rng.rand(batch, 3, 32, 32).astype(numpy.float32)
        t = rng.randint(0, 10, batch).astype(numpy.int32)
        opt.update(model, device.send(x), device.send(t))
    arrays = {n: to_host(p.array) for n, p in model.namedparams()}
    for block in opt.blocks:
        held = {'factors': block.running_averages(),
                'inverses': block.inverses}
        for kind in ('factors', 'inverses'):
            for i, a in enumerate(held[kind] or ()):
                if a is not None:
                    arrays['{}/{}{}'.format(block.name, kind, i)] = \
                        to_host(a)
    return arrays


def to_host(a: Any) -> numpy.ndarray:
    """A NumPy copy of a CuPy array, a NumPy array or a CPU inverse held
    as its Cholesky factor (CholeskyInverse: its explicit matrix)."""
    return chainer.backend.CpuDevice().send(a) if chainer.backend \
        .get_array_module(a) is not numpy else numpy.asarray(a)


def compare(reference: Mapping[str, Any], other: Mapping[str, Any],
            rtol: float, atol: float) -> list[str]:
    """Print one line per array; return the names beyond tolerance."""
    bad = []
    for name in sorted(reference):
        if name not in other:
            print('{:40s} missing'.format(name))
            bad.append(name)
            continue
        a, b = numpy.asarray(reference[name]), numpy.asarray(other[name])
        diff = numpy.abs(a - b)
        worst = float((diff / (atol + rtol * numpy.abs(a))).max())
        print('{:40s} max |diff| {:.2e}  max |ref| {:.2e}  tolerance used '
              '{:.0%}'.format(name, float(diff.max()),
                              float(numpy.abs(a).max()), worst))
        if not worst <= 1.0:
            bad.append(name)
    return bad


def cmd_steps(args: argparse.Namespace) -> int:
    reference = kfac_steps(chainer.get_device('@numpy'), args.steps)
    other = kfac_steps(chainer.get_device(args.device), args.steps)
    bad = compare(reference, other, args.rtol, args.atol)
    return report(bad, '{} K-FAC steps, @numpy vs {}: {} arrays'.format(
        args.steps, args.device, len(reference)))


def read_log(path: str) -> list[dict[str, Any]]:
    with open(path) as f:
        entries: list[dict[str, Any]] = json.load(f)
    if not entries:
        raise LogError('{}: the log has no entry'.format(path))
    return entries


def cmd_logs(args: argparse.Namespace) -> int:
    reference, other = read_log(args.reference), read_log(args.log)
    by_iteration = {e['iteration']: e for e in other}
    bad: list[str] = []
    for entry in reference:
        it = entry['iteration']
        values = {'{}@{}'.format(k, it): v for k, v in entry.items()
                  if k not in NOT_COMPARED and isinstance(v, (int, float))}
        mine = by_iteration.get(it, {})
        bad += compare(values, {'{}@{}'.format(k, it): v for k, v in
                                mine.items()}, args.rtol, args.atol)
    return report(bad, '{} vs {}: {} entries'.format(
        args.reference, args.log, len(reference)))


def cmd_finite(args: argparse.Namespace) -> int:
    entries = read_log(args.log)
    bad = ['{}@{}'.format(k, e.get('iteration')) for e in entries
           for k, v in e.items() if isinstance(v, float)
           and not math.isfinite(v)]
    last = entries[-1]
    print('last entry: {}'.format(json.dumps(last)))
    return report(bad, '{}: {} entries'.format(args.log, len(entries)))


def report(bad: Sequence[str], what: str) -> int:
    if bad:
        print('FAILED {}; beyond tolerance: {}'.format(what, ', '.join(bad)))
        return 1
    print('OK {}'.format(what))
    return 0


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments gpu-check parity',
        description=__doc__.splitlines()[0])
    sub = result.add_subparsers(dest='command', required=True)
    steps = sub.add_parser('steps')
    steps.add_argument('--device', default='@cupy:0')
    steps.add_argument('--steps', type=int, default=3)
    steps.set_defaults(run=cmd_steps)
    logs = sub.add_parser('logs')
    logs.add_argument('reference')
    logs.add_argument('log')
    logs.set_defaults(run=cmd_logs)
    finite = sub.add_parser('finite')
    finite.add_argument('log')
    finite.set_defaults(run=cmd_finite)
    for p in (steps, logs):
        p.add_argument('--rtol', type=float)
        p.add_argument('--atol', type=float)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command != 'finite':
        args.rtol = 1e-3 if args.rtol is None else args.rtol
        args.atol = 1e-5 if args.atol is None else args.atol
    status: int = args.run(args)
    return status
