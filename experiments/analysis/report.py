#!/usr/bin/env python
"""One report of a suite over seeds: claims with verdicts, cells, figures.

    python scripts/report.py RESULTS [--suite FILE] [--out RESULTS/report.md]

RESULTS holds the run folders at any depth (SUITE/seed_N/RUN) and
suite.yaml (target accuracy, SB/LB batch sizes; scripts/suite_file.py).
Only finished runs count. Writes report.md with the claims table
(estimate, 95 % bootstrap interval, seeds per cell, computed verdict; see
scripts/claims.py and scripts/study_stats.py), the per-cell table, the
SB-LB gaps, the time to accuracy (scripts/time_to_accuracy.py, from
RESULTS/bench_step_time.json when present), the sharpness per model and the
figures (RESULTS/figures/: scripts/plot_curves.py, scripts/plot_sharpness.py).
"""
import argparse
import os
import time


from experiments.analysis import aggregate  # NOQA: E402
from experiments.analysis import claims  # NOQA: E402
from experiments.analysis import plot_curves  # NOQA: E402
from experiments.analysis import plot_sharpness  # NOQA: E402
from experiments.analysis import report_tables  # NOQA: E402
from experiments.analysis import results  # NOQA: E402
from experiments.analysis import stats as study_stats  # NOQA: E402
from experiments.folders import suite_file  # NOQA: E402
from experiments.analysis import time_to_accuracy  # NOQA: E402
from experiments.folders import provenance  # NOQA: E402

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


def evaluation_grid(runs, suite):
    """'1/epoch: SGD seed 0, K-FAC seeds 0,1; 4/epoch: ...' over the
    finished runs (a seed can be on one grid for one optimizer and on
    another for the other)."""
    by_rate = {}
    for run in runs:
        if run.finished:
            by_rate.setdefault(run.evaluation_grid, {}).setdefault(
                run.optimizer, set()).add(run.seed)
    return '; '.join('{}: {}'.format(rate, _seeds_text(by_opt))
                     for rate, by_opt in sorted(by_rate.items()))


def _seeds_text(seeds_by_optimizer):
    """'SGD seed 0, K-FAC seeds 0,1' (SGD first)."""
    order = sorted(seeds_by_optimizer, key=lambda o: o != 'momentum_sgd')
    return ', '.join('{} seed{} {}'.format(
        results.OPTIMIZER_LABEL[opt], 's' if len(seeds_by_optimizer[opt]) > 1
        else '', ','.join(map(str, sorted(seeds_by_optimizer[opt]))))
        for opt in order)


def figures_section(paths, out_dir, figure_dir, suite):
    written = plot_curves.make_figures(paths, figure_dir, suite)
    written += plot_sharpness.make_figure(paths, figure_dir, suite)
    pngs = [p for p in written if p.endswith('.png')]
    return '\n\n'.join('![{0}]({1})'.format(
        os.path.basename(p)[:-4], os.path.relpath(p, out_dir)) for p in pngs)


def build(paths, suite, out):
    runs = results.find_runs(paths)
    values, seeds = aggregate.cell_values(runs, suite)
    comps = claims.all_comparisons(values, suite.target_accuracy)
    gaps = claims.gap_comparisons(values)
    summaries = aggregate.cell_summaries(values, seeds)
    git = provenance.git_state()
    out_dir = os.path.dirname(os.path.abspath(out))
    left_out = [r.path for r in runs if not r.finished]
    figures = figures_section(paths, out_dir, os.path.join(out_dir,
                                                           'figures'), suite)
    return '\n'.join([
        '# Report: {}'.format(suite.description or ', '.join(paths)), '',
        'Written by `python scripts/report.py {}` on {} (code: commit {}{}).'
        .format(' '.join(paths), time.strftime('%Y-%m-%d'), git['commit'],
                ', with uncommitted changes' if git['dirty'] else ''), '',
        'Target accuracy {:g}; SB = batch {}, LB = batch {} (from {}). '
        'Evaluation grid: {}.'.format(
            suite.target_accuracy, suite.batch_classes['SB'],
            suite.batch_classes['LB'], os.path.basename(suite.path),
            evaluation_grid(runs, suite)), '', METHOD, '',
        '## Claims', '', report_tables.claims_table(comps), '',
        '## Cells (finished runs, mean \u00b1 sd over seeds)', '',
        report_tables.cell_table(summaries, suite.target_accuracy), '',
        '## SB - LB gap of the final test accuracy', '',
        report_tables.gap_table(gaps), '',
        '## Time to accuracy', '',
        time_to_accuracy.section(paths, suite, os.path.join(
            paths[0], time_to_accuracy.BENCH_NAME)), '',
        '## Sharpness per model (scripts/sharpness.py)', '',
        report_tables.sharpness_table([r for r in runs if r.finished],
                                      suite), '',
        '## Left out (not finished)', '',
        '\n'.join('- ' + p for p in left_out) or 'none', '',
        '## Figures', '', figures, ''])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+', metavar='RESULTS')
    parser.add_argument('--suite', default=None,
                        help='suite file (default: RESULTS/suite.yaml)')
    parser.add_argument('--out', default=None,
                        help='report file (default: RESULTS/report.md)')
    args = parser.parse_args(argv)
    suite = suite_file.find(args.paths[0], args.suite)
    out = args.out or os.path.join(args.paths[0], 'report.md')
    text = build(args.paths, suite, out)
    with open(out, 'w') as f:
        f.write(text)
    print(text.split('## Cells')[0])
    print('report: {}'.format(out))


if __name__ == '__main__':
    main()
