#!/usr/bin/env python
"""Loss landscapes over seeds and directions, from the runs' sharpness.json.

    python scripts/plot_sharpness.py RESULTS [--suite FILE] [--out DIR]

One panel per kind of direction (rows: Gaussian, filter-normalised) and
batch class (columns: SB, LB); in each, per optimizer and mixup, the rise
of the training loss f(a) - f(0) along theta* + a delta, mean +- sd over
all (seed, direction) curves of the cell, on a symmetric-log axis, linear
below 1e-3 of the panel's largest rise (the Gaussian rise spans 1e-3 to
1e4: on a linear axis the curves coincide).
Writes landscape.png/.pdf into DIR (default RESULTS/figures); nothing when
no run has sharpness.json.
"""
import argparse
import collections
import os

import numpy


from experiments.analysis.aggregate import CELL_ORDER  # NOQA: E402
from experiments.analysis import plot_common  # NOQA: E402
from experiments.analysis.plot_common import plt  # NOQA: E402
from experiments.analysis import results  # NOQA: E402
from experiments.folders import suite_file  # NOQA: E402

KINDS = (('gaussian', 'Gaussian direction (the study\'s)'),
         ('filternorm', 'filter-normalised direction'))


def rises(run, kind):
    """(alphas, [f_d(a) - f_d(0) per direction d]) of one run."""
    data = run.landscape['kinds'][kind]
    alphas = run.landscape['alphas']
    zero = alphas.index(0.0)
    return alphas, [numpy.asarray(c) - c[zero] for c in data['train_loss']]


def draw(ax, groups, kind, cls):
    for cell in CELL_ORDER:
        runs = [r for r in groups.get(cell, []) if kind in r.sharpness]
        if cell[1] != cls or not runs:
            continue
        curves = []
        for run in runs:
            alphas, per_direction = rises(run, kind)
            curves.extend(per_direction)
        curves = numpy.array(curves)
        mean, sd = curves.mean(axis=0), curves.std(axis=0, ddof=1)
        style = plot_common.line_style(cell)
        ax.plot(alphas, mean, marker='.', label='{} {} {}, {} seeds x {} '
                'directions'.format(results.OPTIMIZER_LABEL[cell[0]], cls,
                                    'mixup' if cell[2] else 'no mixup',
                                    len(runs), len(curves) // len(runs)),
                **style)
        ax.fill_between(alphas, mean - sd, mean + sd, color=style['color'],
                        alpha=0.18, linewidth=0)
    top = max([abs(line.get_ydata()).max() for line in ax.lines] + [1e-3])
    ax.set_yscale('symlog', linthresh=max(1e-4, top * 1e-3))
    ax.set_xlabel('a')
    ax.grid(alpha=0.3)


def make_figure(paths, out, suite):
    runs = results.find_runs(paths)
    groups = collections.defaultdict(list)
    for run in runs:
        if run.finished and run.sharpness:
            groups[results.cell(run, suite)].append(run)
    if not groups:
        return []
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for row, (kind, kind_title) in enumerate(KINDS):
        for col, cls in enumerate(('SB', 'LB')):
            ax = axes[row, col]
            draw(ax, groups, kind, cls)
            ax.set_title('{}, {}'.format(cls, kind_title), fontsize=10)
            ax.set_ylabel('training loss rise f(a) - f(0)\n(symlog scale)')
    plot_common.legend_below(fig, axes.ravel(), ncol=2)
    counts = [len(r) for r in groups.values()]
    fig.suptitle('{}: loss along theta* + a delta of the final models\n{} '
                 '(band: sd over seeds and directions)'.format(
                     plot_common.schedule(runs),
                     plot_common.seeds_text(counts)))
    os.makedirs(out, exist_ok=True)
    return plot_common.save(fig, os.path.join(out, 'landscape'),
                            (len(groups) + 1) // 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--suite', default=None)
    parser.add_argument('--out', default=None)
    args = parser.parse_args()
    suite = suite_file.find(args.paths[0], args.suite)
    for path in make_figure(args.paths, args.out or os.path.join(
            args.paths[0], 'figures'), suite):
        print('figure: {}'.format(path))


if __name__ == '__main__':
    main()
