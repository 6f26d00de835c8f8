"""Starts that must be refused with the file, key and fix (issue 22):
YAML duplicates and empty files, infinite values, folders of another
experiment, the run's own config.yaml unreadable, other data on resume,
datasets too small or of the wrong shape, unusable output folders."""
import errno
import os
import shutil

import numpy as np
import pytest

from experiments.data import datasets
from experiments.errors import StudyError
from experiments.train import cli as train
from experiments.train import config as config_module
from tests.experiments.data.test_datasets import make_fashion
from tests.experiments.data.test_datasets import write_idx
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import config

BASE = ['--config', config('sb_sgd_nomixup')] + COMMON


def run(out, *extra):
    train.main(BASE + ['--out', str(out)] + list(extra))


def refused(out, *extra):
    with pytest.raises(StudyError) as e:
        run(out, *extra)
    return str(e.value)


def contents(folder):
    return {n: (folder / n).read_bytes() for n in sorted(os.listdir(
        str(folder))) if (folder / n).is_file()}


@pytest.mark.parametrize('text,line,key', [
    ('epochs: 3\nbatch_size: 8\nepochs: 1\n', 3, 'epochs'),
    ('optimizer:\n  name: kfac\n  lr: 0.1\noptimizer:\n  name: '
     'momentum_sgd\n', 4, 'optimizer'),
    ('optimizer:\n  lr: 0.1\n  lr: 0.2\n', 3, 'lr')])
def test_yaml_duplicate_key_names_file_line_and_key(tmp_path, text, line,
                                                    key):
    path = tmp_path / 'dup.yaml'
    path.write_text(text)
    with pytest.raises(config_module.ConfigError) as e:
        config_module.load_config(str(path))
    message = str(e.value)
    assert str(path) in message and 'line {}'.format(line) in message
    assert '`{}`'.format(key) in message and 'twice' in message


@pytest.mark.parametrize('text', ['', '\n\n', '# only a comment\n', '---\n'])
def test_empty_config_file_is_refused(tmp_path, text):
    path = tmp_path / 'empty.yaml'
    path.write_text(text)
    with pytest.raises(config_module.ConfigError,
                       match='{}: the file is empty'.format(path)):
        config_module.load_config(str(path))


@pytest.mark.parametrize('key,value', [
    ('optimizer.lr', '.inf'), ('epochs', '.inf'), ('mixup.alpha', '.inf'),
    ('kfac.damping', '.inf'), ('optimizer.weight_decay', '.inf'),
    ('lr_schedule.factor', '.inf'), ('optimizer.lr', '-.inf')])
def test_infinite_values_are_refused(tmp_path, key, value):
    path = tmp_path / 'inf.yaml'
    section, _, leaf = key.rpartition('.')
    path.write_text('{}:\n  {}: {}\n'.format(section, leaf, value)
                    if section else '{}: {}\n'.format(key, value))
    with pytest.raises(config_module.ConfigError) as e:
        config_module.load_config(str(path))
    assert str(path) in str(e.value) and '`{}`'.format(key) in str(e.value)
    assert 'finite' in str(e.value)


def test_fresh_start_in_a_folder_of_another_config_is_refused(tmp_path):
    run(tmp_path, '--set', 'epochs=1')
    before = contents(tmp_path)
    message = refused(tmp_path, '--set', 'epochs=1', '--set', 'seed=5')
    assert str(tmp_path) in message and 'seed: 0' in message
    assert '--overwrite' in message
    assert contents(tmp_path) == before
    run(tmp_path, '--set', 'epochs=1', '--set', 'seed=5', '--overwrite')
    assert 'seed: 5' in (tmp_path / 'config.yaml').read_text()


def test_resume_auto_of_another_config_before_any_checkpoint_is_refused(
        tmp_path):
    run(tmp_path, '--set', 'epochs=1')
    for name in os.listdir(str(tmp_path)):
        if name.startswith('snapshot_') or name == 'DONE':
            os.remove(str(tmp_path / name))        # killed before epoch 1
    before = contents(tmp_path)
    message = refused(tmp_path, '--set', 'epochs=1', '--set',
                      'batch_size=16', '--resume', 'auto')
    assert 'batch_size: 32' in message and str(tmp_path) in message
    assert contents(tmp_path) == before


@pytest.mark.parametrize('text,reason', [
    ('', 'is empty'), ('epochs: [1\n', 'not valid YAML'),
    ('epochs: 1\nepochs: 2\n', 'twice')])
def test_own_config_yaml_unreadable_on_resume_is_named(tmp_path, text,
                                                       reason):
    run(tmp_path, '--set', 'epochs=1')
    (tmp_path / 'config.yaml').write_text(text)
    message = refused(tmp_path, '--set', 'epochs=2', '--resume', 'auto')
    assert str(tmp_path / 'config.yaml') in message and reason in message
    assert 'differs' not in message and 'test_batch_size' not in message


def fashion_args(data_dir):
    return ['--set', 'dataset=fashion-mnist', '--set',
            'data_dir={}'.format(data_dir)]


