"""The `mixed_precision:` config keys (experiments/precision.py): a float16
K-FAC run with dynamic loss scaling end to end, and the refusals naming
the key and the fix."""
import json
import os
import warnings

import numpy
import pytest

from experiments.train import config as config_module
from experiments.train import cli as train
from experiments.train import training
from tests.distributed.mpi_helper import ROOT

BASE = os.path.join(ROOT, 'configs', 'mnist_examples', 'cnn_kfac.yaml')


@pytest.mark.slow
def test_float16_kfac_run_end_to_end(tmp_path):
    # ~30 s on a loaded CPU: NumPy has no float16 BLAS
    out = str(tmp_path / 'half')
    with warnings.catch_warnings(), numpy.errstate(all='ignore'):
        warnings.simplefilter('ignore')
        train.main(['--config', BASE, '--out', out, '--quiet',
                    '--set', 'dataset=synthetic',
                    '--set', 'synthetic_size=[200,100]',
                    '--set', 'batch_size=100', '--set', 'epochs=1',
                    '--set', 'mixed_precision.dtype=float16',
                    '--set', 'mixed_precision.loss_scale=dynamic'])
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    assert numpy.isfinite(log[-1]['main/loss'])
    with open(os.path.join(out, 'config.yaml')) as f:
        assert 'dtype: float16' in f.read()


def _optimizer(sets):
    config = config_module.load_config(BASE, [
        'dataset=synthetic', 'synthetic_size=[200,100]'] + sets)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        trainer, _, _ = training.build_trainer(config, '/nonexistent',
                                               progress=False)
    return trainer, trainer.updater.get_optimizer('main')


def test_keys_reach_the_model_and_the_optimizer():
    trainer, opt = _optimizer([
        'mixed_precision.dtype=float16', 'mixed_precision.loss_scale=dynamic',
        'mixed_precision.loss_scale_interval=7'])
    assert all(p.dtype == numpy.float16 for p in opt.target.params())
    assert opt._loss_scaling_is_dynamic and opt._loss_scale == 1.0
    assert opt._loss_scaling_multiplier == 2 ** (1 / 7)
    assert all(p.update_rule._use_fp32_update for p in opt.target.params())
    x, _ = trainer.updater.get_iterator('main').dataset[0]
    assert x.dtype == numpy.float16
    _, opt = _optimizer(['mixed_precision.loss_scale=512'])
    assert opt._loss_scale == 512.0 and not opt._loss_scaling_is_dynamic
    assert all(p.dtype == numpy.float32 for p in opt.target.params())


@pytest.mark.parametrize('sets, message', [
    (['mixed_precision.loss_scale=auto'],
     r'mixed_precision.loss_scale`: must be null .*1024.0.*dynamic'),
    (['mixed_precision.loss_scale=-2.0'],
     r'mixed_precision.loss_scale`: must be null'),
    (['mixed_precision.dtype=bfloat16'],
     r'mixed_precision.dtype` must be one of float32, float16'),
    (['mixed_precision.loss_scale_interval=0'],
     r'mixed_precision.loss_scale_interval` must be'),
])
def test_bad_values_name_the_key_and_the_fix(sets, message):
    with pytest.raises(config_module.ConfigError, match=message):
        config_module.load_config(BASE, sets)
