"""The figure of a suite's tuning: held-out accuracy against the learning
rate, one panel per cell, every trial (complete: dot; pruned: cross at the
evaluation it stopped at; diverged: triangle at 0), the best one ringed
and Table 2's rate dashed."""
import math
import os
from collections.abc import Mapping

from experiments.analysis import plot_common
from experiments.analysis.plot_common import plt
from experiments.tune.trial_records import CellTuning

LR = 'optimizer.lr'


def heldout_against_lr(cells: Mapping[str, CellTuning],
                       table2: Mapping[str, Mapping[str, float]],
                       path_base: str) -> str:
    """Write the figure (PNG); its path."""
    names = sorted(cells)
    cols = min(4, max(1, len(names)))
    rows = max(1, math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.8 * rows),
                             squeeze=False, sharey=True)
    for ax, name in zip(list(axes.flat)[:len(names)], names, strict=True):
        _panel(ax, cells[name], table2.get(name, {}).get(LR))
        ax.set_title(name, fontsize=9)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel('held-out accuracy')
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path_base)), exist_ok=True)
    path = plot_common.write(fig, path_base)[0]
    plt.close(fig)
    return path


def _panel(ax: plt.Axes, tuning: CellTuning, table2_lr: float | None
           ) -> None:
    for trial in tuning.ended:
        lr = trial.params.get(LR)
        if lr is None:
            continue
        value = trial.value or 0.0
        if trial.diverged:
            ax.plot(lr, 0.0, 'v', color='tab:red')
        elif trial.pruned:
            ax.plot(lr, value, 'x', color='tab:gray')
        else:
            ax.plot(lr, value, 'o', color='tab:blue')
    best = tuning.best
    if best is not None and LR in best.params:
        ax.plot(best.params[LR], best.value or 0.0, 'o', mfc='none', ms=12,
                color='tab:orange')
    if table2_lr is not None:
        ax.axvline(table2_lr, ls='--', color='black', lw=0.8)
    ax.set_xscale('log')
    ax.set_xlabel('learning rate')
    ax.set_ylim(0, 1)
