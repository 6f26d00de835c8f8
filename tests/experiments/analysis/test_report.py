"""The report, its figures and sharpness from tiny real runs of two seeds,
and the iteration-granular target on a tiny real run."""
import json
import os

import pytest

from experiments.analysis import aggregate
from experiments.analysis import report
from experiments.analysis import results
from experiments.sharpness import cli as sharpness
from experiments.folders import suite_file
from experiments.train import cli as train

from tests.experiments.conftest import ROOT, RUNS

SUITE = 'description: tiny synthetic suite\ntarget_accuracy: 0.2\n' \
    'batch_classes: {SB: 16, LB: 64}\n'


def tiny_run(out, run, seed, evals_per_epoch=2):
    train.main([
        '--config', os.path.join(ROOT, 'configs', 'hpml2019', run + '.yaml'),
        '--out', out, '--quiet',
        '--set', 'dataset=synthetic', '--set', 'synthetic_size=[128,64]',
        '--set', 'batch_size={}'.format(16 if run.startswith('sb') else 64),
        '--set', 'epochs=2', '--set', 'snapshot_every=1',
        '--set', 'test_batch_size=64', '--set', 'seed={}'.format(seed),
        '--set', 'evals_per_epoch={}'.format(evals_per_epoch),
        '--set', 'lr_schedule.drop_epochs=[1]'])


@pytest.fixture(scope='module')
def two_seeds(tmp_path_factory):
    root = tmp_path_factory.mktemp('two_seeds')
    (root / 'suite.yaml').write_text(SUITE)
    for seed in (0, 1):
        for run in RUNS:
            tiny_run(str(root / 'seed_{}'.format(seed) / run), run, seed)
    return root


def test_target_is_found_at_iteration_granularity(tmp_path):
    out = str(tmp_path / 'run')
    tiny_run(out, 'sb_kfac_nomixup', 0, evals_per_epoch=4)
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    # 128 examples / 16 = 8 iterations an epoch, evaluated every 2.
    assert [e['iteration'] for e in log] == [2, 4, 6, 8, 10, 12, 14, 16]
    run = results.load_run(out)
    for entry in log:
        target = entry['validation/main/accuracy']
        expected = next(e['iteration'] for e in log
                        if e['validation/main/accuracy'] >= target)
        assert aggregate.run_values(run, target)['iters'] == expected
    assert aggregate.run_values(run, 1.01)['iters'] == float('inf')


def test_sharpness_json_over_five_directions(two_seeds, tmp_path):
    src = str(two_seeds / 'seed_0' / 'sb_kfac_mixup')
    sharpness.main([src, '--n-train', '32'])
    with open(os.path.join(src, 'sharpness.json')) as f:
        data = json.load(f)
    for kind in ('gaussian', 'filternorm'):
        got = data['kinds'][kind]
        assert got['direction_seeds'] == [0, 1, 2, 3, 4]
        assert len(set(got['sharpness'])) == 5          # five directions
        for curve, value in zip(got['train_loss'], got['sharpness'],
                                strict=True):
            at = dict(zip(data['alphas'], curve, strict=True))
            assert value == pytest.approx((at[-0.5] + at[0.5]) / 2 - at[0.0])
    with pytest.raises(SystemExit):
        sharpness.main([src, '--directions', '4'])


def test_report_and_figures_from_two_seeds(two_seeds):
    sharpness.main([str(two_seeds), '--n-train', '32'])
    report.main([str(two_seeds)])
    text = (two_seeds / 'report.md').read_text()
    claims_part = text.split('## Cells')[0]
    assert claims_part.count('| 1. ') == 4 and claims_part.count('| 2. ') == 4
    assert claims_part.count('| 3. ') == 1
    assert claims_part.count('| 4. ') == 8      # 2 kinds x 2 opt x SB/LB
    assert 'inconclusive at 2 seeds (fewer than 3' in claims_part
    cells = text.split('## Cells')[1].split('##')[0]
    assert cells.count('| 2 | 0,1 |') == 8
    suite = suite_file.find(str(two_seeds))
    values, _ = aggregate.cell_values(
        results.place(results.find_runs([str(two_seeds)]), suite),
        suite.target_accuracy)
    finals = values['final'][('kfac', 'SB', True)]
    assert len(finals) == 2
    assert '{:.4f} \u00b1'.format(sum(finals) / 2) in cells
    figures = two_seeds / 'figures'
    for name in ('sgd_vs_kfac_sb', 'sgd_vs_kfac_lb_mixup', 'mixup_sgd',
                 'mixup_kfac', 'all_test_accuracy', 'landscape'):
        assert (figures / (name + '.png')).stat().st_size > 20000, name
        assert '![{0}](figures/{0}.png)'.format(name) in text
