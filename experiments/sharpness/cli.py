#!/usr/bin/env python
"""Sharpness of each finished run's final model over several directions.

    python scripts/sharpness.py RESULTS [--into DST] [--directions 5]
        [--n-train 3000] [--force]

For every finished run under RESULTS whose final snapshot
(snapshot_epoch_<epochs>, or its .rank0 file) is present, and for each kind
of direction -- the study's Gaussian delta and the filter-normalised one
(Li et al. 2018; scripts/plot_landscape.py) -- with direction seeds
0..directions-1:

    f_d(a) = training loss of theta* + a delta_d, on the first n_train
             training examples, at a in ALPHAS
    sharpness_d = (f_d(-0.5) + f_d(0.5)) / 2 - f_d(0)

Writes RUN/sharpness.json (or, with --into, the same relative folder under
DST, e.g. the committed copy of the run without its snapshots), so the
report can be regenerated from committed files alone. Runs that already
have sharpness.json are skipped unless --force.
"""
import argparse
import json
import os


from experiments.sharpness import landscape as plot_landscape  # NOQA: E402
from experiments.analysis import results  # NOQA: E402

ALPHAS = [-0.5, -0.375, -0.25, -0.125, -0.0625, 0.0, 0.0625, 0.125, 0.25,
          0.375, 0.5]
KINDS = (('gaussian', False), ('filternorm', True))
DEFINITION = ('(f(-0.5) + f(0.5)) / 2 - f(0), f = training loss on the '
              'first n_train training examples along theta* + a delta')


def final_snapshot(run):
    """Path of the run's last-epoch snapshot, or None."""
    base = os.path.join(run.path, 'snapshot_epoch_{}'.format(
        int(run.epochs)))
    for path in (base, base + '.rank0'):
        if os.path.exists(path):
            return path
    return None


def measure(snapshot, directions, n_train):
    """The sharpness.json content of one snapshot."""
    model, config, train, _ = plot_landscape.load_snapshot(snapshot)
    data = {'train': plot_landscape.as_arrays(train, n_train)}
    out = {'snapshot': os.path.basename(snapshot), 'alphas': ALPHAS,
           'n_train': len(data['train'][1]), 'definition': DEFINITION,
           'kinds': {}}
    for kind, normalize in KINDS:
        losses, sharp = [], []
        for seed in range(directions):
            delta = plot_landscape.gaussian_direction(model, seed, normalize)
            curve = plot_landscape.landscape(model, delta, ALPHAS,
                                             data)['train']['loss']
            losses.append(curve)
            sharp.append(plot_landscape.sharpness(ALPHAS, curve))
        out['kinds'][kind] = {'direction_seeds': list(range(directions)),
                              'sharpness': sharp, 'train_loss': losses}
    return out


def destination(run, src, into):
    if into is None:
        return run.path
    dst = os.path.join(into, os.path.relpath(run.path, src))
    if not os.path.exists(os.path.join(dst, 'config.yaml')):
        raise SystemExit('error: {} is not a copy of {} (no config.yaml): '
                         'copy the run there first (collect_results.py)'
                         .format(dst, run.path))
    return dst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('results_dir')
    parser.add_argument('--into', default=None,
                        help='write sharpness.json under this folder instead')
    parser.add_argument('--directions', type=int, default=5)
    parser.add_argument('--n-train', type=int, default=3000)
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args(argv)
    if args.directions < 5:
        parser.error('--directions must be at least 5 (the report needs a '
                     'mean and sd over >= 5 directions per model)')
    for run in results.find_runs([args.results_dir]):
        snapshot = final_snapshot(run) if run.finished else None
        if snapshot is None:
            print('[skip] {}: {}'.format(run.path, 'no final snapshot' if
                                         run.finished else run.status()))
            continue
        path = os.path.join(destination(run, args.results_dir, args.into),
                            'sharpness.json')
        if os.path.exists(path) and not args.force:
            print('[have] {}'.format(path))
            continue
        data = measure(snapshot, args.directions, args.n_train)
        with open(path, 'w') as f:
            json.dump(data, f, indent=1)
        print('[done] {}: gaussian {}, filternorm {}'.format(path, *[
            ' '.join('{:.4g}'.format(v) for v in data['kinds'][k][
                'sharpness']) for k, _ in KINDS]), flush=True)


if __name__ == '__main__':
    main()
