"""experiments/tune/budget.py and storage.py without training: the budget
is exact under racing workers, a dead worker's trial is failed and
re-queued with its parameters, the journal is shared by processes."""
import multiprocessing
import time

import optuna
from optuna.trial import TrialState

from experiments.tune import budget, storage

optuna.logging.set_verbosity(optuna.logging.WARNING)


def journal(tmp_path, grace_s=180):
    return storage.open_storage(None, str(tmp_path / 'journal.log'), 60,
                                grace_s)


def study_in(store, name='s/c'):
    return optuna.create_study(storage=store, study_name=name,
                               direction='maximize', load_if_exists=True)


def test_the_last_place_goes_to_the_earlier_trial(tmp_path):
    study = study_in(journal(tmp_path))
    for _ in range(2):
        done = study.ask()
        study.tell(done, 0.5)
    first, second = study.ask(), study.ask()   # two workers, one place left
    assert budget.keep(study, first, 3)
    assert not budget.keep(study, second, 3)
    frozen = study.get_trials(deepcopy=False)[second.number]
    assert frozen.state == TrialState.FAIL
    assert frozen.user_attrs[budget.OVER_BUDGET] is True
    study.tell(first, 0.7)
    assert budget.finished(study) == 3
    assert not budget.room_for_another(study, 3)


def test_a_waiting_retry_makes_room_past_the_count(tmp_path):
    study = study_in(journal(tmp_path))
    for _ in range(3):
        study.tell(study.ask(), 0.5)
    study.enqueue_trial({'x': 1.0})
    assert budget.room_for_another(study, 3)


def test_a_dead_trial_is_failed_and_requeued_with_its_parameters(tmp_path):
    store = journal(tmp_path, grace_s=1)
    study = study_in(store)
    dead = study.ask()
    dead.suggest_float('optimizer.lr', 1e-4, 1e-1, log=True)
    store.record_heartbeat(dead._trial_id)
    time.sleep(1.5)
    optuna.storages.fail_stale_trials(study)
    trials = study.get_trials(deepcopy=False)
    assert trials[0].state == TrialState.FAIL
    assert trials[1].state == TrialState.WAITING
    assert trials[1].params == trials[0].params
    again = study.ask()                       # the retry comes first
    assert again.number == 1
    assert again.suggest_float('optimizer.lr', 1e-4, 1e-1, log=True) == \
        trials[0].params['optimizer.lr']


def test_a_beating_trial_is_not_stale(tmp_path):
    store = journal(tmp_path, grace_s=1)
    study = study_in(store)
    alive = study.ask()
    for _ in range(3):
        store.record_heartbeat(alive._trial_id)
        time.sleep(0.5)
    optuna.storages.fail_stale_trials(study)
    assert study.get_trials(deepcopy=False)[0].state == TrialState.RUNNING


def _claim(path, count, trials, queue):
    store = storage.open_storage(None, path, 60, 180)
    study = study_in(store)
    kept = []
    while budget.room_for_another(study, trials):
        trial = study.ask()
        if budget.keep(study, trial, trials):
            study.tell(trial, float(trial.number))
            kept.append(trial.number)
        if len(kept) >= count:
            break
    queue.put(kept)


def test_processes_sharing_a_journal_fill_the_budget_exactly(tmp_path):
    path = str(tmp_path / 'journal.log')
    study_in(journal(tmp_path))
    queue = multiprocessing.get_context('spawn').Queue()
    workers = [multiprocessing.get_context('spawn').Process(
        target=_claim, args=(path, 100, 7, queue)) for _ in range(3)]
    for w in workers:
        w.start()
    kept = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(60)
    numbers = sorted(n for k in kept for n in k)
    assert len(numbers) == len(set(numbers)) == 7
    assert budget.finished(study_in(journal(tmp_path))) == 7


def test_a_password_never_shows(tmp_path):
    url = 'postgresql://kfac:s3cr3t-pw@localhost:1/tune'
    assert storage.redact('cannot reach ' + url, url) == \
        'cannot reach postgresql://kfac:***@localhost:1/tune'
