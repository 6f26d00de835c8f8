"""Statistics over seeds for the study's comparisons (pure, no I/O).

A *cell* is one (optimizer o, batch class b in {SB, LB}, mixup u); its runs
differ only in the seed. For a cell c with per-seed values x_1..x_n:

    mean  m_c = (1/n) sum_i x_i
    sd    s_c = sqrt(sum_i (x_i - m_c)^2 / (n - 1))      (undefined for n = 1)

SB-LB gap of optimizer o with mixup u (final test accuracy):

    g(o, u) = m(o, SB, u) - m(o, LB, u)
    r(o)    = g(o, mixup) / g(o, no mixup)        (claim 3: r(K-FAC) < 0.5)

Iterations to target T: the first logged iteration whose test accuracy is
>= T, or +inf when the run never reaches T (so a mean over seeds is +inf
as soon as one seed misses).

Bootstrap (stratified, percentile): each of B resamples draws, for every
cell independently, n_c of the cell's seeds with replacement and takes
their mean; a statistic of cell means (a gap, a ratio, a difference) is
recomputed per resample, and its 95 % interval is the 2.5th and 97.5th
percentile of the B values (the nearest resampled values outward, no
interpolation). A statistic undefined in some resample (a NaN:
0/0 or inf - inf) has no interval.
"""
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import NamedTuple, TypeVar

import numpy
from numpy.typing import ArrayLike, NDArray

#: Number of bootstrap resamples and the seed of the bootstrap's RNG.
N_RESAMPLES = 10000
BOOTSTRAP_SEED = 20191118

#: a cell (or any key a value list is filed under)
Key = TypeVar('Key', bound=Hashable)
Samples = NDArray[numpy.float64]
#: a number, or one per bootstrap resample
Estimate = float | Samples
#: (lower, upper) ends of an interval
Interval = tuple[float, float]


class Summary(NamedTuple):
    """Mean, sample sd (None for one value, NaN with a non-finite value)
    and the number of values."""
    mean: float
    sd: float | None
    n: int


def summarize(values: Iterable[float]) -> Summary | None:
    """Mean, sample sd (None for one value) and n; None when empty."""
    numbers = [float(v) for v in values]
    if not numbers:
        return None
    n = len(numbers)
    mean = sum(numbers) / n
    sd: float | None
    if n < 2 or not all(math.isfinite(v) for v in numbers):
        sd = None if n < 2 else float('nan')
    else:
        sd = math.sqrt(sum((v - mean) ** 2 for v in numbers) / (n - 1))
    return Summary(mean, sd, n)


def first_reach(points: Iterable[tuple[int, float]], target: float) -> float:
    """First iteration of ``points`` [(iteration, accuracy), ...] (in log
    order) with accuracy >= ``target``; +inf when none."""
    for iteration, accuracy in points:
        if accuracy >= target:
            return float(iteration)
    return math.inf


def resample_means(values_by_cell: Mapping[Key, Sequence[float]],
                   n_resamples: int = N_RESAMPLES,
                   seed: int = BOOTSTRAP_SEED) -> dict[Key, Samples]:
    """{cell: array of ``n_resamples`` means of its values drawn with
    replacement}; cells are drawn in sorted order from one seeded RNG, so
    the result depends only on the data, ``n_resamples`` and ``seed``."""
    rng = numpy.random.default_rng(seed)
    out = {}
    for cell in sorted(values_by_cell, key=repr):
        values = numpy.asarray(values_by_cell[cell], dtype=float)
        if values.size == 0:
            continue
        idx = rng.integers(0, values.size, size=(n_resamples, values.size))
        with numpy.errstate(invalid='ignore'):
            out[cell] = values[idx].mean(axis=1)
    return out


def cell_means(values_by_cell: Mapping[Key, Sequence[float]]
               ) -> dict[Key, float]:
    """{cell: mean} of the non-empty cells (the point estimates)."""
    return {c: float(numpy.mean(numpy.asarray(v, dtype=float)))
            for c, v in values_by_cell.items() if len(v)}


def difference(a: Estimate, b: Estimate) -> Estimate:
    """a - b for numbers or arrays; inf - inf is NaN (undefined)."""
    with numpy.errstate(invalid='ignore'):
        return numpy.subtract(a, b)


def ratio(a: Estimate, b: Estimate) -> Estimate:
    """a / b for numbers or arrays; x/0 is +-inf, 0/0 NaN (undefined)."""
    with numpy.errstate(divide='ignore', invalid='ignore'):
        return numpy.true_divide(a, b)


def interval(samples: ArrayLike, level: float = 0.95) -> Interval | None:
    """Percentile interval of bootstrap ``samples``; None if any is NaN."""
    values = numpy.asarray(samples, dtype=float)
    if values.size == 0 or numpy.isnan(values).any():
        return None
    tail = (1 - level) / 2 * 100
    # No interpolation between neighbours (inf - inf would be NaN): the
    # lower end rounds down, the upper end up.
    lo = numpy.percentile(values, tail, method='lower')
    hi = numpy.percentile(values, 100 - tail, method='higher')
    return float(lo), float(hi)


def band(curves: Sequence[Sequence[tuple[float, float]]]
         ) -> tuple[Samples, Samples, Samples]:
    """Mean and sd over seeds of curves [[(x, y), ...] per seed] at the x
    every seed logged (seeds evaluated on different grids share only
    those); sd is 0 for a single seed. Returns (xs, mean, sd) arrays."""
    common = set.intersection(*[set(x for x, _ in c) for c in curves])
    xs = numpy.array(sorted(common), dtype=float)
    ys = numpy.array([[dict(c)[x] for x in xs] for c in curves])
    sd = ys.std(axis=0, ddof=1) if len(curves) > 1 else numpy.zeros(len(xs))
    return xs, ys.mean(axis=0), sd


def seeds_text(counts: Sequence[int]) -> str:
    """'3 seeds', '2-5 seeds', '1 seed' for the seeds of each cell used."""
    fewest, most = min(counts), max(counts)
    return '{} seed{}'.format(fewest if fewest == most else '{}-{}'.format(
        fewest, most), '' if most == 1 else 's')
