"""The suite file's keys: every suite's and every committed copy's file
reads, the ``sharpness`` key's defaults and errors (one line naming the
file and the key)."""
import glob
import json
import os

import pytest

from experiments.errors import StudyError
from experiments.folders import suite_file
from experiments.folders.repository import ROOT
from experiments.folders.suite_file import SharpnessPlan
from experiments.folders.suites import SUITES

HEAD = 'target_accuracy: 0.5\nbatch_classes: {SB: 16, LB: 64}\n'


def write(tmp_path, text):
    path = tmp_path / 'suite.yaml'
    path.write_text(HEAD + text)
    return str(path)


def test_every_suite_file_reads():
    paths = glob.glob(os.path.join(ROOT, 'configs', '*',
                                   suite_file.SOURCE_NAME))
    assert {os.path.basename(os.path.dirname(p)) for p in paths} >= {
        name for name, folder in SUITES.items()
        if os.path.isdir(os.path.join(ROOT, folder))} >= {'quick',
                                                          'fmnist_e150'}
    for path in paths:
        assert 0 < suite_file.load(path).target_accuracy < 1, path


def test_the_committed_copies_read_without_sharpness():
    # docs/results/*/suite.yaml are copies from before the key existed.
    copies = glob.glob(os.path.join(ROOT, 'docs', 'results', '*',
                                    suite_file.FILE_NAME))
    assert len(copies) >= 3
    for path in copies:
        assert suite_file.load(path).sharpness is None, path


@pytest.mark.parametrize('suite', ['fmnist_e20', 'fmnist_e150'])
def test_the_fmnist_suites_measure_kfac_as_the_committed_runs(suite):
    from experiments.train.training import OPTIMIZERS
    plan = suite_file.load(os.path.join(
        ROOT, 'configs', suite, suite_file.SOURCE_NAME)).sharpness
    assert plan == SharpnessPlan(('kfac',), 5, 3000)
    assert set(plan.optimizers) <= set(OPTIMIZERS)
    committed = sorted(glob.glob(os.path.join(
        ROOT, 'docs', 'results', suite, 'seed_*', '*', 'sharpness.json')))
    assert committed
    for path in committed:
        with open(path) as f:
            data = json.load(f)
        assert data['n_train'] == plan.n_train, path
        for kind in data['kinds'].values():
            assert kind['direction_seeds'] == list(range(plan.directions))
        with open(os.path.join(os.path.dirname(path), 'config.yaml')) as f:
            assert 'name: kfac' in f.read(), path


def test_sharpness_defaults_and_who_is_measured(tmp_path):
    plan = suite_file.load(write(tmp_path, 'sharpness: {}\n')).sharpness
    assert plan == SharpnessPlan(None, suite_file.SHARPNESS_DIRECTIONS,
                                 suite_file.SHARPNESS_N_TRAIN)
    assert plan.wants('kfac') and plan.wants('momentum_sgd')
    plan = suite_file.load(write(
        tmp_path, 'sharpness: {optimizers: [kfac], n_train: 64}\n')
    ).sharpness
    assert plan == SharpnessPlan(('kfac',), 5, 64)
    assert plan.wants('kfac') and not plan.wants('momentum_sgd')
    assert suite_file.load(write(tmp_path, '')).sharpness is None


@pytest.mark.parametrize('value, key', [
    ('[kfac]', 'sharpness must be a mapping'),
    ('{optimisers: [kfac]}', "sharpness: unknown keys ['optimisers']"),
    ('{optimizers: kfac}', 'sharpness.optimizers'),
    ('{optimizers: []}', 'sharpness.optimizers'),
    ('{directions: 4}', 'sharpness.directions must be an integer >= 5'),
    ('{directions: 5.0}', 'sharpness.directions'),
    ('{n_train: 0}', 'sharpness.n_train must be an integer >= 1'),
    ('{n_train: true}', 'sharpness.n_train'),
])
def test_a_bad_sharpness_key_names_file_and_key(tmp_path, value, key):
    path = write(tmp_path, 'sharpness: {}\n'.format(value))
    with pytest.raises(suite_file.SuiteFileError) as error:
        suite_file.load(path)
    message = str(error.value)
    assert message.startswith(path + ': ') and key in message
    assert '\n' not in message and not message.startswith('error')
    assert isinstance(error.value, StudyError)


def test_the_other_errors_are_study_errors(tmp_path):
    with pytest.raises(StudyError, match='no suite file'):
        suite_file.load(str(tmp_path / 'none.yaml'))
    path = tmp_path / 'bad.yaml'
    path.write_text('target_accuracy: 2\n')
    with pytest.raises(StudyError, match='target_accuracy must be'):
        suite_file.load(str(path))
    path.write_text(HEAD + 'colour: red\n')
    with pytest.raises(StudyError, match=r"unknown keys \['colour'\]"):
        suite_file.load(str(path))
