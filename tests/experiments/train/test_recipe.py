"""The examples' configs end to end: the ImageNet recipe (list files,
thread loader, running mixup, random erasing, polynomial decay per
acc_iters, weight-norm rescaling) through the train command
(experiments/train/cli.py) on a generated tree, the MNIST example with
Adam, MNIST from a local folder, and the combinations
experiments/train/recipe.py refuses."""
import json
import os

import numpy
import pytest
from PIL import Image

from chainer_kfac import models
from experiments.train import config as config_module
from experiments.data import mnist as mnist_data
from experiments.train import recipe
from experiments.train import cli as train
from tests.distributed.mpi_helper import ROOT
from tests.experiments.data.test_datasets import make_fashion


def _imagenet_tree(root, n=8, side=230):
    rng = numpy.random.RandomState(0)
    lines = []
    for i in range(n):
        path = 'img/{}.png'.format(i)
        os.makedirs(os.path.join(root, 'img'), exist_ok=True)
        Image.fromarray(rng.randint(0, 256, (side, side + 4, 3)).astype(
            numpy.uint8)).save(os.path.join(root, path))
        lines.append('{} {}'.format(path, i % 3 * 300))
    for name in ('train.txt', 'val.txt'):
        with open(os.path.join(root, name), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    numpy.save(os.path.join(root, 'mean.npy'), numpy.full((3, 256, 256),
                                                          120.0))


def test_imagenet_recipe_runs_end_to_end(tmp_path, capsys, monkeypatch):
    # ResNet-50-D's design at 224 x 224, one bottleneck in two stages and
    # channels / 16, registered for this test only (the full model's
    # step is tests/models/test_resnet50_d_step.py).
    tiny = models.ModelSpec(
        lambda c, s, k: models.ResNet50D(c, k, width_divisor=16,
                                         stages=((1, 64, 1), (1, 128, 2))),
        224, 'ResNet-50-D, 2 stages, channels / 16')
    monkeypatch.setitem(models.MODELS, 'resnet50_d_tiny', tiny)
    monkeypatch.setitem(config_module.CHOICES, 'model',
                        tuple(sorted(models.MODELS)))
    root = str(tmp_path / 'data')
    _imagenet_tree(root)
    out = str(tmp_path / 'out')
    base = os.path.join(ROOT, 'configs', 'imagenet', 'bs4k_8gpu.yaml')
    sets = ['model=resnet50_d_tiny', 'device=-1', 'communicator=mpi',
            'batch_size=2', 'test_batch_size=4', 'epochs=1',
            'kfac.acc_iters=2', 'loader.workers=2',
            'imagenet.train_list=' + root + '/train.txt',
            'imagenet.val_list=' + root + '/val.txt',
            'imagenet.train_root=' + root, 'imagenet.val_root=' + root,
            'imagenet.mean=' + root + '/mean.npy',
            'polynomial_lr.start_epoch=0.0', 'polynomial_lr.end_epoch=2.0',
            'polynomial_lr.power=2.0']
    argv = ['--config', base, '--out', out, '--quiet']
    for s in sets:
        argv += ['--set', s]
    train.main(argv)
    printed = capsys.readouterr().out
    assert 'model resnet50_d_tiny: K-FAC blocks' in printed
    assert 'not covered by K-FAC: none' in printed
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    # 8 images, batch 2: 4 iterations, 2 updates; after the last one the
    # rate is lr0 (1 - 1/2)^2 (epoch 1 of a decay from 0 to 2)
    assert log[-1]['iteration'] == 4
    assert log[-1]['lr'] == pytest.approx(0.00818 * 0.25, rel=1e-9)
    assert numpy.isfinite(log[-1]['main/loss'])
    assert 'validation/main/accuracy' in log[-1]


def test_mnist_example_with_adam_runs(tmp_path):
    out = str(tmp_path / 'adam')
    base = os.path.join(ROOT, 'configs', 'mnist_examples', 'cnn_adam.yaml')
    train.main(['--config', base, '--out', out, '--quiet', '--set',
                'dataset=synthetic', '--set', 'synthetic_size=[200,100]',
                '--set', 'epochs=2', '--set', 'lr_schedule.drop_epochs=[1]'])
    with open(os.path.join(out, 'log')) as f:
        log = json.load(f)
    # Adam's rate (alpha) is what the step schedule sets: halved at epoch 1
    assert [e['epoch'] for e in log] == [1, 2]
    assert log[-1]['main/loss'] < log[0]['main/loss'] * 1.5


def test_mnist_from_a_local_folder(tmp_path):
    expected = make_fashion(str(tmp_path))
    train_set, test_set, info = mnist_data.load_mnist(str(tmp_path))
    assert info == {'dataset': 'mnist', 'source': 'local',
                    'path': str(tmp_path)}
    assert len(train_set) == len(expected['train'][0])
    os.remove(os.path.join(str(tmp_path), 't10k-labels-idx1-ubyte.gz'))
    with pytest.raises(Exception, match='MNIST: missing t10k-labels'):
        mnist_data.load_mnist(str(tmp_path))


@pytest.mark.parametrize('sets, message', [
    (['mixup.enabled=true', 'running_mixup.enabled=true'], 'choose one'),
    (['mixup.enabled=true', 'loader.iterator=thread'], 'serial'),
    (['polynomial_lr.enabled=true'], 'drop_epochs'),
])
def test_incompatible_keys_are_refused(sets, message):
    base = os.path.join(ROOT, 'configs', 'hpml2019', 'sb_kfac_mixup.yaml')
    config = config_module.load_config(base, ['mixup.enabled=false'] + sets)
    with pytest.raises(config_module.ConfigError, match=message):
        recipe.check(config)


def test_unknown_model_is_refused_by_the_config():
    base = os.path.join(ROOT, 'configs', 'hpml2019', 'sb_kfac_mixup.yaml')
    with pytest.raises(config_module.ConfigError,
                       match='model.*resnet50_d.*resnet18'):
        config_module.load_config(base, ['model=resnet18'])


def test_header_names_links_kfac_does_not_cover():
    import warnings

    import chainer
    import chainer.links as L

    import chainer_kfac
    from experiments.train import training
    model = chainer.Sequential(L.Linear(3, 4), L.Bias(shape=(4,)))
    opt = chainer_kfac.KFAC()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        opt.setup(model)
    line = training.kfac_coverage(opt, 'demo')
    assert line == ('model demo: K-FAC blocks 1 LinearFisherBlock; not '
                    'covered by K-FAC: /1 (Bias)')
    sgd = chainer.optimizers.MomentumSGD().setup(model)
    assert training.kfac_coverage(sgd, 'demo') == \
        'model demo: MomentumSGD (no K-FAC)'
