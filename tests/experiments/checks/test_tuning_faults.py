"""The tuning category of ``python -m experiments fault-injection``
(experiments/checks/tuning_faults.py): its kinds, the checks of a study
after a fault (each shown failing on a study that breaks it), and one
real fault, a worker SIGKILLed mid-trial. The whole category hurts real
tunings for minutes: by hand, docs/robustness.md."""
import json
import os

import optuna
import pytest
from optuna.trial import TrialState

from experiments.checks import fault_injection, tuning_run, tuning_study

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_the_tune_kinds_are_a_category_of_their_own(capsys):
    args = fault_injection.parse_args(['--kinds',
                                       'tune-kill,tune-full-disk'])
    assert args.kinds == ['tune-kill', 'tune-full-disk']
    for bad in (['--kinds', 'tune-kill,kill'],
                ['--kinds', 'tune-kill', '--ranks', '2']):
        with pytest.raises(SystemExit):
            fault_injection.parse_args(bad)
    assert 'a category of their own' in capsys.readouterr().err


def a_tuned_study(work, trials=3):
    """A study as a tuning leaves it: each cell's first trial failed
    (its worker was killed) and re-run, ``trials`` finished, with DONE in
    their folders, and the tuned suite."""
    out = os.path.join(work, 'out')
    path = tuning_run.journal(out)
    os.makedirs(os.path.dirname(path))
    store = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(path))
    for cell in tuning_run.CELLS:
        study = optuna.create_study(storage=store, study_name='suite/' +
                                    cell, direction='maximize')
        study.tell(study.ask(), state=TrialState.FAIL)
        study.add_trial(optuna.create_trial(
            state=TrialState.WAITING, system_attrs={'failed_trial': 0}))
        for _ in range(trials):
            study.tell(study.ask(), 0.5)     # the retry first
        for trial in study.trials:
            folder = os.path.join(out, 'tune', 'suite', cell,
                                  'trial_{:03d}'.format(trial.number))
            os.makedirs(folder)
            open(os.path.join(folder, 'DONE'), 'w').close()
        os.makedirs(os.path.join(work, 'suite_tuned'), exist_ok=True)
        open(os.path.join(work, 'suite_tuned', cell + '.yaml'), 'w').close()
    return out


def test_a_whole_study_passes(tmp_path):
    a_tuned_study(str(tmp_path))
    assert tuning_study.problems(str(tmp_path)) == []


def test_a_short_budget_and_missing_folders_are_named(tmp_path):
    out = a_tuned_study(str(tmp_path), trials=2)
    os.remove(os.path.join(out, 'tune', 'suite', 'sgd', 'trial_001', 'DONE'))
    os.remove(os.path.join(str(tmp_path), 'suite_tuned', 'kfac.yaml'))
    assert tuning_study.problems(str(tmp_path)) == [
        'sgd: 2 of 3 trials finished',
        'sgd: finished trial(s) [1] without DONE',
        'kfac: 2 of 3 trials finished', 'kfac: no tuned config']


def test_a_trial_run_twice_is_named(tmp_path):
    out = a_tuned_study(str(tmp_path))
    store = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(tuning_run.journal(out)))
    study = optuna.load_study(study_name='suite/sgd', storage=store)
    study.add_trial(optuna.create_trial(value=0.7, system_attrs={
        'failed_trial': 0}))
    assert tuning_study.problems(str(tmp_path)) == [
        'sgd: 4 of 3 trials finished', 'sgd: trial(s) [0] counted twice',
        'sgd: finished trial(s) [4] without DONE']


def test_an_unreadable_journal_is_named(tmp_path):
    out = a_tuned_study(str(tmp_path))
    with open(tuning_run.journal(out), 'ab') as f:
        f.write(b'{"op_code": \n{"op_code": 1}\n')
    assert tuning_study.problems(str(tmp_path))[0].startswith(
        'study unreadable')


def test_a_worker_killed_mid_trial_is_survived(tmp_path, capsys):
    assert fault_injection.main(['--faults', '1', '--kinds', 'tune-kill',
                                 '--work', str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary['failed'] == 0
    [(outcome, count)] = summary['outcomes'].items()
    assert outcome.startswith('tune-kill: worker killed') and count == 1
