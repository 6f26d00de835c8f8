"""experiments/tune/overlays.py: each cell's best trial becomes an overlay
over the cell's own config, which loads as a config with only the tuned
keys changed."""
import os

import optuna
import yaml

from experiments.train import config as config_module
from experiments.tune import overlays

optuna.logging.set_verbosity(optuna.logging.WARNING)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def study_with(values):
    study = optuna.create_study(study_name='fmnist_e20/lb_kfac_nomixup',
                                direction='maximize')
    for value in values:
        trial = study.ask()
        trial.suggest_float('optimizer.lr', 1e-4, 1e-1, log=True)
        trial.suggest_float('kfac.damping', 1e-3, 1.0, log=True)
        study.tell(trial, value)
    return study


def test_nested():
    assert overlays.nested({'optimizer.lr': 1, 'kfac.damping': 0.5,
                            'seed': 3}) == {
        'optimizer': {'lr': 1.0}, 'kfac': {'damping': 0.5}, 'seed': 3.0}


def test_the_overlay_of_the_best_trial_loads_over_its_cell(tmp_path):
    study = study_with([0.8, 0.9, 0.85])
    source = os.path.join(ROOT, 'configs', 'fmnist_e20')
    into = str(tmp_path / 'fmnist_e20_tuned')
    written = overlays.write_overlays({'lb_kfac_nomixup': study}, source,
                                      into, 'holdout/main/accuracy')
    assert sorted(os.path.basename(p) for p in written) == [
        '_suite.yaml', 'lb_kfac_nomixup.yaml']
    text = open(os.path.join(into, 'lb_kfac_nomixup.yaml')).read()
    assert 'trial 1 ' in text and '0.9000' in text
    best = study.best_trial.params
    tuned = config_module.load_config(os.path.join(into,
                                                   'lb_kfac_nomixup.yaml'))
    untuned = config_module.load_config(os.path.join(
        source, 'lb_kfac_nomixup.yaml'))
    assert tuned['optimizer']['lr'] == best['optimizer.lr']
    assert tuned['kfac']['damping'] == best['kfac.damping']
    tuned['optimizer']['lr'] = untuned['optimizer']['lr']
    tuned['kfac']['damping'] = untuned['kfac']['damping']
    tuned['description'] = untuned['description']
    assert tuned == untuned
    suite = yaml.safe_load(open(os.path.join(into, '_suite.yaml')))
    assert suite['target_accuracy'] == 0.78
    assert 'tuned' in suite['description']
