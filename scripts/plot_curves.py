#!/usr/bin/env python
"""Figures of a study's runs, in the families of the study's figures.

    python scripts/plot_curves.py results/quick [...] [--out DIR]

Writes PNG and PDF:

- ``sgd_vs_kfac_{sb,lb}[_mixup]``: SGD vs K-FAC at one batch size, test
  accuracy and test loss vs epoch and vs iteration (Fig. 16/17);
- ``mixup_{sgd,kfac}``: with vs without mixup at SB and LB (Fig. 26-31);
- ``all_test_accuracy``: every run.

One convention in every figure: colour = optimizer and batch (SGD SB light
blue, SGD LB dark blue, K-FAC SB orange, K-FAC LB dark red); line style =
mixup (solid: mixup, dashed: no mixup). Legends name all three.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import matplotlib  # NOQA: E402
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # NOQA: E402

from results import batch_classes  # NOQA: E402
from results import find_runs  # NOQA: E402

COLORS = {('momentum_sgd', 'SB'): '#6baed6', ('momentum_sgd', 'LB'): '#08306b',
          ('kfac', 'SB'): '#fd8d3c', ('kfac', 'LB'): '#a50f15'}
PANELS = [('validation/main/accuracy', 'epoch', 'test accuracy'),
          ('validation/main/loss', 'epoch', 'test loss'),
          ('validation/main/accuracy', 'iteration', 'test accuracy'),
          ('validation/main/loss', 'iteration', 'test loss')]


def style(run, classes):
    cls = classes[run.batch]
    return dict(color=COLORS.get((run.optimizer, cls), 'gray'),
                linestyle='-' if run.mixup else '--', linewidth=1.6,
                label=run.label(cls) + ('' if run.finished else
                                        ' [in progress]'))


def figure(runs, classes, title, path_base):
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (key, x, ylabel) in zip(axes.ravel(), PANELS):
        for run in runs:
            data = run.series(key)
            if not data:
                continue
            xs = [d[0] if x == 'epoch' else d[1] for d in data]
            ax.plot(xs, [d[2] for d in data], **style(run, classes))
        if x == 'iteration':
            ax.set_xscale('log')  # SB takes 16x the iterations of LB
        ax.set_xlabel(x + (' (log scale)' if x == 'iteration' else ''))
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    paths = []
    for ext in ('png', 'pdf'):
        fig.savefig('{}.{}'.format(path_base, ext), dpi=110)
        paths.append('{}.{}'.format(path_base, ext))
    plt.close(fig)
    return paths


def make_figures(paths, out):
    runs = find_runs(paths)
    classes = batch_classes(runs)
    os.makedirs(out, exist_ok=True)
    written = []

    def pick(**kw):
        return [r for r in runs if all(
            (classes[r.batch] if k == 'cls' else getattr(r, k)) == v
            for k, v in kw.items())]

    for cls in ('SB', 'LB'):
        for mixup in (False, True):
            chosen = pick(cls=cls, mixup=mixup)
            if chosen:
                written += figure(
                    chosen, classes, 'SGD vs K-FAC, {}{}'.format(
                        cls, ', mixup' if mixup else ', no mixup'),
                    os.path.join(out, 'sgd_vs_kfac_{}{}'.format(
                        cls.lower(), '_mixup' if mixup else '')))
    for opt, name in (('momentum_sgd', 'sgd'), ('kfac', 'kfac')):
        chosen = pick(optimizer=opt)
        if chosen:
            written += figure(chosen, classes,
                              '{}: with vs without mixup, SB and LB'.format(
                                  'SGD' if name == 'sgd' else 'K-FAC'),
                              os.path.join(out, 'mixup_' + name))
    written += figure(runs, classes, 'all runs',
                      os.path.join(out, 'all_test_accuracy'))
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--out', default=None,
                        help='folder for the figures (default: '
                             'figures/ in the first folder)')
    args = parser.parse_args()
    out = args.out or os.path.join(args.paths[0], 'figures')
    for path in make_figures(args.paths, out):
        print('figure: {}'.format(path))


if __name__ == '__main__':
    main()
