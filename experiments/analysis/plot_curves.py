"""Learning curves over seeds, in the families of the study's figures.

    python -m experiments curves RESULTS [...] [--suite FILE] [--out DIR]

Writes PNG and PDF of the finished runs, one line per cell (optimizer x
batch class x mixup) at the mean over its seeds with a band of +- one sd,
at the iterations every seed of the cell was evaluated:

- ``sgd_vs_kfac_{sb,lb}[_mixup]``: SGD vs K-FAC at one batch size, test
  accuracy and loss vs epoch and vs iteration (Fig. 16/17);
- ``mixup_{sgd,kfac}``: with vs without mixup at SB and LB (Fig. 26-31);
- ``all_test_accuracy``: every cell.

Colour = optimizer and batch class (SGD SB light blue, SGD LB dark blue,
K-FAC SB orange, K-FAC LB dark red); line style = mixup (solid: mixup,
dashed: none). SB/LB come from the suite file's batch sizes.
"""
import argparse
import collections
import os
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from matplotlib.axes import Axes

from experiments.analysis import plot_common
from experiments.analysis import results
from experiments.analysis import stats as study_stats
from experiments.analysis.aggregate import CELL_ORDER
from experiments.analysis.plot_common import plt
from experiments.analysis.results import Cell, SuiteRun
from experiments.folders import suite_file

#: {cell: its finished runs}
Groups = Mapping[Cell, Sequence[SuiteRun]]

PANELS = [('validation/main/accuracy', 'epoch', 'test accuracy'),
          ('validation/main/loss', 'epoch', 'test loss'),
          ('validation/main/accuracy', 'iteration', 'test accuracy'),
          ('validation/main/loss', 'iteration', 'test loss')]


def cell_label(cell: Cell, runs: Sequence[SuiteRun]) -> str:
    run = runs[0]
    return '{} {} ({}){}, n={}'.format(
        results.OPTIMIZER_LABEL[cell[0]], cell[1], run.batch, run.mixup_text,
        len(runs))


def curve(run: results.Run, key: str, x: str) -> list[tuple[float, float]]:
    """[(x, value)] of one run; epoch = iteration scaled so that the last
    entry is at the run's last epoch (entries fall within epochs)."""
    points = run.series(key)
    last_epoch, last_iter = points[-1][0], points[-1][1]
    scale = float(last_epoch) / last_iter if x == 'epoch' else 1.0
    return [(it * scale, v) for _, it, v in points]


def draw_panel(ax: Axes, groups: Groups, key: str, x: str) -> None:
    for cell, runs in groups.items():
        xs, mean, sd = study_stats.band([curve(r, key, x) for r in runs])
        style = plot_common.line_style(cell)
        ax.plot(xs, mean, label=cell_label(cell, runs), **style)
        ax.fill_between(xs, mean - sd, mean + sd, color=style['color'],
                        alpha=0.18, linewidth=0)
    if x == 'iteration':
        ax.set_xscale('log')  # SB takes 16x the iterations of LB
        plot_common.readable_log_axis(ax.xaxis)
    ax.set_xlabel(x + (' (log scale)' if x == 'iteration' else ''))
    ax.grid(alpha=0.3, which='both' if x == 'iteration' else 'major')


def zoom(ax: Axes, groups: Groups, key: str) -> None:
    """Accuracy from a little under the worst final mean; loss up to a
    little over the worst final mean (the first evaluations are off)."""
    finals = [sum(r.series(key)[-1][2] for r in runs) / len(runs)
              for runs in groups.values()]
    if 'accuracy' in key:
        ax.set_ylim(max(0.0, min(finals) - 0.1), min(1.0, max(finals) + 0.03))
    else:
        ax.set_ylim(max(0.0, min(finals) - 0.1), max(finals) * 1.6)


def figure(groups: Groups, title: str, path_base: str) -> list[str]:
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (key, x, ylabel) in zip(axes.ravel(), PANELS, strict=True):
        draw_panel(ax, groups, key, x)
        zoom(ax, groups, key)
        ax.set_ylabel(ylabel)
    plot_common.legend_below(fig, axes.ravel(), ncol=2)
    counts = [len(r) for r in groups.values()]
    fig.suptitle('{}\n{}'.format(title, plot_common.seeds_text(counts)))
    return plot_common.save(fig, path_base, (len(groups) + 1) // 2)


def grouped(runs: Sequence[SuiteRun]) -> dict[Cell, list[SuiteRun]]:
    """{cell: finished runs} in the report's cell order."""
    groups: dict[Cell, list[SuiteRun]] = collections.defaultdict(list)
    for run in runs:
        if run.finished:
            groups[run.cell].append(run)
    return groups


class Choice(NamedTuple):
    """One figure: its file name, its title and the cells it shows."""
    name: str
    title: str
    optimizers: tuple[str, ...] = ('momentum_sgd', 'kfac')
    classes: tuple[str, ...] = ('SB', 'LB')
    mixups: tuple[bool, ...] = (False, True)

    def shows(self, cell: Cell) -> bool:
        return (cell[0] in self.optimizers and cell[1] in self.classes and
                cell[2] in self.mixups)


def choices() -> list[Choice]:
    """The figures, in the order they are written."""
    out = [Choice('sgd_vs_kfac_{}{}'.format(cls.lower(), '_mixup' * mixup),
                  'SGD vs K-FAC, {}, {}'.format(cls, 'mixup' if mixup else
                                                'no mixup'),
                  classes=(cls,), mixups=(mixup,))
           for cls in ('SB', 'LB') for mixup in (False, True)]
    out += [Choice('mixup_' + name, '{} with vs without mixup'.format(
        results.OPTIMIZER_LABEL[opt]), optimizers=(opt,))
        for opt, name in (('momentum_sgd', 'sgd'), ('kfac', 'kfac'))]
    return out + [Choice('all_test_accuracy', 'all cells')]


def make_figures(runs: Sequence[SuiteRun], out: str) -> list[str]:
    """Write the learning-curve figures of ``runs`` into ``out``; their
    paths (PNG and PDF of each)."""
    groups = grouped(runs)
    head = plot_common.schedule(runs)
    os.makedirs(out, exist_ok=True)
    written = []
    for choice in choices():
        chosen = {c: groups[c] for c in sorted(groups, key=CELL_ORDER.index)
                  if choice.shows(c)}
        if chosen:
            written.extend(figure(chosen, '{}: {}'.format(head, choice.title),
                                  os.path.join(out, choice.name)))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments curves',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--suite', default=None,
                        help='suite file (default: PATHS[0]/suite.yaml)')
    parser.add_argument('--out', default=None,
                        help='folder for the figures (default: '
                             'figures/ in the first folder)')
    args = parser.parse_args(argv)
    suite = suite_file.find(args.paths[0], args.suite)
    out = args.out or os.path.join(args.paths[0], 'figures')
    study = results.load_study(args.paths, suite)
    for path in make_figures(study.runs, out):
        print('figure: {}'.format(path))
    return 0
