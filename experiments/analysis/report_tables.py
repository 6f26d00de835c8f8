"""Markdown tables of the report (formatting only; numbers come from
aggregate.py and claims.py)."""
import math
from collections.abc import Iterable, Sequence

from experiments.analysis import stats as study_stats
from experiments.analysis.aggregate import CellSummary
from experiments.analysis.claims import CLAIMS, Comparison, cell_name
from experiments.analysis.results import SuiteRun
from experiments.analysis.stats import Interval, Summary


def num(value: float | None, digits: int = 4) -> str:
    if value is None:
        return '-'
    if math.isinf(value):
        return '\u221e' if value > 0 else '-\u221e'
    if math.isnan(value):
        return 'undefined'
    return '{:.{}f}'.format(value, digits)


def mean_sd(summary: Summary | None, digits: int = 4) -> str:
    """'m \u00b1 s' (just 'm' for one value, '-' for none)."""
    if summary is None:
        return '-'
    if summary.sd is None:
        return num(summary.mean, digits)
    return '{} \u00b1 {}'.format(num(summary.mean, digits),
                                 num(summary.sd, digits))


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '| ' + ' | '.join('---' for _ in header) + ' |']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


def interval_text(interval: Interval | None, digits: int = 4) -> str:
    if interval is None:
        return '-'
    return '[{}, {}]'.format(num(interval[0], digits),
                             num(interval[1], digits))


def claims_table(comparisons: Iterable[Comparison]) -> str:
    """The claims (every comparison has a claim number)."""
    digits = {1: 0, 4: 2}
    rows = [('{}. {}'.format(c.claim, CLAIMS[_claim(c)]), c.what,
             num(c.estimate, digits.get(_claim(c), 4)),
             interval_text(c.interval, digits.get(_claim(c), 4)),
             ', '.join(map(str, c.seeds)) or '-', '**{}**'.format(c.verdict))
            for c in comparisons]
    return table(('claim', 'comparison', 'estimate', '95 % interval',
                  'seeds per cell', 'verdict'), rows)


def _claim(comparison: Comparison) -> int:
    assert comparison.claim is not None, comparison
    return comparison.claim


def gap_table(comparisons: Iterable[Comparison]) -> str:
    rows = [(c.what, num(c.estimate), interval_text(c.interval),
             ', '.join(map(str, c.seeds)) or '-',
             c.verdict if c.verdict else '(not a claim of the study)')
            for c in comparisons]
    return table(('quantity', 'estimate', '95 % interval', 'seeds per cell',
                  'verdict'), rows)


def cell_table(summaries: Iterable[CellSummary], target: float) -> str:
    rows = []
    for s in summaries:
        n = len(s.seeds)
        iters = '-' if not n else '{} ({}/{} reached)'.format(
            mean_sd(s.iters_reached, 0), s.reached, n)
        rows.append((cell_name(s.cell), n,
                     ','.join(map(str, s.seeds)) or '-',
                     mean_sd(s.final), mean_sd(s.best), iters,
                     mean_sd(s.sharpness_gaussian, 1),
                     mean_sd(s.sharpness_filternorm, 2)))
    return table(('cell', 'n', 'seeds', 'final test acc', 'best test acc',
                  'iterations to {:g}'.format(target),
                  'sharpness, Gaussian', 'sharpness, filter-norm.'), rows)


def sharpness_table(runs: Iterable[SuiteRun]) -> str:
    """Per model: mean \u00b1 sd over its directions, per kind."""
    rows: list[list[object]] = []
    for run in sorted(runs, key=lambda r: (r.name, r.seed)):
        if not run.sharpness:
            continue
        cells = [mean_sd(study_stats.summarize(run.sharpness.get(k, [])), 2)
                 + ' (n={})'.format(len(run.sharpness.get(k, [])))
                 for k in ('gaussian', 'filternorm')]
        rows.append([cell_name(run.cell), run.seed] + cells)
    return table(('cell', 'seed', 'Gaussian: mean \u00b1 sd over directions',
                  'filter-normalised'), rows) if rows else \
        '(no run has sharpness.json: run scripts/sharpness.py)'
