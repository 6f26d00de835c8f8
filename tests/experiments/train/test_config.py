"""Configs (experiments/train/config.py, config_schema.py): the study's
eight runs equal Table 2, the scaled suites scale together, unknown keys,
wrong types and missing files name the file and key, and every section
and choice comes from its home."""
import os

import pytest

from experiments.folders.repository import ROOT
from experiments.train.config import ConfigError
from experiments.train.config import load_config

HPML = os.path.join(ROOT, 'configs', 'hpml2019')

# Naganuma & Yokota (HPML 2019), Table 2, written out here on purpose:
# run -> (global batch, optimizer, lr before -> after epoch 71, mixup alpha)
TABLE2 = {
    'sb_sgd_mixup': (128, 'momentum_sgd', 5e-3, 0.9),
    'sb_sgd_nomixup': (128, 'momentum_sgd', 1e-3, None),
    'lb_sgd_mixup': (2048, 'momentum_sgd', 1e-2, 0.7),
    'lb_sgd_nomixup': (2048, 'momentum_sgd', 5e-3, None),
    'sb_kfac_mixup': (128, 'kfac', 5e-3, 0.9),
    'sb_kfac_nomixup': (128, 'kfac', 2e-3, None),
    'lb_kfac_mixup': (2048, 'kfac', 8e-3, 0.7),
    'lb_kfac_nomixup': (2048, 'kfac', 4e-3, None),
}


@pytest.mark.parametrize('run', sorted(TABLE2))
def test_resolved_configs_equal_table_2(run):
    batch, optimizer, lr, alpha = TABLE2[run]
    c = load_config(os.path.join(HPML, run + '.yaml'))
    assert c['dataset'] == 'cifar10' and c['model'] == 'lenet5'
    assert c['epochs'] == 150
    assert c['batch_size'] == batch
    assert c['optimizer']['name'] == optimizer
    assert c['optimizer']['lr'] == pytest.approx(lr)
    assert c['optimizer']['momentum'] == 0.9
    assert c['optimizer']['weight_decay'] == pytest.approx(1e-4)
    assert c['lr_schedule'] == {'drop_epochs': [71], 'factor': 0.5}
    assert c['mixup']['enabled'] == (alpha is not None)
    if alpha is not None:
        assert c['mixup']['alpha'] == pytest.approx(alpha)
    # not in the study: Chainer_K-FAC's defaults
    assert c['kfac']['damping'] == 0.03
    assert c['kfac']['cov_ema_decay'] == 0.99


def test_exactly_eight_runs():
    runs = sorted(f[:-5] for f in os.listdir(HPML)
                  if f.endswith('.yaml') and not f.startswith('_'))
    assert runs == sorted(TABLE2)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_unknown_key_names_file_and_key(tmp_path):
    path = _write(tmp_path, 'run.yaml', 'optimizer:\n  lrr: 0.1\n')
    with pytest.raises(ConfigError, match=r'run\.yaml.*optimizer\.lrr'):
        load_config(path)


def test_wrong_type_names_file_and_key(tmp_path):
    _write(tmp_path, 'base.yaml', 'epochs: 3\n')
    path = _write(tmp_path, 'run.yaml',
                  'base: base.yaml\noptimizer:\n  lr: 1e-4\n')
    with pytest.raises(ConfigError,
                       match=r'run\.yaml.*optimizer\.lr.*write 1\.0e-4'):
        load_config(path)


def test_error_in_base_names_the_base(tmp_path):
    _write(tmp_path, 'base.yaml', 'batch_size: many\n')
    path = _write(tmp_path, 'run.yaml', 'base: base.yaml\n')
    with pytest.raises(ConfigError, match=r'base\.yaml.*batch_size'):
        load_config(path)


def test_missing_files(tmp_path):
    with pytest.raises(ConfigError, match='nothere.yaml.*does not exist'):
        load_config(str(tmp_path / 'nothere.yaml'))
    path = _write(tmp_path, 'run.yaml', 'base: gone.yaml\n')
    with pytest.raises(ConfigError, match=r'gone\.yaml.*named by.*run\.yaml'):
        load_config(path)


