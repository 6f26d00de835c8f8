"""The study's four claims as computed comparisons, each with a verdict.

Input: ``values[metric][cell]``, the per-seed values of each cell (cell =
(optimizer, 'SB' or 'LB', mixup)); metrics 'final' (final test accuracy),
'iters' (iterations to the target accuracy, +inf if not reached) and
'sharpness_gaussian' / 'sharpness_filternorm' (per model, the mean over its
random directions). Every comparison is a statistic S of cell means with a
bootstrap interval (study_stats) and a threshold t:

1. K-FAC needs fewer iterations: S = iters(SGD) - iters(K-FAC), per batch
   class and mixup; t = 0, supported when S > t.
2. LB loses test accuracy: S = g(o, u) = final(SB) - final(LB); t = 0, >.
3. Mixup cuts K-FAC's SB-LB loss to less than half: S = r(K-FAC) =
   g(K-FAC, mixup) / g(K-FAC, no mixup); t = 0.5, supported when S < t.
   The claim presupposes a loss to cut: it is decided only where claim 2
   holds for K-FAC without Mixup (g > 0 supported). Where that gap is
   contradicted (LB no worse than SB) claim 3 is "not reproduced", however
   small the ratio of two negative gaps; where it is inconclusive, so is
   claim 3.
4. Mixup flattens the minimum: S = sharpness(no mixup) - sharpness(mixup)
   per optimizer, batch class and kind of direction; t = 0, >.

Verdict: "supported" when the whole 95 % interval lies on the claim's side
of t, "contradicted" when it lies entirely on the other side, otherwise
"inconclusive at n seeds". With fewer than MIN_SEEDS seeds in a cell the
comparison is inconclusive whatever its interval; a missing cell leaves it
unassessed.
"""
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from experiments.analysis import stats as study_stats
from experiments.analysis.results import Cell
from experiments.analysis.stats import Estimate, Interval

#: Fewest seeds per cell for a verdict other than "inconclusive": the
#: percentile bootstrap cannot be wider than the observed range, so with 1
#: or 2 seeds its interval says little about the spread.
MIN_SEEDS = 3

#: a statistic of cell means: of the point means, or of each resample's
Statistic = Callable[[Mapping[Cell, Estimate]], Estimate]
#: the per-seed values of each cell, of one metric
CellValues = Mapping[Cell, Sequence[float]]


class Comparison(NamedTuple):
    """One computed comparison: which claim (None: not a claim of the
    study), what it compares, the estimate and its interval (None when
    not assessed or undefined), seeds per cell and the verdict (None
    without a threshold)."""
    claim: int | None
    what: str
    estimate: float | None
    interval: Interval | None
    seeds: tuple[int, ...]
    verdict: str | None

OPTIMIZERS = ('momentum_sgd', 'kfac')
NAMES = {'momentum_sgd': 'SGD', 'kfac': 'K-FAC'}
CLAIMS = {1: 'K-FAC reaches the target in fewer iterations than SGD',
          2: 'LB loses test accuracy (SB - LB gap > 0)',
          3: "Mixup cuts K-FAC's SB-LB gap to less than half",
          4: 'Mixup flattens the minimum (lower sharpness)'}
SHARPNESS_KINDS = (('sharpness_gaussian', 'Gaussian'),
                   ('sharpness_filternorm', 'filter-normalised'))


def mixup_name(mixup: bool) -> str:
    return 'mixup' if mixup else 'no mixup'


def cell_name(cell: Cell) -> str:
    return '{} {} {}'.format(NAMES[cell[0]], cell[1], mixup_name(cell[2]))


def decide(interval: Interval | None, threshold: float, above: bool,
           seeds: Sequence[int]) -> str:
    """Verdict of a claim "S > threshold" (``above``) or "S < threshold"
    from S's interval; ``seeds``: the number of seeds of each cell used."""
    fewest, n = min(seeds), study_stats.seeds_text(seeds)
    if fewest < MIN_SEEDS:
        return 'inconclusive at {} (fewer than {} seeds in a cell)'.format(
            n, MIN_SEEDS)
    if interval is None:
        return 'inconclusive at {} (undefined in some resamples)'.format(n)
    lo, hi = interval
    beyond, short = (lo > threshold, hi < threshold)
    if not above:
        beyond, short = short, beyond
    if beyond:
        return 'supported'
    if short:
        return 'contradicted'
    return 'inconclusive at {}'.format(n)


def compare(values: CellValues, cells: Sequence[Cell],
            statistic: Statistic, threshold: float | None = None,
            above: bool = True, claim: int | None = None,
            what: str = '') -> Comparison:
    """``statistic(means)`` of ``cells``' means, its interval and, when a
    ``threshold`` is given, the verdict."""
    missing = [c for c in cells if not values.get(c)]
    if missing:
        return Comparison(claim, what, None, None, (), 'not assessed: no '
                          'finished runs of ' + ', '.join(
                              cell_name(c) for c in missing))
    chosen = {c: values[c] for c in cells}
    estimate = float(statistic(study_stats.cell_means(chosen)))
    interval = study_stats.interval(statistic(
        study_stats.resample_means(chosen)))
    seeds = tuple(len(values[c]) for c in cells)
    verdict = None if threshold is None else decide(interval, threshold,
                                                    above, seeds)
    return Comparison(claim, what, estimate, interval, seeds, verdict)


