"""Loss landscapes over seeds and directions, from the runs' sharpness.json.

    experiments.analysis.plot_sharpness.main([RESULTS, '--suite', FILE,
                                              '--out', DIR])

One panel per kind of direction (rows: Gaussian, filter-normalised) and
batch class (columns: SB, LB); in each, per optimizer and mixup, the rise
of the training loss f(a) - f(0) along theta* + a delta, mean +- sd over
all (seed, direction) curves of the cell, on a symmetric-log axis, linear
below 1e-3 of the panel's largest rise (the Gaussian rise spans 1e-3 to
1e4: on a linear axis the curves coincide).
Writes landscape.png/.pdf into DIR (default RESULTS/figures); nothing when
no run has sharpness.json. The report draws it (make_figure).
"""
import argparse
import collections
import os
from collections.abc import Mapping, Sequence

import numpy
from matplotlib.axes import Axes

from experiments.analysis import plot_common
from experiments.analysis import results
from experiments.analysis.aggregate import CELL_ORDER
from experiments.analysis.plot_common import plt
from experiments.analysis.results import Cell, SuiteRun
from experiments.analysis.stats import Samples
from experiments.folders import suite_file

KINDS = (('gaussian', 'Gaussian direction (the study\'s)'),
         ('filternorm', 'filter-normalised direction'))


def rises(run: results.Run, kind: str) -> tuple[list[float], list[Samples]]:
    """(alphas, [f_d(a) - f_d(0) per direction d]) of one run (one with
    sharpness.json)."""
    if run.landscape is None:
        raise ValueError('{} has no {}'.format(run.path, results.SHARPNESS))
    data = run.landscape['kinds'][kind]
    alphas = run.landscape['alphas']
    zero = alphas.index(0.0)
    return alphas, [numpy.asarray(c) - c[zero] for c in data['train_loss']]


def draw(ax: Axes, groups: Mapping[Cell, Sequence[SuiteRun]], kind: str,
         cls: str) -> None:
    for cell in CELL_ORDER:
        runs = [r for r in groups.get(cell, []) if kind in r.sharpness]
        if cell[1] != cls or not runs:
            continue
        per_run = [rises(run, kind) for run in runs]
        alphas = per_run[-1][0]
        curves = numpy.array([c for _, per_direction in per_run
                              for c in per_direction])
        mean, sd = curves.mean(axis=0), curves.std(axis=0, ddof=1)
        style = plot_common.line_style(cell)
        ax.plot(alphas, mean, marker='.', label='{} {} {}, {} seeds x {} '
                'directions'.format(results.OPTIMIZER_LABEL[cell[0]], cls,
                                    'mixup' if cell[2] else 'no mixup',
                                    len(runs), len(curves) // len(runs)),
                **style)
        ax.fill_between(alphas, mean - sd, mean + sd, color=style['color'],
                        alpha=0.18, linewidth=0)
    top = max([numpy.abs(numpy.asarray(line.get_ydata())).max()
               for line in ax.lines] + [1e-3])
    ax.set_yscale('symlog', linthresh=max(1e-4, top * 1e-3))
    ax.set_xlabel('a')
    ax.grid(alpha=0.3)


def make_figure(runs: Sequence[SuiteRun], out: str) -> list[str]:
    """Write landscape.png/.pdf of ``runs`` into ``out``; their paths
    (none when no finished run has sharpness.json)."""
    groups: dict[Cell, list[SuiteRun]] = collections.defaultdict(list)
    for run in runs:
        if run.finished and run.sharpness:
            groups[run.cell].append(run)
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--suite', default=None)
    parser.add_argument('--out', default=None)
    args = parser.parse_args(argv)
    suite = suite_file.find(args.paths[0], args.suite)
    study = results.load_study(args.paths, suite)
    for path in make_figure(study.runs, args.out or os.path.join(
            args.paths[0], 'figures')):
        print('figure: {}'.format(path))
    return 0
