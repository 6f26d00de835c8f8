"""The refinements through a config's `kfac:` section: every option
trains, logs what it decides, resumes exactly, and a wrong value is named."""
import json
import os

import numpy
import pytest

from experiments.train import cli as train
from experiments.train.config_file import ConfigError
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import config

ALL = ['--set', 'kfac.fisher=mc', '--set', 'kfac.mc_samples=2',
       '--set', 'kfac.stale_tolerance=0.1',
       '--set', 'kfac.damping_adaptation_interval=2',
       '--set', 'kfac.kl_clip=1e-3']


def run(out, *extra):
    train.main(['--config', config('sb_kfac_mixup')] + COMMON + ALL +
               ['--out', str(out)] + list(extra))


def final_params(out, epoch):
    with numpy.load(os.path.join(str(out), 'snapshot_epoch_%d' % epoch),
                    allow_pickle=False) as z:
        return {k: z[k] for k in z.files
                if k.startswith('updater/model:main/predictor/')}


def test_every_option_trains_logs_and_resumes_exactly(tmp_path):
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    run(straight, '--set', 'epochs=2')
    run(resumed, '--set', 'epochs=1')
    run(resumed, '--set', 'epochs=2', '--resume', 'auto')
    with open(os.path.join(str(straight), 'log')) as f:
        log = json.load(f)
    for key in ('damping', 'reduction_ratio', 'kl_clip_scale'):
        assert any(key in entry for entry in log), key
    a, b = final_params(straight, 2), final_params(resumed, 2)
    assert a
    for key, value in a.items():
        numpy.testing.assert_array_equal(b[key], value, err_msg=key)


@pytest.mark.parametrize('item, named', [
    ('kfac.fisher=exact', 'kfac.fisher'),
    ('kfac.kl_clip=-1', 'kfac.kl_clip'),
    ('kfac.stale_tolerance=0', 'kfac.stale_tolerance'),
    ('kfac.damping_adaptation_interval=0',
     'kfac.damping_adaptation_interval')])
def test_a_wrong_value_is_named(tmp_path, item, named):
    with pytest.raises(ConfigError, match=named):
        train.main(['--config', config('sb_kfac_mixup')] + COMMON +
                   ['--set', item, '--out', str(tmp_path)])
