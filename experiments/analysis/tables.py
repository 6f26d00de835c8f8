"""Tables of a study's runs over seeds: per run, then the SB-LB gaps.

    python -m experiments table RESULTS [more folders...] [--suite FILE]
        [--target 0.85] [--out RESULTS/table]

Writes OUT.md (Markdown) and OUT.csv, and prints the Markdown. Per run
(each run folder once, however often it is named; all seeds): optimizer,
global batch and its class (from the suite file), mixup alpha, seed, final
and best test accuracy, final train accuracy and loss, epoch and iteration
at which the test accuracy first reaches the target (the suite's unless
--target), wall time, mean sharpness over directions (sharpness.json) and
status. Then, per optimizer and with/without mixup, the SB-LB gap of the
final test accuracy over all finished seeds (mean, 95 % bootstrap interval,
seeds per cell) and the ratio gap(mixup)/gap(no mixup) (claims.py). Runs
still in progress are marked and kept out of the gaps.
:func:`write_tables` is the same for a caller in this process (the suite
runner).
"""
import argparse
import csv
import os
from collections.abc import Sequence
from typing import Any

from experiments.analysis import aggregate
from experiments.analysis import claims
from experiments.analysis import report_tables
from experiments.analysis import results
from experiments.analysis.claims import Comparison
from experiments.analysis.results import Study, SuiteRun
from experiments.folders import suite_file

#: one row of the per-run table: column name -> value (None: '-'), in the
#: table's column order
RunRow = dict[str, Any]


def run_row(run: SuiteRun, target: float) -> RunRow:
    acc = run.series(results.ACC)
    final = acc[-1] if acc else None
    best = max(acc, key=lambda e: e[2]) if acc else None
    reach = next((e for e in acc if e[2] >= target), None)
    last = run.log[-1] if run.log else {}
    sharp = {k: sum(v) / len(v) for k, v in run.sharpness.items()}
    return {
        'run': run.name, 'seed': run.seed,
        'optimizer': results.OPTIMIZER_LABEL[run.optimizer],
        'batch': '{} ({})'.format(run.batch_class, run.batch),
        'mixup_alpha': '' if run.alpha is None else '{:g}'.format(run.alpha),
        'final_test_acc': final[2] if final else None,
        'best_test_acc': best[2] if best else None,
        'best_epoch': best[0] if best else None,
        'final_train_acc': last.get('main/accuracy'),
        'final_train_loss': last.get('main/loss'),
        'epochs_to_target': reach[0] if reach else None,
        'iters_to_target': reach[1] if reach else None,
        'epochs_done': last.get('epoch'),
        'iterations': last.get('iteration'),
        'wall_time_s': last.get('elapsed_time'),
        'sharpness_gaussian': sharp.get('gaussian'),
        'sharpness_filternorm': sharp.get('filternorm'),
        'status': run.status(),
    }


def fmt(value: object) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return '{:.4f}'.format(value)
    return str(value)


def markdown(rows: Sequence[RunRow]) -> str:
    if not rows:
        return ''
    keys = list(rows[0])
    return report_tables.table(keys, [[fmt(r[k]) for k in keys]
                                      for r in rows])


def build(study: Study, target: float | None = None
          ) -> tuple[list[RunRow], list[Comparison]]:
    """(per-run rows, gap comparisons) of all runs of ``study``."""
    reach = study.suite.target_accuracy if target is None else target
    runs = sorted(study.runs, key=lambda r: (
        aggregate.CELL_ORDER.index(r.cell), r.seed))
    values, _ = aggregate.cell_values(runs, study.suite.target_accuracy)
    return ([run_row(r, reach) for r in runs],
            claims.gap_comparisons(values))


def write(paths: Sequence[str], suite_path: str | None = None,
          target: float | None = None, out: str | None = None) -> None:
    """Read the runs in ``paths`` once; write OUT.md and OUT.csv (default
    OUT: PATHS[0]/table) and print the Markdown."""
    suite = suite_file.find(paths[0], suite_path)
    per_run, gaps = build(results.load_study(paths, suite), target)
    out = out or os.path.join(paths[0], 'table')
    text = '## Runs\n\n{}\n\n## SB-LB test-accuracy gap (finished runs, ' \
        'over seeds)\n\n{}\n'.format(markdown(per_run),
                                     report_tables.gap_table(gaps))
    with open(out + '.md', 'w') as f:
        f.write(text)
    with open(out + '.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(per_run[0]))
        writer.writeheader()
        writer.writerows(per_run)
    print(text)
    print('table: {}.md, {}.csv'.format(out, out))


def write_tables(suite_folder: str) -> None:
    """Write SUITE_FOLDER/table.md and table.csv as ``python -m experiments
    table SUITE_FOLDER`` does, and print what it prints."""
    write([suite_folder])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments table',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--suite', default=None,
                        help='suite file (default: PATHS[0]/suite.yaml)')
    parser.add_argument('--target', type=float, default=None,
                        help='test accuracy to reach (default: the suite\'s)')
    parser.add_argument('--out', default=None,
                        help='write OUT.md and OUT.csv (default: table in '
                             'the first folder)')
    args = parser.parse_args(argv)
    write(args.paths, args.suite, args.target, args.out)
    return 0
