"""Time to accuracy: how much sooner (in wall-clock) K-FAC reaches a test
accuracy than momentum SGD, per batch class and Mixup setting.

For a cell c = (optimizer o, batch b, mixup u) with seeds i = 1..n_c:

    I_{c,i}  iterations to target T: the first evaluation with test
             accuracy >= T (+inf when the run never reaches T)
    t_o(b)   seconds of one training step of o at batch b, measured side by
             side with the other optimizer in ONE run of
             experiments/bench/step_time.py (interleaved steps; K-FAC with its
             factors and inverses every step, as the study's runs do)
    W_c      = mean_i(I_{c,i}) * t_o(b)        (training time, evaluation
                                                excluded)
    R(b, u)  = W_(SGD,b,u) / W_(K-FAC,b,u)     > 1: K-FAC gets there sooner

Targets: (a) 0.85 and (b) SGD's final SB test accuracy with the same Mixup
setting, its lowest over seeds (so that every SGD SB seed reaches it: the
mean would be missed by the seeds that end below it) -- "as good as
small-batch SGD ends".

Interval: 95 % percentile bootstrap; each of B resamples draws every cell's
seeds with replacement (stratified, experiments/analysis/stats.py) and the
benchmark's rounds with replacement (the same round indices for both
optimizers, so the pairing of the side-by-side measurement is kept), and
recomputes R. Verdict: "K-FAC sooner" when the whole interval is above 1,
"SGD sooner" when below, else inconclusive; fewer than claims.MIN_SEEDS
seeds in a cell is always inconclusive.

    python -m experiments time-to-accuracy RESULTS [--bench FILE]
        [--json OUT]

RESULTS holds suite.yaml and the runs (seed_N/RUN); FILE defaults to
RESULTS/bench_step_time.json, written by
``python -m experiments bench step-time --input-shape 1 28 28 --json
FILE``.
"""
import argparse
import collections
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy

from experiments.analysis import claims
from experiments.analysis import results
from experiments.analysis import stats as study_stats
from experiments.analysis.results import Cell, SuiteRun
from experiments.analysis.stats import Estimate, Interval
from experiments.errors import StudyError
from experiments.folders import suite_file
from experiments.folders.suite_file import Suite

FIXED_TARGET = 0.85
BENCH_NAME = 'bench_step_time.json'
OPTIMIZERS = ('momentum_sgd', 'kfac')
BENCH_KIND = {'momentum_sgd': 'sgd', 'kfac': 'kfac'}

#: {batch: {optimizer: [seconds of one step, per benchmark round]}}
Bench = dict[int, dict[str, list[float]]]
#: {cell: [one value per finished seed, in seed order]}
PerSeed = dict[Cell, list[float]]


class NoStepTimes(StudyError):
    """The step-time benchmark's file is missing."""


class Row(NamedTuple):
    """One target and batch class: iterations and step times of both
    optimizers, the ratio R, its interval and the verdict."""
    batch_class: str
    mixup: bool
    target: float
    target_text: str
    iters: dict[str, list[float]]
    step_seconds: dict[str, float]
    ratio: float
    interval: Interval | None
    verdict: str


def load_bench(path: str) -> Bench:
    """{batch: {optimizer: [seconds per round]}} of a bench JSON file."""
    if not os.path.isfile(path):
        raise NoStepTimes(
            'no step-time file {}: measure it with `python '
            'scripts/bench_step_time.py --input-shape 1 28 28 --no-memory '
            '--json {}`'.format(path, path))
    with open(path) as f:
        rounds = json.load(f)['round_seconds']
    return {int(b): {o: rounds[b][BENCH_KIND[o]] for o in OPTIMIZERS}
            for b in rounds}


def _by_seed(runs: Iterable[SuiteRun]) -> list[SuiteRun]:
    return sorted((r for r in runs if r.finished), key=lambda r: r.seed)


