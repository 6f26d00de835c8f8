#!/usr/bin/env python
"""The Markdown table of docs/results section 3b from the JSON records of
scripts/bench_resnet.py (one process) and scripts/bench_resnet_mpi.py
(N ranks).

    python scripts/resnet_bench_table.py FILE.json [FILE.json ...]

One row per record (and per batch of a one-process record): medians of the
timed rounds, each K-FAC kind's ratio to SGD on the same rounds, and the
amortised cost of intervals 10/100 (exact when ``kfac_cov`` was timed,
otherwise the upper bound that counts every factor step as a full step).
"""
import argparse
import json
import os


from experiments.bench import resnet as bench_resnet  # NOQA: E402

HEADER = ('| record | environment | ranks x batch per rank | SGD | K-FAC '
          'every step | solves only | amortised 10/100 |\n'
          '| --- | --- | --- | --- | --- | --- | --- |')


def rows(path):
    """(ranks, batch per rank, environment label, medians) of one file."""
    with open(path) as f:
        record = json.load(f)
    env = environment_label(record['environment'])
    if 'result' in record:  # bench_resnet_mpi.py
        yield (record['ranks'], record['batch_per_rank'], env,
               record['result']['median_seconds'])
        return
    for batch, result in record['batches'].items():
        yield 1, int(batch), env, result['median_seconds']


def environment_label(env):
    """'tuned (OPENBLAS_CORETYPE=...)' or 'default', from the exported
    variables the benchmark recorded."""
    core = env.get('exported', {}).get('OPENBLAS_CORETYPE')
    if core is None:
        return 'default'
    return 'tuned (OPENBLAS_CORETYPE={})'.format(core)


def cell(med, kind):
    if kind not in med:
        return '-'
    return '{:.1f} s ({:.2f}x)'.format(med[kind], med[kind] / med['sgd'])


def line(path, ranks, batch, env, med):
    am = bench_resnet.amortised_ratio(med)
    am_text = '-' if am is None else '{}{:.2f}x'.format(
        '' if am[1] else '<= ', am[0])
    return '| `{}` | {} | {} x {} | {:.1f} s | {} | {} | {} |'.format(
        os.path.basename(path), env, ranks, batch, med['sgd'],
        cell(med, 'kfac'), cell(med, 'kfac_pre'), am_text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('files', nargs='+')
    args = parser.parse_args(argv)
    print(HEADER)
    for path in args.files:
        for ranks, batch, env, med in rows(path):
            print(line(path, ranks, batch, env, med))


if __name__ == '__main__':
    main()