def test_resume_on_other_data_is_refused(tmp_path):
    a, b, copy = (str(tmp_path / n) for n in ('a', 'b', 'copy'))
    for folder, n in ((a, 40), (b, 40)):
        os.makedirs(folder)
        make_fashion(folder, n_train=n, n_test=8)
    for name in os.listdir(b):              # same shapes, other pixels
        if 'images' in name:
            write_idx(os.path.join(b, name), np.full(
                (40 if 'train' in name else 8, 28, 28), 7), 2051)
    shutil.copytree(a, copy)
    out = tmp_path / 'out'
    run(out, '--set', 'epochs=1', *fashion_args(a))
    message = refused(out, '--set', 'epochs=2', '--resume', 'auto',
                      *fashion_args(b))
    assert 'other data' in message and b in message and a in message
    run(out, '--set', 'epochs=2', '--resume', 'auto', *fashion_args(copy))


def test_dataset_smaller_than_one_global_batch_is_refused(tmp_path):
    message = refused(tmp_path / 'o', '--set', 'synthetic_size=[20,16]',
                      '--set', 'epochs=1')
    assert '20 training examples' in message and 'batch_size 32' in message


def test_dataset_without_images_is_refused_at_load(tmp_path):
    make_fashion(str(tmp_path), n_train=0, n_test=3)
    with pytest.raises(datasets.DatasetError, match='train.*no images'):
        datasets.load('fashion-mnist', str(tmp_path))


def test_train_and_test_images_of_other_shapes_are_refused_at_load(
        tmp_path):
    make_fashion(str(tmp_path), n_train=6, n_test=3)
    write_idx(str(tmp_path / 't10k-images-idx3-ubyte.gz'),
              np.zeros((3, 32, 32)), 2051)
    with pytest.raises(datasets.DatasetError,
                       match=r'\(1, 28, 28\).*\(1, 32, 32\)'):
        datasets.load('fashion-mnist', str(tmp_path))


def fashion_of_shape(folder, height, width):
    make_fashion(folder, n_train=40, n_test=8)
    for name, n in (('train', 40), ('t10k', 8)):
        write_idx(os.path.join(folder, name + '-images-idx3-ubyte.gz'),
                  np.zeros((n, height, width)), 2051)


@pytest.mark.parametrize('model,shape,takes', [
    ('lenet5', (14, 56), 'takes square images CxSxS'),
    ('mlp', (14, 56), 'takes square images CxSxS'),
    ('vgg', (28, 28), 'takes Cx32x32 images')])
def test_images_of_a_shape_the_model_cannot_take_are_refused_at_load(
        tmp_path, model, shape, takes):
    data = str(tmp_path / 'data')
    os.makedirs(data)
    fashion_of_shape(data, *shape)
    message = refused(tmp_path / 'o', '--set', 'epochs=1', '--set',
                      'model={}'.format(model), *fashion_args(data))
    assert '\n' not in message and data in message
    assert 'the images are 1x{}x{}'.format(*shape) in message
    assert '`{}`'.format(model) in message and takes in message
    assert "fashion-mnist's own are 1x28x28" in message
    assert not os.path.exists(str(tmp_path / 'o' / 'log'))


def test_a_square_shape_of_another_side_is_left_to_the_model(tmp_path):
    from experiments.train import run_data
    data = str(tmp_path / 'data')
    os.makedirs(data)
    fashion_of_shape(data, 32, 32)
    train, _, info = datasets.load('fashion-mnist', data)
    run_data.check_shape(train, info, 'lenet5')      # any side
    run_data.check_shape(train, info, 'vgg')         # built for 32
    with pytest.raises(datasets.DatasetError, match='Cx224x224'):
        run_data.check_shape(train, info, 'resnet50_d')


def test_out_that_is_a_file_or_below_one_is_named(tmp_path):
    path = tmp_path / 'afile'
    path.write_text('x')
    assert 'is a file' in refused(path, '--set', 'epochs=1')
    message = refused(path / 'sub', '--set', 'epochs=1')
    assert 'below {}'.format(path) in message and 'a file' in message


@pytest.mark.parametrize('code,words', [
    (errno.EROFS, 'not writable'), (errno.EACCES, 'not writable'),
    (errno.ENOSPC, 'is full')])
def test_unwritable_or_full_output_folder_is_named(tmp_path, monkeypatch,
                                                   code, words):
    import tempfile

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, 'mkstemp', fail)
    message = refused(tmp_path / 'o', '--set', 'epochs=1')
    assert words in message and str(tmp_path / 'o') in message
    assert 'Traceback' not in message


def test_full_disk_at_restart_keeps_config_and_says_so(tmp_path,
                                                       monkeypatch):
    run(tmp_path, '--set', 'epochs=1')
    saved = (tmp_path / 'config.yaml').read_bytes()
    real_open = open

    def full_open(path, mode='r', *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        if 'w' in mode and str(tmp_path) in str(path):
            f.close()
            raise OSError(errno.ENOSPC, 'No space left on device')
        return f

    import builtins
    monkeypatch.setattr(builtins, 'open', full_open)
    message = refused(tmp_path, '--set', 'epochs=2', '--resume', 'auto')
    monkeypatch.undo()
    assert 'is full' in message and 'seek of closed file' not in message
    assert (tmp_path / 'config.yaml').read_bytes() == saved
