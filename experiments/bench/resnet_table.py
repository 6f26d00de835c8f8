"""The Markdown table of docs/results section 3b from the JSON records of
``python -m experiments bench resnet`` (one process) and ``bench
resnet-mpi`` (N ranks).

    python -m experiments bench resnet-table FILE.json [FILE.json ...]

One row per record (and per batch of a one-process record): medians of the
timed rounds, each K-FAC kind's ratio to SGD on the same rounds, and the
amortised cost of intervals 10/100 (exact when ``kfac_cov`` was timed,
otherwise the upper bound that counts every factor step as a full step).
"""
import argparse
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from experiments.bench.amortised import amortised_ratio

HEADER = ('| record | environment | ranks x batch per rank | SGD | K-FAC '
          'every step | solves only | amortised 10/100 |\n'
          '| --- | --- | --- | --- | --- | --- | --- |')


#: (ranks, batch per rank, environment label, {kind: median seconds})
Row = tuple[int, int, str, dict[str, float]]


def rows(path: str) -> Iterator[Row]:
    """(ranks, batch per rank, environment label, medians) of one file."""
    with open(path) as f:
        record = json.load(f)
    env = environment_label(record['environment'])
    if 'result' in record:  # bench resnet-mpi
        yield (record['ranks'], record['batch_per_rank'], env,
               record['result']['median_seconds'])
        return
    for batch, result in record['batches'].items():
        yield 1, int(batch), env, result['median_seconds']


def environment_label(env: Mapping[str, Any]) -> str:
    """'tuned (OPENBLAS_CORETYPE=...)' or 'default', from the exported
    variables the benchmark recorded."""
    core = env.get('exported', {}).get('OPENBLAS_CORETYPE')
    if core is None:
        return 'default'
    return 'tuned (OPENBLAS_CORETYPE={})'.format(core)


def cell(med: Mapping[str, float], kind: str) -> str:
    if kind not in med:
        return '-'
    return '{:.1f} s ({:.2f}x)'.format(med[kind], med[kind] / med['sgd'])


def line(path: str, ranks: int, batch: int, env: str,
         med: Mapping[str, float]) -> str:
    am = amortised_ratio(med)
    am_text = '-' if am is None else '{}{:.2f}x'.format(
        '' if am[1] else '<= ', am[0])
    return '| `{}` | {} | {} x {} | {:.1f} s | {} | {} | {} |'.format(
        os.path.basename(path), env, ranks, batch, med['sgd'],
        cell(med, 'kfac'), cell(med, 'kfac_pre'), am_text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments bench resnet-table',
        description=__doc__.splitlines()[0])
    parser.add_argument('files', nargs='+')
    args = parser.parse_args(argv)
    print(HEADER)
    for path in args.files:
        for ranks, batch, env, med in rows(path):
            print(line(path, ranks, batch, env, med))
    return 0
