#!/usr/bin/env python
"""Tables of a study's runs: per run, then the SB-LB comparisons.

    python scripts/make_table.py results/quick [more folders...]
        [--target 0.85] [--out results/quick/table]

Writes OUT.md (Markdown) and OUT.csv, and prints the Markdown. Per run:
optimizer, global batch, mixup alpha, final and best test accuracy, final
train accuracy and loss, epochs and iterations to reach --target test
accuracy, wall time, sharpness along a Gaussian and a filter-normalized
direction (where scripts/plot_landscape.py wrote them) and status. Then, per optimizer and with/without mixup, the SB-LB test-accuracy
gap (final accuracy, SB minus LB) and the ratio gap(mixup)/gap(no mixup),
which the study claims is below 0.5 for K-FAC. Runs still in progress are
marked as such and kept out of the comparisons.
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from results import batch_classes  # NOQA: E402
from results import find_runs  # NOQA: E402
from results import OPTIMIZER_LABEL  # NOQA: E402

ACC = 'validation/main/accuracy'


def run_row(run, classes, target):
    acc = run.series(ACC)
    final = acc[-1] if acc else None
    best = max(acc, key=lambda e: e[2]) if acc else None
    reach = next((e for e in acc if e[2] >= target), None) \
        if target is not None else None
    last = run.log[-1] if run.log else {}
    return {
        'run': run.name,
        'optimizer': OPTIMIZER_LABEL[run.optimizer],
        'batch': '{} ({})'.format(classes[run.batch], run.batch),
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
        'sharpness_gaussian': run.sharpness.get('gaussian'),
        'sharpness_filternorm': run.sharpness.get('filternorm'),
        'status': run.status(),
    }


def comparisons(runs, classes):
    """SB-LB gaps of finished runs, per optimizer and mixup setting."""
    final = {}
    for r in runs:
        acc = r.series(ACC)
        if r.finished and acc:
            final[(r.optimizer, classes[r.batch], r.mixup)] = acc[-1][2]
    rows = []
    for opt in ('momentum_sgd', 'kfac'):
        gaps = {}
        for mixup in (False, True):
            sb = final.get((opt, 'SB', mixup))
            lb = final.get((opt, 'LB', mixup))
            gaps[mixup] = None if sb is None or lb is None else sb - lb
            rows.append({'optimizer': OPTIMIZER_LABEL[opt],
                         'mixup': 'yes' if mixup else 'no',
                         'sb_test_acc': sb, 'lb_test_acc': lb,
                         'gap_sb_minus_lb': gaps[mixup]})
        ratio = None
        if gaps[True] is not None and gaps[False]:
            ratio = gaps[True] / gaps[False]
        rows.append({'optimizer': OPTIMIZER_LABEL[opt],
                     'mixup': 'ratio gap(mixup)/gap(no mixup)',
                     'sb_test_acc': None, 'lb_test_acc': None,
                     'gap_sb_minus_lb': ratio})
    return rows


def fmt(value):
    if value is None:
        return '-'
    if isinstance(value, float):
        return '{:.4f}'.format(value)
    return str(value)


def markdown(rows):
    if not rows:
        return ''
    keys = list(rows[0])
    lines = ['| ' + ' | '.join(keys) + ' |',
             '| ' + ' | '.join('---' for _ in keys) + ' |']
    for row in rows:
        lines.append('| ' + ' | '.join(fmt(row[k]) for k in keys) + ' |')
    return '\n'.join(lines)


def build(paths, target=None):
    runs = find_runs(paths)
    classes = batch_classes(runs)
    order = {('SB', 'momentum_sgd'): 0, ('SB', 'kfac'): 1,
             ('LB', 'momentum_sgd'): 2, ('LB', 'kfac'): 3}
    runs.sort(key=lambda r: (order.get((classes[r.batch], r.optimizer), 9),
                             r.mixup, r.name))
    return ([run_row(r, classes, target) for r in runs],
            comparisons(runs, classes))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('paths', nargs='+')
    parser.add_argument('--target', type=float, default=None,
                        help='test accuracy to reach (epochs/iterations)')
    parser.add_argument('--out', default=None,
                        help='write OUT.md and OUT.csv (default: table in '
                             'the first folder)')
    args = parser.parse_args()
    per_run, comp = build(args.paths, args.target)
    out = args.out or os.path.join(args.paths[0], 'table')
    text = '## Runs\n\n{}\n\n## SB-LB test-accuracy gap (finished runs)\n\n' \
        '{}\n'.format(markdown(per_run), markdown(comp))
    with open(out + '.md', 'w') as f:
        f.write(text)
    with open(out + '.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(per_run[0]))
        writer.writeheader()
        writer.writerows(per_run)
    print(text)
    print('table: {}.md, {}.csv'.format(out, out))


if __name__ == '__main__':
    main()
