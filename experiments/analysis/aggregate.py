"""Per-cell values over seeds from finished runs (the report's input).

``values[metric][cell]`` lists one value per finished run of the cell, in
seed order: 'final' and 'best' test accuracy, 'iters' (first logged
iteration with test accuracy >= the suite's target, +inf if never) and,
where sharpness.json exists, 'sharpness_gaussian' / 'sharpness_filternorm'
(the model's mean over its random directions).
"""
import collections
import dataclasses
from collections.abc import Sequence

import numpy

from experiments.analysis import results
from experiments.analysis import stats
from experiments.analysis.results import Cell
from experiments.errors import StudyError

METRICS = ('final', 'best', 'iters', 'sharpness_gaussian',
           'sharpness_filternorm')
CELL_ORDER: list[Cell] = [(opt, cls, mixup) for cls in ('SB', 'LB')
                          for opt in ('momentum_sgd', 'kfac')
                          for mixup in (False, True)]

#: values[metric][cell]: one value per finished seed, in seed order
Values = dict[str, dict[Cell, list[float]]]
#: seeds[cell]: the finished seeds, ascending
Seeds = dict[Cell, list[int]]


class NoTestEvaluation(StudyError):
    """A finished run's log has no test accuracy."""


@dataclasses.dataclass(frozen=True)
class CellSummary:
    """One cell of the report's cell table: its seeds, a Summary per
    metric (None where the cell has no value) and how many seeds reached
    the target (with the Summary of their iterations)."""
    cell: Cell
    seeds: list[int]
    final: stats.Summary | None
    best: stats.Summary | None
    iters: stats.Summary | None
    sharpness_gaussian: stats.Summary | None
    sharpness_filternorm: stats.Summary | None
    reached: int
    iters_reached: stats.Summary | None


def run_values(run: results.Run, target: float) -> dict[str, float]:
    """{metric: value} of one finished run."""
    acc = run.series(results.ACC)
    if not acc:
        raise NoTestEvaluation('{}/log has no {} entries: the run finished '
                               'without a test evaluation'.format(
                                   run.path, results.ACC))
    out = {'final': acc[-1][2], 'best': max(a[2] for a in acc),
           'iters': stats.first_reach([(a[1], a[2]) for a in acc], target)}
    for kind, values in run.sharpness.items():
        out['sharpness_' + kind] = float(numpy.mean(values))
    return out


def cell_values(runs: Sequence[results.SuiteRun], target: float
                ) -> tuple[Values, Seeds]:
    """(values, seeds): values[metric][cell] and seeds[cell], from the
    finished runs; unfinished runs are left out."""
    values: dict[str, collections.defaultdict[Cell, list[float]]] = {
        m: collections.defaultdict(list) for m in METRICS}
    seeds: collections.defaultdict[Cell, list[int]] = \
        collections.defaultdict(list)
    for run in sorted((r for r in runs if r.finished), key=lambda r: r.seed):
        seeds[run.cell].append(run.seed)
        for metric, value in run_values(run, target).items():
            values[metric][run.cell].append(value)
    return ({m: dict(v) for m, v in values.items()}, dict(seeds))


def cell_summaries(values: Values, seeds: Seeds) -> list[CellSummary]:
    """One row per cell in CELL_ORDER: seeds and a Summary per metric (None
    where the cell has no value), plus how many seeds reached the target."""
    rows = []
    for key in CELL_ORDER:
        def summary(metric: str, cell: Cell = key) -> stats.Summary | None:
            return stats.summarize(values[metric].get(cell, []))
        reached = [v for v in values['iters'].get(key, [])
                   if numpy.isfinite(v)]
        rows.append(CellSummary(
            cell=key, seeds=seeds.get(key, []), final=summary('final'),
            best=summary('best'), iters=summary('iters'),
            sharpness_gaussian=summary('sharpness_gaussian'),
            sharpness_filternorm=summary('sharpness_filternorm'),
            reached=len(reached), iters_reached=stats.summarize(reached)))
    return rows
