"""``suite_dir``: tiny real runs (synthetic data, 2 epochs) of the eight
cells, one of them unfinished, for the tables, figures, sharpness and GPU
suite tests."""
import os

import pytest

from experiments.folders.repository import ROOT

RUNS = ['sb_sgd_nomixup', 'sb_sgd_mixup', 'lb_sgd_nomixup', 'lb_sgd_mixup',
        'sb_kfac_nomixup', 'sb_kfac_mixup', 'lb_kfac_nomixup',
        'lb_kfac_mixup']


SUITE = 'description: tiny\ntarget_accuracy: 0.1\n' \
    'batch_classes: {SB: 16, LB: 64}\n'


@pytest.fixture(scope='session')
def suite_dir(tmp_path_factory):
    # Imported here: only the tests that use the runs pay for Chainer.
    from experiments.train import cli as train
    out = tmp_path_factory.mktemp('suite')
    for run in RUNS:
        batch = 16 if run.startswith('sb') else 64
        train.main([
            '--config', os.path.join(ROOT, 'configs', 'hpml2019',
                                     run + '.yaml'),
            '--out', str(out / run), '--quiet',
            '--set', 'dataset=synthetic', '--set', 'synthetic_size=[128,64]',
            '--set', 'batch_size={}'.format(batch), '--set', 'epochs=2',
            '--set', 'snapshot_every=1', '--set', 'test_batch_size=64',
            '--set', 'lr_schedule.drop_epochs=[1]'])
    with open(str(out / 'suite.yaml'), 'w') as f:
        f.write(SUITE)
    # One run "still in progress": no DONE file.
    os.remove(str(out / 'lb_kfac_mixup' / 'DONE'))
    return out
