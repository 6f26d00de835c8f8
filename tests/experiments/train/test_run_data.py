"""experiments/train/run_data.py: the held-out split of the training set,
evaluated under ``holdout/``; a run that reads no test file at all."""
import json
import os
import shutil

import numpy
import pytest

from experiments.data import datasets
from experiments.data.idx_files import IDX_FILES
from experiments.train import cli as train
from experiments.train import config as config_module
from experiments.train import run_data
from experiments.train.config_file import ConfigError
from tests.experiments.data.test_datasets import make_cifar_batches
from tests.experiments.data.test_datasets import make_fashion
from tests.experiments.train.test_cli import config

HOLDOUT = ['--set', 'holdout.enabled=true', '--set', 'holdout.fraction=0.25']


def resolved(*overrides):
    return config_module.load_config(config('sb_kfac_nomixup'), [
        'dataset=synthetic', 'synthetic_size=[200,40]', 'batch_size=20',
        *overrides])


def test_the_held_out_examples_are_not_trained_on():
    data = run_data.load_data(resolved('holdout.enabled=true'), None)
    full, _, _ = datasets.load('synthetic', None, (200, 40))
    assert len(data.train) == 180 and len(data.held_out) == 20
    assert data.info['held_out'] == 20 and len(data.test) == 40
    seen = {x.tobytes() for x, _ in data.train}
    held = [x.tobytes() for x, _ in data.held_out]
    assert not seen & set(held)
    assert seen | set(held) == {x.tobytes() for x, _ in full}


def test_without_holdout_the_data_is_as_before():
    data = run_data.load_data(resolved(), None)
    assert len(data.train) == 200 and data.held_out is None


def test_a_run_that_evaluates_on_nothing_is_refused():
    with pytest.raises(ConfigError, match='holdout.test_set: false.*'
                                          'nothing to be evaluated on'):
        run_data.check(resolved('holdout.test_set=false'))


def test_imagenet_cannot_be_split():
    with pytest.raises(ConfigError, match='imagenet.val_list'):
        run_data.check(resolved('holdout.enabled=true', 'dataset=imagenet'))


@pytest.mark.parametrize('fraction', ['0', '1', '1.5'])
def test_the_fraction_is_range_checked(fraction):
    with pytest.raises(ConfigError, match='holdout.fraction'):
        resolved('holdout.fraction=' + fraction)


def test_fashion_mnist_without_its_test_files(tmp_path):
    make_fashion(str(tmp_path), n_train=40, n_test=3)
    for key in ('test_images', 'test_labels'):
        os.remove(tmp_path / IDX_FILES[key])
    train, test, info = datasets.load('fashion-mnist', str(tmp_path),
                                      with_test=False)
    assert len(train) == 40 and test is None and info['fingerprint']
    with pytest.raises(datasets.DatasetError, match='missing t10k'):
        datasets.load('fashion-mnist', str(tmp_path))


def test_cifar10_without_its_test_batch(tmp_path):
    folder = tmp_path / 'cifar-10-batches-py'
    make_cifar_batches(str(folder))
    os.remove(folder / 'test_batch')
    train, test, _ = datasets.load('cifar10', str(tmp_path), with_test=False)
    assert len(train) == 20 and test is None


def test_a_tuning_run_trains_with_the_test_files_absent(tmp_path):
    """The log has ``holdout/`` keys and no ``validation/`` key; the test
    files are not even there."""
    data = tmp_path / 'data'
    data.mkdir()
    labels = make_fashion(str(data), n_train=400, n_test=3)['train'][1]
    for key in ('test_images', 'test_labels'):
        os.remove(data / IDX_FILES[key])
    out = tmp_path / 'run'
    assert train.main([
        '--config', config('sb_sgd_nomixup'), '--out', str(out), '--quiet',
        '--set', 'dataset=fashion-mnist', '--set', 'data_dir={}'.format(data),
        '--set', 'batch_size=50', '--set', 'epochs=2', '--set',
        'holdout.test_set=false'] + HOLDOUT) == 0
    log = json.loads((out / 'log').read_text())
    assert [e['epoch'] for e in log] == [1, 2]
    for entry in log:
        assert 0.0 <= entry['holdout/main/accuracy'] <= 1.0
        assert not [k for k in entry if k.startswith('validation/')]
    env = json.loads((out / 'env.json').read_text())
    # round(0.25 n_c) of each class c
    assert env['dataset']['held_out'] == sum(
        int(round(0.25 * n)) for n in numpy.bincount(labels))
    shutil.rmtree(data)     # nothing reads it after the start


def test_the_held_out_accuracy_is_that_of_the_model_on_the_split(tmp_path):
    """An independent evaluation of the final model on the held-out split
    (the same seeded split, rebuilt) gives the logged value."""
    import chainer
    from experiments.data import holdout
    from experiments.train import training
    out = str(tmp_path / 'run')
    cfg = resolved('holdout.enabled=true', 'holdout.fraction=0.25',
                   'epochs=1', 'snapshot_every=1')
    trainer, _, _ = training.build_trainer(cfg, out, progress=False)
    trainer.run()
    logged = trainer.get_extension('LogReport').log[-1]
    full, _, _ = datasets.load('synthetic', None, (200, 40))
    x, t = (numpy.asarray(a) for a in full._datasets)
    split = holdout.stratified_split(t, 0.25, 0)
    model = trainer.updater.get_optimizer('main').target
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        y = model.predictor(x[split.held_out])
    accuracy = float((y.array.argmax(axis=1) == t[split.held_out]).mean())
    assert logged['holdout/main/accuracy'] == pytest.approx(accuracy)
