"""The tables of the tuning report (experiments/tune/comparison.py): the
hyperparameters and cost per cell, the final test accuracy untuned vs
tuned, and the time-to-0.85 ratio untuned vs tuned."""
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy

from experiments.analysis import results
from experiments.analysis import stats
from experiments.analysis import time_to_accuracy
from experiments.analysis.aggregate import CELL_ORDER
from experiments.analysis.results import Cell
from experiments.train import config as config_module
from experiments.tune.trial_records import CellTuning
from experiments.tune.tune_file import TuneFile

#: {cell: {dotted key: value}}
Values = dict[str, dict[str, float]]


def _config(configs: str, cell: str) -> config_module.Config:
    return config_module.load_config(os.path.join(configs, cell + '.yaml'))


def table2_values(configs: str, cells: Mapping[str, CellTuning]) -> Values:
    """The untuned value of every tuned key, per cell (its config)."""
    out: Values = {}
    for cell, tuning in cells.items():
        config = _config(configs, cell)
        keys = {k for t in tuning.trials for k in t.params}
        out[cell] = {k: float(_lookup(config, k)) for k in sorted(keys)}
    return out


def _lookup(config: Mapping[str, Any], dotted: str) -> Any:
    value: Any = config
    for part in dotted.split('.'):
        value = value[part]
    return value


def _params(values: Mapping[str, float]) -> str:
    return ', '.join('{} {:.3g}'.format(k.split('.')[-1], v)
                     for k, v in sorted(values.items())) or '-'


def hyperparameters(cells: Mapping[str, CellTuning], configs: str,
                    tune: TuneFile) -> str:
    """Table 2's and the tuned values per cell, and the tuning cost."""
    untuned = table2_values(configs, cells)
    lines = ['## What was tuned, and its cost\n',
             '{} trials a cell on the held-out split ({:g} of the training '
             'set); objective {} at the end of the schedule.\n'.format(
                 tune.trials, tune.holdout_fraction, tune.objective),
             '| cell | trials ended (pruned, diverged) | Table 2 | tuned | '
             'best held-out | core-hours |', '|---|---|---|---|---|---|']
    cost: dict[str, float] = {}
    for cell, tuning in sorted(cells.items()):
        lines.append(_cell_line(cell, tuning, untuned[cell]))
        label = results.OPTIMIZER_LABEL[
            _config(configs, cell)['optimizer']['name']]
        cost[label] = cost.get(label, 0.0) + tuning.core_hours
    lines.append('\nTuning cost (core-hours of the trials that ended, '
                 'seconds x ranks): ' + ', '.join(
                     '{} {:.2f}'.format(k, v) for k, v in sorted(cost.items()))
                 + '.\n')
    return '\n'.join(lines)


def _cell_line(cell: str, tuning: CellTuning,
               untuned: Mapping[str, float]) -> str:
    ended, best = tuning.ended, tuning.best
    return '| {} | {} ({}, {}) | {} | {} | {} | {:.2f} |'.format(
        cell, len(ended), sum(t.pruned for t in ended),
        sum(t.diverged for t in ended), _params(untuned),
        _params(best.params) if best else 'none complete',
        '{:.4f} (trial {})'.format(best.value, best.number)
        if best and best.value is not None else '-', tuning.core_hours)


def _cell_text(cell: Cell) -> str:
    return '{} {} {}'.format(results.OPTIMIZER_LABEL[cell[0]], cell[1],
                             'mixup' if cell[2] else 'no mixup')


def _summary_text(values: Sequence[float]) -> str:
    """mean ± sd (n) [95 % interval of the mean]."""
    summary = stats.summarize(values)
    if summary is None:
        return '-'
    found = stats.interval(stats.resample_means({0: list(values)})[0])
    return '{:.4f} \u00b1 {} (n={}) {}'.format(
        summary.mean, '-' if summary.sd is None else
        '{:.4f}'.format(summary.sd), summary.n, _interval_text(found))


def _interval_text(found: stats.Interval | None) -> str:
    return '[{:.4f}, {:.4f}]'.format(*found) if found else '[-]'


def accuracy(untuned: results.Study, tuned: results.Study | None) -> str:
    """Final test accuracy per cell, untuned and tuned, and the change."""
    before = time_to_accuracy.final_accuracies(untuned.runs)
    after = time_to_accuracy.final_accuracies(tuned.runs) if tuned else {}
    lines = ['## Final test accuracy, untuned and tuned\n',
             'Mean \u00b1 sd over seeds (n), 95 % percentile bootstrap '
             'interval of the mean; the change is tuned - untuned with '
             'the interval of the difference of the two resampled means.\n',
             '| cell | untuned | tuned | tuned - untuned |',
             '|---|---|---|---|']
    for cell in CELL_ORDER:
        if cell not in before:
            continue
        lines.append('| {} | {} | {} | {} |'.format(
            _cell_text(cell), _summary_text(before[cell]),
            _summary_text(after.get(cell, [])),
            _change_text(before[cell], after.get(cell, []))))
    if tuned is None:
        lines.append('\nThe tuned suite has no finished run yet.')
    return '\n'.join(lines) + '\n'


def _change_text(before: Sequence[float], after: Sequence[float]) -> str:
    if not after:
        return '-'
    means = stats.resample_means({'before': list(before),
                                  'after': list(after)})
    found = stats.interval(stats.difference(means['after'],
                                            means['before']))
    return '{:+.4f} {}'.format(float(numpy.mean(after) -
                                     numpy.mean(before)),
                               _interval_text(found))


def time_to_target(untuned: results.Study, tuned: results.Study | None,
                   bench: time_to_accuracy.Bench) -> str:
    """R = SGD / K-FAC wall-clock time to 0.85, untuned beside tuned."""
    rows = {key: _rows(study, bench) for key, study in
            (('untuned', untuned), ('tuned', tuned)) if study is not None}
    lines = ['## Time to {:g} test accuracy: SGD / K-FAC\n'.format(
                 time_to_accuracy.FIXED_TARGET),
             'R > 1: K-FAC gets there sooner in wall-clock time '
             '(iterations x step time of the side-by-side benchmark).\n',
             '| batch | Mixup | untuned R [95 %] | tuned R [95 %] |',
             '|---|---|---|---|']
    for cls in ('SB', 'LB'):
        for mixup in (False, True):
            lines.append('| {} | {} | {} | {} |'.format(
                cls, 'yes' if mixup else 'no',
                _ratio(rows.get('untuned', {}).get((cls, mixup))),
                _ratio(rows.get('tuned', {}).get((cls, mixup)))))
    return '\n'.join(lines) + '\n'


def _rows(study: results.Study, bench: time_to_accuracy.Bench
          ) -> dict[tuple[str, bool], time_to_accuracy.Row]:
    return {(row.batch_class, row.mixup): row
            for row in time_to_accuracy.compute(study, bench)
            if row.target == time_to_accuracy.FIXED_TARGET}


def _ratio(row: time_to_accuracy.Row | None) -> str:
    if row is None:
        return '-'
    found = '[{:.2f}, {:.2f}]'.format(*row.interval) if row.interval \
        else '[-]'
    return '{:.2f} {} {}'.format(row.ratio, found, row.verdict)
