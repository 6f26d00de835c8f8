"""Peak resident memory of each optimizer of the step-time benchmark, each
measured in a fresh process of its own (``ru_maxrss`` of
``python -m experiments.bench.step_time --rss-child KIND``), so that no
optimizer's allocations count in another's peak. CPU only."""
import argparse
import resource
import subprocess
import sys
from typing import NamedTuple

import numpy

from experiments.bench import timed_steps
from experiments.bench.timed_steps import DEFAULT_SHAPE, KINDS, LABELS
from experiments.folders.repository import ROOT


class ChildOptions(NamedTuple):
    """The benchmark's options a memory child runs with."""
    blas_threads: str | int
    kfac_blas_threads: int | None
    model: str
    classes: int
    input_shape: tuple[int, ...]
    no_malloc_tuning: bool


def child_options(args: argparse.Namespace) -> ChildOptions:
    return ChildOptions(args.blas_threads, args.kfac_blas_threads,
                        args.model, args.classes, tuple(args.input_shape),
                        args.no_malloc_tuning)


def peak_rss_child(kind: str, batch: int, steps: int,
                   shape: timed_steps.Shape = DEFAULT_SHAPE,
                   model: str = 'lenet5', n_classes: int = 10) -> int:
    """In this (fresh) process: ``steps`` steps of ``kind``; peak RSS."""
    link, opt = timed_steps.make(kind, shape, model=model,
                                 n_classes=n_classes)
    rng = numpy.random.RandomState(0)
    for _ in range(steps):
        timed_steps.timed_step(link, opt, *timed_steps.fresh_batch(
            rng, batch, shape, n_classes))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_command(kind: str, batch: int, steps: int,
                  options: ChildOptions) -> list[str]:
    """The command line of the fresh process that measures ``kind``."""
    cmd = [sys.executable, '-m', 'experiments.bench.step_time',
           '--rss-child', kind, '--batches', str(batch), '--steps',
           str(steps), '--blas-threads', str(options.blas_threads),
           '--kfac-blas-threads', str(options.kfac_blas_threads
                                      or 'process'),
           '--model', options.model, '--classes', str(options.classes),
           '--input-shape'] + [str(n) for n in options.input_shape]
    if options.no_malloc_tuning:
        cmd.append('--no-malloc-tuning')
    return cmd


def peak_rss(kind: str, batch: int, steps: int,
             options: ChildOptions) -> int:
    """Peak RSS (bytes) of ``kind`` measured in a fresh subprocess."""
    out = subprocess.run(child_command(kind, batch, steps, options),
                         check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return int(out.strip().splitlines()[-1])


def measure_memory(batch: int, steps: int,
                   options: ChildOptions) -> dict[str, int]:
    rss = {k: peak_rss(k, batch, steps, options) for k in KINDS}
    print('peak RSS at batch {} ({} steps, each optimizer in its own '
          'process): {}'.format(batch, steps, ' | '.join(
              '{} {:.0f} MB ({:.2f}x)'.format(LABELS[k], rss[k] / 2 ** 20,
                                              rss[k] / rss['sgd'])
              for k in KINDS)), flush=True)
    return rss