def test_set_overrides_and_choices(tmp_path):
    path = os.path.join(HPML, 'sb_kfac_mixup.yaml')
    c = load_config(path, ['epochs=2', 'optimizer.lr=0.5',
                           'dataset=synthetic'])
    assert (c['epochs'], c['optimizer']['lr'], c['dataset']) == \
        (2, 0.5, 'synthetic')
    with pytest.raises(ConfigError, match=r'--set dataset=svhn.*dataset'):
        load_config(path, ['dataset=svhn'])
    with pytest.raises(ConfigError, match='key=value'):
        load_config(path, ['epochs'])


@pytest.mark.parametrize('suite, sb, lb, epochs, drops', [
    ('quick', 32, 512, 1, []), ('fmnist_e20', 128, 2048, 20, [9])])
def test_scaled_suites_keep_table_2_but_scale_together(suite, sb, lb,
                                                       epochs, drops):
    for run, (_batch, optimizer, lr, alpha) in TABLE2.items():
        c = load_config(os.path.join(ROOT, 'configs', suite, run + '.yaml'))
        assert c['dataset'] == 'fashion-mnist'
        assert c['batch_size'] == (sb if run.startswith('sb') else lb)
        assert (c['epochs'], c['lr_schedule']['drop_epochs']) == \
            (epochs, drops)
        assert c['optimizer']['lr'] == pytest.approx(lr)
        assert c['optimizer']['name'] == optimizer
        assert c['mixup']['enabled'] == (alpha is not None)


def test_kfac_block_options_reach_the_optimizer(tmp_path):
    """bn_fisher, diagonalize and damping_in_running_average: config keys
    with KFAC's defaults, passed by training.make_optimizer."""
    from experiments.train import training
    path = _write(tmp_path, 'a.yaml', 'optimizer: {name: kfac}\n')
    c = load_config(path)
    assert training.make_optimizer(c, None).block_options == dict(
        bn_fisher='full', diagonalize=False,
        damping_in_running_average=False)
    c = load_config(path, ['kfac.bn_fisher=unit_wise',
                           'kfac.diagonalize=true'])
    assert training.make_optimizer(c, None).block_options == dict(
        bn_fisher='unit_wise', diagonalize=True,
        damping_in_running_average=False)
    c = load_config(path, ['kfac.damping_in_running_average=true'])
    assert training.make_optimizer(
        c, None).block_options['damping_in_running_average'] is True
    with pytest.raises(ConfigError, match='kfac.bn_fisher'):
        load_config(path, ['kfac.bn_fisher=per_channel'])


def test_distributed_section_and_choices_come_from_their_homes():
    """The `distributed:` defaults are DistributedKFACOptions' and every
    choice list is the tuple its module declares (one home each)."""
    import dataclasses

    from chainer_kfac.distributed import assignment, communicator
    from chainer_kfac.optimizers.distributed_kfac import \
        DistributedKFACOptions
    from chainer_kfac.preconditioning import damping
    from experiments.data import datasets
    from experiments.train import config, training
    defaults = DistributedKFACOptions()
    section = config.SCHEMA['distributed']
    assert set(section) == {f.name for f in dataclasses.fields(
        DistributedKFACOptions)} - {'communicate_after_forward'}
    for name, (_, default) in section.items():
        assert default == getattr(defaults, name), name
    assert config.SCHEMA['communicator'][1] == \
        communicator.DEFAULT_COMMUNICATOR == 'mpi'
    homes = {'distributed.assignment': assignment.METHODS,
             'communicator': communicator.COMMUNICATORS,
             'kfac.pi_type': damping.PI_TYPES, 'dataset': datasets.NAMES,
             'optimizer.name': training.OPTIMIZERS,
             'model': training.MODELS}
    for key, home in homes.items():
        assert config.CHOICES[key] is home, key


def test_distributed_options_reach_the_optimizer(tmp_path):
    from experiments.train import training
    from tests.distributed.local_world import LocalComm
    path = _write(tmp_path, 'a.yaml', 'optimizer: {name: kfac}\n')
    c = load_config(path, ['distributed.assignment=balanced',
                           'distributed.only_pic_update_weight=false'])
    opt = training.make_optimizer(c, LocalComm())
    assert opt.assignment == 'balanced'
    assert opt.only_pic_update_weight is False
    with pytest.raises(ConfigError, match=r'distributed\.assignment.*'
                                          'contiguous, balanced'):
        load_config(path, ['distributed.assignment=greedy'])
    with pytest.raises(ConfigError, match='communicator.*mpi, pure_nccl'):
        load_config(path, ['communicator=gloo'])
