"""One report of a suite over seeds: claims with verdicts, cells, figures.

    python -m experiments report RESULTS [--suite FILE]
        [--out RESULTS/report.md]

RESULTS holds the run folders at any depth (SUITE/seed_N/RUN) and
suite.yaml (target accuracy, SB/LB batch sizes; experiments/folders/
suite_file.py). Only finished runs count. Writes report.md with the claims
table (estimate, 95 % bootstrap interval, seeds per cell, computed verdict;
see claims.py and stats.py), the per-cell table, the SB-LB gaps, the time
to accuracy (time_to_accuracy.py, from RESULTS/bench_step_time.json when
present), the sharpness per model and the figures (RESULTS/figures/:
plot_curves.py, plot_sharpness.py). Every run folder is read once
(results.load_study). :func:`write_report` is the same for a caller in
this process (the suite runner).
"""
import argparse
import os
import time
from collections.abc import Iterable, Mapping, Sequence

from experiments.analysis import aggregate
from experiments.analysis import claims
from experiments.analysis import plot_curves
from experiments.analysis import plot_sharpness
from experiments.analysis import report_tables
from experiments.analysis import results
from experiments.analysis import stats as study_stats
from experiments.analysis import time_to_accuracy
from experiments.analysis.results import Run, Study, SuiteRun
from experiments.folders import provenance
from experiments.folders import suite_file

METHOD = (
    'Mean \u00b1 sd: sample standard deviation (n - 1) over seeds. 95 % '
    'intervals: stratified percentile bootstrap, {} resamples; in each, '
    'every cell\'s seeds are drawn with replacement within the cell and '
    'the statistic is recomputed from the cell means (numpy default_rng, '
    'seed {}). Verdict: "supported" when the whole interval lies on the '
    'claim\'s side of the threshold (claims 1, 2, 4: > 0; claim 3: < 0.5), '
    '"contradicted" when it lies entirely on the other side, otherwise '
    '"inconclusive at n seeds"; with fewer than {} seeds in a cell it '
    'is inconclusive whatever the interval (a percentile bootstrap cannot '
    'be wider than the observed range, so with few seeds it is too narrow). '
    'Claim 3 presupposes a loss to cut: it is decided only where K-FAC\'s '
    'no-mixup gap (claim 2) is supported; "not reproduced" where that gap '
    'is contradicted, inconclusive while it is. '
    'Iterations to target: first evaluation with test '
    'accuracy >= the target (+inf when never reached, so one missing seed '
    'makes the cell mean +inf).').format(study_stats.N_RESAMPLES,
                                         study_stats.BOOTSTRAP_SEED,
                                         claims.MIN_SEEDS)


def evaluation_grid(runs: Iterable[Run]) -> str:
    """'1/epoch: SGD seed 0, K-FAC seeds 0,1; 4/epoch: ...' over the
    finished runs (a seed can be on one grid for one optimizer and on
    another for the other)."""
    by_rate: dict[str, dict[str, set[int]]] = {}
    for run in runs:
        if run.finished:
            by_rate.setdefault(run.evaluation_grid, {}).setdefault(
                run.optimizer, set()).add(run.seed)
    return '; '.join('{}: {}'.format(rate, _seeds_text(by_opt))
                     for rate, by_opt in sorted(by_rate.items()))


def _seeds_text(seeds_by_optimizer: Mapping[str, set[int]]) -> str:
    """'SGD seed 0, K-FAC seeds 0,1' (SGD first)."""
    order = sorted(seeds_by_optimizer, key=lambda o: o != 'momentum_sgd')
    return ', '.join('{} seed{} {}'.format(
        results.OPTIMIZER_LABEL[opt], 's' if len(seeds_by_optimizer[opt]) > 1
        else '', ','.join(map(str, sorted(seeds_by_optimizer[opt]))))
        for opt in order)


def figures_section(runs: Sequence[SuiteRun], out_dir: str,
                    figure_dir: str) -> str:
    """Draw the figures into ``figure_dir``; their Markdown images."""
    written = plot_curves.make_figures(runs, figure_dir)
    written += plot_sharpness.make_figure(runs, figure_dir)
    pngs = [p for p in written if p.endswith('.png')]
    return '\n\n'.join('![{0}]({1})'.format(
        os.path.basename(p)[:-4], os.path.relpath(p, out_dir)) for p in pngs)


def build(study: Study, out: str) -> str:
    """The text of report.md (to be written to ``out``), drawing its
    figures into figures/ beside it."""
    suite, paths, runs = study.suite, study.paths, study.runs
    values, seeds = aggregate.cell_values(runs, suite.target_accuracy)
    comps = claims.all_comparisons(values, suite.target_accuracy)
    gaps = claims.gap_comparisons(values)
    summaries = aggregate.cell_summaries(values, seeds)
    git = provenance.git_state()
    out_dir = os.path.dirname(os.path.abspath(out))
    left_out = [r.path for r in runs if not r.finished]
    figures = figures_section(runs, out_dir, os.path.join(out_dir,
                                                          'figures'))
    return '\n'.join([
        '# Report: {}'.format(suite.description or ', '.join(paths)), '',
        'Written by `python -m experiments report {}` on {} (code: commit '
        '{}{}).'.format(' '.join(paths), time.strftime('%Y-%m-%d'),
                        git['commit'], ', with uncommitted changes'
                        if git['dirty'] else ''), '',
        'Target accuracy {:g}; SB = batch {}, LB = batch {} (from {}). '
        'Evaluation grid: {}.'.format(
            suite.target_accuracy, suite.batch_classes['SB'],
            suite.batch_classes['LB'], os.path.basename(suite.path),
            evaluation_grid(runs)), '', METHOD, '',
        '## Claims', '', report_tables.claims_table(comps), '',
        '## Cells (finished runs, mean \u00b1 sd over seeds)', '',
        report_tables.cell_table(summaries, suite.target_accuracy), '',
        '## SB - LB gap of the final test accuracy', '',
        report_tables.gap_table(gaps), '',
        '## Time to accuracy', '',
        time_to_accuracy.section(study, os.path.join(
            paths[0], time_to_accuracy.BENCH_NAME)), '',
        '## Sharpness per model (scripts/sharpness.py)', '',
        report_tables.sharpness_table(study.finished), '',
        '## Left out (not finished)', '',
        '\n'.join('- ' + p for p in left_out) or 'none', '',
        '## Figures', '', figures, ''])


def write(paths: Sequence[str], suite_path: str | None = None,
          out: str | None = None) -> str:
    """Read the runs in ``paths`` once, write the report (default
    PATHS[0]/report.md) and its figures, print its claims; its path."""
    suite = suite_file.find(paths[0], suite_path)
    out = out or os.path.join(paths[0], 'report.md')
    text = build(results.load_study(paths, suite), out)
    with open(out, 'w') as f:
        f.write(text)
    print(text.split('## Cells')[0])
    print('report: {}'.format(out))
    return out


def write_report(suite_folder: str) -> str:
    """Write SUITE_FOLDER/report.md and its figures as ``python -m
    experiments report SUITE_FOLDER`` does, print what it prints; return
    report.md's path."""
    return write([suite_folder])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments report',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+', metavar='RESULTS')
    parser.add_argument('--suite', default=None,
                        help='suite file (default: RESULTS/suite.yaml)')
    parser.add_argument('--out', default=None,
                        help='report file (default: RESULTS/report.md)')
    args = parser.parse_args(argv)
    write(args.paths, args.suite, args.out)
    return 0