def final_accuracies(runs: Iterable[SuiteRun]) -> PerSeed:
    """{(optimizer, class, mixup): [final test accuracy per seed]}."""
    out: PerSeed = collections.defaultdict(list)
    for run in _by_seed(runs):
        out[run.cell].append(run.series(results.ACC)[-1][2])
    return out


def iterations(runs: Iterable[SuiteRun], target: float) -> PerSeed:
    """{cell: [iterations to ``target`` per seed]} of the finished runs."""
    out: PerSeed = collections.defaultdict(list)
    for run in _by_seed(runs):
        points = [(it, acc) for _, it, acc in run.series(results.ACC)]
        out[run.cell].append(study_stats.first_reach(points, target))
    return out


def targets(finals: Mapping[Cell, Sequence[float]]
            ) -> list[tuple[bool, float, str]]:
    """[(mixup, accuracy, text)]: the fixed target for both Mixup settings,
    then SGD's final SB accuracy per Mixup setting, lowest over seeds
    (where it exists)."""
    out = [(u, FIXED_TARGET, '{:g}'.format(FIXED_TARGET))
           for u in (False, True)]
    for u in (False, True):
        sgd_sb = finals.get(('momentum_sgd', 'SB', u))
        if sgd_sb:
            acc = float(numpy.min(sgd_sb))
            out.append((u, acc, "SGD's final SB, lowest seed ({:.4f})"
                        .format(acc)))
    return out


def wall_ratio(iters_by_opt: Mapping[str, Sequence[float]],
               rounds_by_opt: Mapping[str, Sequence[float]]
               ) -> tuple[float, Estimate]:
    """R and its bootstrap samples from per-seed iterations and per-round
    step seconds of both optimizers."""
    means = study_stats.resample_means(iters_by_opt)
    sgd_t = numpy.asarray(rounds_by_opt['momentum_sgd'])
    kfac_t = numpy.asarray(rounds_by_opt['kfac'])
    rng = numpy.random.default_rng(study_stats.BOOTSTRAP_SEED + 1)
    idx = rng.integers(0, sgd_t.size, size=(study_stats.N_RESAMPLES,
                                            sgd_t.size))
    samples = study_stats.ratio(means['momentum_sgd'] * sgd_t[idx].mean(1),
                                means['kfac'] * kfac_t[idx].mean(1))
    point = study_stats.cell_means(iters_by_opt)
    estimate = study_stats.ratio(point['momentum_sgd'] * sgd_t.mean(),
                                 point['kfac'] * kfac_t.mean())
    return float(estimate), samples


def verdict(interval: Interval | None, seeds: Sequence[int]) -> str:
    fewest = min(seeds)
    if fewest < claims.MIN_SEEDS:
        return 'inconclusive at {} seed{} (fewer than {} in a cell)'.format(
            fewest, '' if fewest == 1 else 's', claims.MIN_SEEDS)
    if interval is None:
        return 'inconclusive (a cell never reaches it in some resamples)'
    if interval[0] > 1:
        return 'K-FAC sooner'
    if interval[1] < 1:
        return 'SGD sooner'
    return 'inconclusive at {} seeds'.format(fewest)


def cell_row(cls: str, mixup: bool, target: float, text: str,
             iters: Mapping[Cell, list[float]], bench: Bench, suite: Suite
             ) -> Row | None:
    """One Row, or None when a cell or the batch's timing is missing."""
    batch = suite.batch_classes[cls]
    chosen = {o: iters.get((o, cls, mixup), []) for o in OPTIMIZERS}
    if not all(chosen.values()) or batch not in bench:
        return None
    estimate, samples = wall_ratio(chosen, bench[batch])
    interval = study_stats.interval(samples)
    seconds = {o: float(numpy.mean(bench[batch][o])) for o in OPTIMIZERS}
    return Row(cls, mixup, target, text, chosen, seconds, estimate,
               interval, verdict(interval, [len(v) for v in
                                            chosen.values()]))


