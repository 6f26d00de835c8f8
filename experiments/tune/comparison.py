"""What tuning changed: a suite's tuning studies beside its untuned and its
tuned runs.

    python -m experiments tune-report UNTUNED TUNED --journal FILE
        [--storage URL | --storage-file FILE] [--configs DIR]
        [--bench FILE] [--out FILE]

UNTUNED and TUNED are result folders of the same suite (e.g.
docs/results/fmnist_e20 and docs/results/fmnist_e20_tuned: suite.yaml and
seed_N/RUN), FILE its tuning journal (or URL the database). Writes (default
TUNED/tuning.md, figures beside it in figures/):

1. per cell: Table 2's hyperparameters (the untuned configs, --configs,
   default the suite's folder) and the tuned ones (the best complete
   trial), the best held-out accuracy, the trials that ended (pruned,
   diverged), the core-hours; the tuning cost per optimizer;
2. per cell: final test accuracy untuned and tuned (mean, sd, n, 95 %
   bootstrap interval of the mean) and tuned - untuned with its interval;
3. the wall-clock ratio SGD / K-FAC of the time to 0.85 test accuracy
   (experiments/analysis/time_to_accuracy.py: iterations x step time
   measured side by side in one run, bootstrap interval, verdict),
   untuned beside tuned; both use the step times of --bench (default
   UNTUNED/bench_step_time.json): only the learning rate, momentum and
   damping differ, which do not change the cost of a step;
4. the figure of held-out accuracy against learning rate per cell (every
   trial; pruned ones at the evaluation they stopped at).

Claims 1-4 on the tuned suite are that suite's own report
(``python -m experiments report TUNED``), decided by the same rules.
"""
import argparse
import os
import time
from collections.abc import Sequence

from experiments.analysis import results
from experiments.analysis import time_to_accuracy
from experiments.folders import suite_file
from experiments.folders import suites
from experiments.tune import comparison_tables as tables
from experiments.tune import plot_trials
from experiments.tune import storage
from experiments.tune import storage_url
from experiments.tune import trial_records
from experiments.tune import tune_file
from experiments.tune.cli import add_storage_arguments


def parser() -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(
        prog='python -m experiments tune-report',
        description='What tuning changed: hyperparameters, cost, test '
                    'accuracy and time to 0.85, untuned beside tuned.')
    result.add_argument('untuned', help='results of the untuned suite')
    result.add_argument('tuned', help='results of the tuned suite (may '
                        'not exist yet)')
    result.add_argument('--journal', default=None,
                        help='the tuning journal file')
    add_storage_arguments(result, '--journal')
    result.add_argument('--configs', default=None, help='the untuned '
                        'configs (default: the suite\'s folder)')
    result.add_argument('--bench', default=None, help='step times '
                        '(default UNTUNED/bench_step_time.json)')
    result.add_argument('--out', default=None,
                        help='default TUNED/tuning.md')
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    given = args.storage is not None or args.storage_file is not None
    url = None if args.journal is not None else storage_url.resolve(
        args.storage, args.storage_file)
    if (args.journal is None) == (url is None) or (args.journal and given):
        parser().error('give one of --journal FILE, --storage URL, '
                       '--storage-file FILE and ${}'.format(
                           storage_url.VARIABLE))
    untuned_suite = suite_file.find(args.untuned, None)
    untuned = results.load_study([args.untuned], untuned_suite)
    name = os.path.basename(os.path.normpath(args.untuned))
    configs = args.configs or suites.suite_folder(name)
    tune = tune_file.load(tune_file.find(configs))
    store = storage.open_storage(url, args.journal or '',
                                 tune.heartbeat_interval_s,
                                 tune.heartbeat_grace_s)
    cells = trial_records.load(store, name)
    out = args.out or os.path.join(args.tuned, 'tuning.md')
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    figure = plot_trials.heldout_against_lr(
        cells, tables.table2_values(configs, cells),
        os.path.join(os.path.dirname(os.path.abspath(out)), 'figures',
                     'heldout_vs_lr'))
    tuned = _tuned_study(args.tuned)
    bench = time_to_accuracy.load_bench(
        args.bench or os.path.join(args.untuned,
                                   time_to_accuracy.BENCH_NAME))
    text = '\n'.join([
        '# Tuning of {}: tuned against tuned\n'.format(name),
        'Written by `python -m experiments tune-report {} {}` on {}. {}\n'
        .format(args.untuned, args.tuned, time.strftime('%Y-%m-%d'),
                tune.description),
        tables.hyperparameters(cells, configs, tune),
        tables.accuracy(untuned, tuned),
        tables.time_to_target(untuned, tuned, bench),
        '## Figure\n\n![held-out accuracy against the learning rate]'
        '({})\n'.format(os.path.relpath(figure, os.path.dirname(
            os.path.abspath(out))))])
    with open(out, 'w') as f:
        f.write(text)
    print('wrote', out)
    return 0


def _tuned_study(path: str) -> results.Study | None:
    """The tuned suite's runs, or None while it has no finished run."""
    if not os.path.isfile(os.path.join(path, suite_file.FILE_NAME)):
        return None
    study = results.load_study([path], suite_file.find(path, None))
    return study if study.finished else None
