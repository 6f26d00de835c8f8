"""What every figure of the report shares: colours, titles naming dataset,
schedule and seeds, readable log-scale ticks, legends outside the data."""
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # NOQA: E402,F401
from matplotlib import ticker  # NOQA: E402
from matplotlib.axes import Axes  # NOQA: E402
from matplotlib.axis import Axis  # NOQA: E402
from matplotlib.figure import Figure  # NOQA: E402

from experiments.analysis import stats as study_stats  # NOQA: E402
from experiments.analysis.results import Cell, Config, Run  # NOQA: E402

#: colour = optimizer and batch class; line style = mixup.
COLORS = {('momentum_sgd', 'SB'): '#6baed6', ('momentum_sgd', 'LB'): '#08306b',
          ('kfac', 'SB'): '#fd8d3c', ('kfac', 'LB'): '#a50f15'}
DATASETS = {'fashion-mnist': 'Fashion-MNIST', 'cifar10': 'CIFAR-10',
            'synthetic': 'synthetic data'}


def line_style(cell: Cell) -> dict[str, Any]:
    opt, cls, mixup = cell
    return dict(color=COLORS[(opt, cls)], linestyle='-' if mixup else '--',
                linewidth=1.6)


def schedule(runs: Iterable[Run]) -> str:
    """'Fashion-MNIST, 20 epochs, LR x0.5 after epoch 9' from the configs
    (several values joined by '/' if the runs differ)."""
    runs = list(runs)

    def joined(fn: Callable[[Config], object]) -> str:
        return '/'.join(sorted({str(fn(r.config)) for r in runs}))
    drops = joined(lambda c: ', '.join(
        str(e) for e in c['lr_schedule']['drop_epochs']) or 'none')
    return '{}, {} epochs, LR x{} after epoch {}'.format(
        joined(lambda c: DATASETS.get(c['dataset'], c['dataset'])),
        joined(lambda c: '{:g}'.format(c['epochs'])),
        joined(lambda c: '{:g}'.format(c['lr_schedule']['factor'])), drops)


def seeds_text(counts: Sequence[int]) -> str:
    """'mean ± sd over 2-3 seeds' for a figure's title."""
    return 'mean \u00b1 sd over ' + study_stats.seeds_text(counts)


def readable_log_axis(axis: Axis) -> None:
    """Log axis with ticks at 1 and 3 x 10^k (evenly spaced, about half a
    decade apart) written as short numbers."""
    axis.set_major_locator(ticker.LogLocator(base=10, subs=(1.0, 3.0)))
    axis.set_major_formatter(ticker.FuncFormatter(
        lambda v, _: short_count(v)))
    axis.set_minor_formatter(ticker.NullFormatter())


def short_count(value: float) -> str:
    """1, 20, 500, 2k, 50k, 1M: tick labels that do not run into each other
    on a log axis spanning 10 to 100,000 iterations."""
    for size, suffix in ((1e6, 'M'), (1e3, 'k')):
        if value >= size:
            return '{:g}{}'.format(value / size, suffix)
    return '{:g}'.format(value)


def legend_below(fig: Figure, axes: Iterable[Axes], ncol: int = 4) -> None:
    """One legend for the figure, below the panels (never over data)."""
    handles: dict[str, Any] = {}
    labels: list[str] = []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in handles:
                handles[label] = h
                labels.append(label)
    fig.legend([handles[k] for k in labels], labels, loc='lower center',
               ncol=min(ncol, len(labels)), fontsize=8, frameon=False)


#: per format, what makes the same figure the same bytes (no timestamp):
#: a figure redrawn from unchanged runs leaves git with nothing to commit.
REPRODUCIBLE: dict[str, dict[str, Any]] = {'png': {},
                                           'pdf': {'CreationDate': None}}


def write(fig: Figure, path_base: str) -> list[str]:
    """path_base.png and path_base.pdf, reproducibly; their paths."""
    paths = []
    for ext, metadata in REPRODUCIBLE.items():
        path = '{}.{}'.format(path_base, ext)
        fig.savefig(path, dpi=110, metadata=metadata)
        paths.append(path)
    return paths


def save(fig: Figure, path_base: str, legend_rows: int) -> list[str]:
    fig.tight_layout(rect=(0, 0.035 * legend_rows + 0.02, 1, 0.95))
    paths = write(fig, path_base)
    plt.close(fig)
    return paths