def compute(study: results.Study, bench: Bench) -> list[Row]:
    """All rows: per target, per batch class."""
    rows = []
    for mixup, target, text in targets(final_accuracies(study.runs)):
        iters = iterations(study.runs, target)
        for cls in ('SB', 'LB'):
            row = cell_row(cls, mixup, target, text, iters, bench,
                           study.suite)
            if row is not None:
                rows.append(row)
    return rows


def _iters_text(values: Sequence[float]) -> str:
    summary = study_stats.summarize(values)
    assert summary is not None, 'a row has iterations of every seed'
    if not math.isfinite(summary.mean):
        reached = sum(1 for v in values if math.isfinite(v))
        return 'not reached by {} of {}'.format(len(values) - reached,
                                                len(values))
    sd = '' if summary.sd is None else ' \u00b1 {:.0f}'.format(summary.sd)
    return '{:.0f}{} (n={})'.format(summary.mean, sd, summary.n)


def _ratio_text(row: Row) -> str:
    if math.isnan(row.ratio):
        return 'undefined (neither reaches it)'
    if math.isinf(row.ratio) or row.ratio == 0:
        return '{} (only {} reaches it)'.format(
            '\u221e' if row.ratio else '0',
            'K-FAC' if row.ratio else 'SGD')
    if row.interval is None:
        return '{:.2f} [undefined]'.format(row.ratio)
    return '{:.2f} [{:.2f}, {:.2f}]'.format(row.ratio, *row.interval)


def table(rows: Iterable[Row]) -> str:
    """The rows as a Markdown table."""
    head = ('| target | cell | SGD iterations | K-FAC iterations | '
            'step ms SGD / K-FAC | wall-clock SGD / K-FAC [95 %] | '
            'verdict |\n|---|---|---|---|---|---|---|')
    lines = [head]
    for r in rows:
        lines.append('| {} | {} {} | {} | {} | {:.1f} / {:.1f} | {} | {} |'
                     .format(r.target_text, r.batch_class,
                             claims.mixup_name(r.mixup),
                             _iters_text(r.iters['momentum_sgd']),
                             _iters_text(r.iters['kfac']),
                             r.step_seconds['momentum_sgd'] * 1e3,
                             r.step_seconds['kfac'] * 1e3, _ratio_text(r),
                             r.verdict))
    return '\n'.join(lines)


def section(study: results.Study, bench_path: str) -> str:
    """The report's section: how it is computed, then the table."""
    if not os.path.isfile(bench_path):
        return ('No step-time file {}: measure it with `python scripts/'
                'bench_step_time.py --input-shape 1 28 28 --no-memory --json '
                '{}`.'.format(bench_path, bench_path))
    rows = compute(study, load_bench(bench_path))
    return ('Wall-clock training time to a test accuracy: mean iterations '
            'over seeds x the step time of that optimizer and batch, both '
            'step times measured side by side in one run ({}); ratio SGD / '
            'K-FAC (> 1: K-FAC sooner) with a 95 % bootstrap interval over '
            'seeds and benchmark rounds (scripts/time_to_accuracy.py). '
            'Evaluation time is not counted.\n\n{}'.format(
                os.path.basename(bench_path), table(rows) if rows else
                'No cell has finished runs of both optimizers.'))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments time-to-accuracy',
        description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+', metavar='RESULTS')
    parser.add_argument('--bench', default=None)
    parser.add_argument('--suite', default=None)
    parser.add_argument('--json', default=None)
    args = parser.parse_args(argv)
    suite = suite_file.find(args.paths[0], args.suite)
    bench_path = args.bench or os.path.join(args.paths[0], BENCH_NAME)
    rows = compute(results.load_study(args.paths, suite),
                   load_bench(bench_path))
    print(table(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump([dict(r._asdict(), iters={
                o: v for o, v in r.iters.items()}) for r in rows], f,
                indent=1, default=str)
    return 0