def difference_statistic(a: Cell, b: Cell) -> Statistic:
    """mean(a) - mean(b)."""
    return lambda m: study_stats.difference(m[a], m[b])


def gap_statistic(optimizer: str, mixup: bool
                  ) -> tuple[tuple[Cell, Cell], Statistic]:
    sb, lb = (optimizer, 'SB', mixup), (optimizer, 'LB', mixup)
    return (sb, lb), difference_statistic(sb, lb)


def ratio_statistic(optimizer: str
                    ) -> tuple[tuple[Cell, Cell, Cell, Cell], Statistic]:
    (a, b), gap_mix = gap_statistic(optimizer, True)
    (c, d), gap_no = gap_statistic(optimizer, False)
    return (a, b, c, d), lambda m: study_stats.ratio(gap_mix(m), gap_no(m))


def gap_comparisons(values: Mapping[str, CellValues]) -> list[Comparison]:
    """Per optimizer: gap without, with mixup, and the ratio (claims 2, 3;
    the SGD ratio is shown but is not a claim of the study)."""
    rows = []
    for opt in OPTIMIZERS:
        gaps: dict[bool, Comparison] = {}
        for mixup in (False, True):
            cells, stat = gap_statistic(opt, mixup)
            gaps[mixup] = compare(values['final'], cells, stat, 0.0, True, 2,
                                  'gap SB - LB, {} {}'.format(
                                      NAMES[opt], mixup_name(mixup)))
        ratio_cells, ratio_stat = ratio_statistic(opt)
        is_claim = opt == 'kfac'
        ratio_row = compare(values['final'], ratio_cells, ratio_stat,
                            0.5 if is_claim else None, False,
                            3 if is_claim else None,
                            'ratio gap(mixup) / gap(no mixup), ' + NAMES[opt])
        rows += [gaps[False], gaps[True],
                 with_premise(ratio_row, gaps[False]) if is_claim
                 else ratio_row]
    return rows


def with_premise(ratio_row: Comparison, no_mixup_gap: Comparison
                 ) -> Comparison:
    """Claim 3's row, its verdict bound to claim 2 without Mixup: a ratio
    of gaps measures how much of LB's loss Mixup removes only when there is
    a loss (with both gaps negative the ratio can be small for no reason)."""
    assessed = ratio_row.estimate is not None        # every cell has runs
    if (not assessed or min(ratio_row.seeds) < MIN_SEEDS or
            no_mixup_gap.verdict == 'supported'):
        return ratio_row
    if no_mixup_gap.verdict == 'contradicted':
        verdict = ('not reproduced: without Mixup K-FAC LB does not lose '
                   'test accuracy (gap SB - LB contradicted), so there is no '
                   'loss for Mixup to cut')
    else:
        verdict = ('inconclusive at {} (no SB - LB loss without Mixup '
                   'established)'.format(
                       study_stats.seeds_text(ratio_row.seeds)))
    return ratio_row._replace(verdict=verdict)


def iteration_comparisons(values: Mapping[str, CellValues], target: float
                          ) -> list[Comparison]:
    rows = []
    for cls in ('SB', 'LB'):
        for mixup in (False, True):
            sgd, kfac = ('momentum_sgd', cls, mixup), ('kfac', cls, mixup)
            rows.append(compare(
                values['iters'], (sgd, kfac),
                difference_statistic(sgd, kfac),
                0.0, True, 1, 'iterations to {:g}: SGD - K-FAC, {} {}'.format(
                    target, cls, mixup_name(mixup))))
    return rows


def sharpness_comparisons(values: Mapping[str, CellValues]
                          ) -> list[Comparison]:
    rows = []
    for key, kind in SHARPNESS_KINDS:
        for opt in OPTIMIZERS:
            if not any(c[0] == opt for c in values.get(key, {})):
                continue
            for cls in ('SB', 'LB'):
                no, mix = (opt, cls, False), (opt, cls, True)
                rows.append(compare(
                    values[key], (no, mix),
                    difference_statistic(no, mix),
                    0.0, True, 4, 'sharpness ({}): no mixup - mixup, {} '
                    '{}'.format(kind, NAMES[opt], cls)))
    return rows


def all_comparisons(values: Mapping[str, CellValues], target: float
                    ) -> list[Comparison]:
    """Claims 1-4 in order (the SGD ratio row has no verdict)."""
    gaps = gap_comparisons(values)
    rows = iteration_comparisons(values, target)
    rows += [r for r in gaps if r.claim == 2]
    rows += [r for r in gaps if r.claim == 3]
    rows += sharpness_comparisons(values)
    return rows
