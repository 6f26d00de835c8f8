"""Per-cell values over seeds from finished runs (the report's input).

``values[metric][cell]`` lists one value per finished run of the cell, in
seed order: 'final' and 'best' test accuracy, 'iters' (first logged
iteration with test accuracy >= the suite's target, +inf if never) and,
where sharpness.json exists, 'sharpness_gaussian' / 'sharpness_filternorm'
(the model's mean over its random directions).
"""
import collections

import numpy

from experiments.analysis import results
from experiments.analysis import stats as study_stats

METRICS = ('final', 'best', 'iters', 'sharpness_gaussian',
           'sharpness_filternorm')
CELL_ORDER = [(opt, cls, mixup) for cls in ('SB', 'LB')
              for opt in ('momentum_sgd', 'kfac') for mixup in (False, True)]


def run_values(run, target):
    """{metric: value} of one finished run."""
    acc = run.series(results.ACC)
    if not acc:
        raise SystemExit('error: {}/log has no {} entries: the run '
                         'finished without a test evaluation'.format(
                             run.path, results.ACC))
    out = {'final': acc[-1][2], 'best': max(a[2] for a in acc),
           'iters': study_stats.first_reach([(a[1], a[2]) for a in acc],
                                            target)}
    for kind, values in run.sharpness.items():
        out['sharpness_' + kind] = float(numpy.mean(values))
    return out


def cell_values(runs, suite):
    """(values, seeds): values[metric][cell] and seeds[cell], from the
    finished runs; unfinished runs are left out."""
    results.check_unique(runs, suite)
    values = {m: collections.defaultdict(list) for m in METRICS}
    seeds = collections.defaultdict(list)
    for run in sorted((r for r in runs if r.finished), key=lambda r: r.seed):
        key = results.cell(run, suite)
        seeds[key].append(run.seed)
        for metric, value in run_values(run, suite.target_accuracy).items():
            values[metric][key].append(value)
    return ({m: dict(v) for m, v in values.items()}, dict(seeds))


def cell_summaries(values, seeds):
    """One row per cell in CELL_ORDER: seeds and a Summary per metric (None
    where the cell has no value), plus how many seeds reached the target."""
    rows = []
    for key in CELL_ORDER:
        row = {'cell': key, 'seeds': seeds.get(key, [])}
        for metric in METRICS:
            row[metric] = study_stats.summarize(values[metric].get(key, []))
        iters = values['iters'].get(key, [])
        row['reached'] = sum(1 for v in iters if numpy.isfinite(v))
        row['iters_reached'] = study_stats.summarize(
            [v for v in iters if numpy.isfinite(v)])
        rows.append(row)
    return rows
