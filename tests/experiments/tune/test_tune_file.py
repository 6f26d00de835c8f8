"""experiments/tune/tune_file.py: the committed tuning file loads; every
mistake is one error naming the file and the key."""
import os

import pytest

from experiments.tune import tune_file
from experiments.tune.errors import TuneFileError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
GOOD = '''trials: 3
objective: holdout/main/accuracy
space:
  kfac:
    optimizer.lr: {low: 1.0e-4, high: 1.0e-1, log: true}
    kfac.damping: {low: 1.0e-3, high: 1.0, log: true}
'''


def load(tmp_path, text):
    path = tmp_path / '_tune.yaml'
    path.write_text(text)
    return tune_file.load(str(path))


def test_the_committed_file_gives_every_optimizer_two_dimensions():
    tune = tune_file.load(os.path.join(ROOT, 'configs', 'fmnist_e20',
                                       '_tune.yaml'))
    assert tune.trials >= 12
    assert tune.objective == 'holdout/main/accuracy'
    for optimizer in ('momentum_sgd', 'kfac'):
        dims = tune.dimensions(optimizer)
        assert [d.key for d in dims][0] == 'optimizer.lr'
        lr = dims[0]
        assert lr.log and lr.high / lr.low >= 1000    # three decades
        assert len(dims) == 2
    assert tune.dimensions('momentum_sgd')[1].key == 'optimizer.momentum'
    assert tune.dimensions('kfac')[1].key == 'kfac.damping'


def test_defaults(tmp_path):
    tune = load(tmp_path, GOOD)
    assert tune.holdout_fraction == 0.1 and tune.holdout_seed == 0
    assert tune.sampler == {'name': 'tpe'}
    assert tune.pruner == {'name': 'median'}


@pytest.mark.parametrize('text, named', [
    (GOOD.replace('kfac.damping', 'kfac.dampng'), "'kfac.dampng'"),
    (GOOD.replace('kfac.damping', 'kfac.pi_type'), "'kfac.pi_type'"),
    (GOOD + 'budget: 3\n', 'budget'),
    (GOOD.replace('holdout/main/accuracy', 'validation/main/accuracy'),
     'never reads the test set'),
    (GOOD.replace('trials: 3', 'trials: 0'), 'trials'),
    (GOOD.replace('low: 1.0e-4', 'low: 0.0'), 'low > 0'),
    (GOOD.replace('high: 1.0e-1', 'high: 1.0e-5'), 'low < high'),
    (GOOD + 'sampler: {name: grid}\n', 'sampler'),
    (GOOD + 'pruner: {name: median, n_warmup: 3}\n', 'pruner.n_warmup'),
    (GOOD + 'fixed: {epochz: 3}\n', 'fixed.epochz'),
    (GOOD.replace('high: 1.0, log', 'high: 2.0, lg'), 'kfac.kfac.damping'),
])
def test_a_mistake_is_named(tmp_path, text, named):
    with pytest.raises(TuneFileError) as raised:
        load(tmp_path, text)
    message = str(raised.value)
    assert str(tmp_path / '_tune.yaml') in message
    assert named in message
    assert '\n' not in message


def test_a_cell_without_a_space_is_named(tmp_path):
    tune = load(tmp_path, GOOD)
    with pytest.raises(TuneFileError, match='momentum_sgd'):
        tune.dimensions('momentum_sgd')


def test_a_missing_file_names_the_folder(tmp_path):
    with pytest.raises(TuneFileError, match=str(tmp_path)):
        tune_file.find(str(tmp_path))
