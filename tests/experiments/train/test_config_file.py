"""Reading a config (experiments/train/config_file.py): a ``--set`` value
that is a float literal in Python's syntax is a number (YAML 1.1 reads
``5e-3`` as text), whole numbers stay ints, files keep YAML's rules, and a
``--set`` of the wrong type says what it was read as."""
import os

import pytest

from experiments.folders.repository import ROOT
from experiments.train.config import ConfigError
from experiments.train.config import load_config
from experiments.train.config_file import read_merged

BASE = os.path.join(ROOT, 'configs', 'hpml2019', 'sb_kfac_mixup.yaml')


@pytest.mark.parametrize('raw, number', [
    ('5e-3', 0.005), ('1e4', 10000.0), ('-2.5E-3', -0.0025),
    ('+1E+2', 100.0), ('.5', 0.5), ('5.', 5.0), ('1_000.5', 1000.5)])
def test_set_reads_a_float_literal_as_a_float(raw, number):
    merged, origin = read_merged(BASE, ['optimizer.lr=' + raw])
    value = merged['optimizer']['lr']
    assert type(value) is float and value == number
    assert origin['optimizer.lr'] == '--set optimizer.lr=' + raw


@pytest.mark.parametrize('item, key, value', [
    ('optimizer.lr=5e-3', ('optimizer', 'lr'), 0.005),
    ('optimizer.weight_decay=1e4', ('optimizer', 'weight_decay'), 10000.0),
    ('mixed_precision.loss_scale=1e4', ('mixed_precision', 'loss_scale'),
     10000.0)])
def test_set_float_literals_pass_validation(item, key, value):
    config = load_config(BASE, [item])
    assert config[key[0]][key[1]] == value


def test_whole_numbers_and_text_keep_their_types():
    config = load_config(BASE, ['epochs=20', 'batch_size=64',
                                'description=run one', 'device=@numpy'])
    assert config['epochs'] == 20 and type(config['epochs']) is int
    assert type(config['batch_size']) is int
    assert config['description'] == 'run one'
    assert config['device'] == '@numpy'


@pytest.mark.parametrize('raw', ['inf', 'nan', 'infinity', '1e', 'e5', '.'])
def test_words_and_broken_literals_stay_text(raw):
    merged, _ = read_merged(BASE, ['description=' + raw])
    assert merged['description'] == raw


def test_a_quoted_float_literal_stays_text():
    merged, _ = read_merged(BASE, ["description='1e4'"])
    assert merged['description'] == '1e4'


@pytest.mark.parametrize('item, message', [
    ('optimizer.lr=abc', "--set optimizer.lr='abc' was read as text (str); "
                         'optimizer.lr takes a number'),
    ('optimizer.lr=inf', "--set optimizer.lr='inf' was read as text (str); "
                         'optimizer.lr takes a number'),
    ('batch_size=1.5', '--set batch_size=1.5 was read as a number (float); '
                       'batch_size takes a whole number'),
    ('epochs=true', '--set epochs=True was read as true or false (bool); '
                    'epochs takes a number'),
    ('description=1e4', '--set description=10000.0 was read as a number '
                        '(float); description takes text'),
    ('data_dir=[1]', '--set data_dir=[1] was read as a list (list); '
                     'data_dir takes text or null')])
def test_a_set_of_the_wrong_type_says_what_it_was_read_as(item, message):
    with pytest.raises(ConfigError) as e:
        load_config(BASE, [item])
    assert str(e.value) == message


def test_files_keep_yamls_rules(tmp_path):
    path = tmp_path / 'run.yaml'
    path.write_text('base: {}\noptimizer:\n  lr: 5e-3\n'.format(BASE))
    with pytest.raises(ConfigError) as e:
        load_config(str(path))
    assert str(e.value) == (
        "{}: `optimizer.lr` must be int or float, not '5e-3' (YAML reads "
        '5e-3 as text: write 5.0e-3)'.format(path))
    assert load_config(str(path), ['optimizer.lr=5e-3'])['optimizer'][
        'lr'] == 0.005
