"""experiments/tune/pruning.py and trial_run.py on real training: the
median pruner stops a trial that falls behind at the evaluation it falls
behind, from inside the loop; a diverging trial ends pruned, not as a
failed worker."""
import optuna
from optuna.trial import TrialState

from experiments.tune import trial_run, worker
from tests.experiments.tune import tiny_suite

optuna.logging.set_verbosity(optuna.logging.WARNING)
OBJECTIVE = 'holdout/main/accuracy'


def overrides(lr, epochs=4):
    return trial_run.trial_overrides(0.25, 0, ['epochs={}'.format(epochs)],
                                     ['optimizer.lr={!r}'.format(lr)])


def train(folder, tmp_path, trial, lr, epochs=4):
    def decide(value, step):
        trial.report(value, step)
        return trial.should_prune()
    return trial_run.train_trial(
        folder + '/sgd.yaml', overrides(lr, epochs),
        str(tmp_path / 'trial_{}'.format(trial.number)), None, OBJECTIVE,
        decide)


def test_a_trial_that_learns_nothing_is_pruned_in_the_loop(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'))
    study = optuna.create_study(direction='maximize',
                                pruner=optuna.pruners.MedianPruner(
                                    n_startup_trials=1, n_warmup_steps=0))
    good = study.ask()
    result = train(folder, tmp_path, good, 0.05)
    assert result.finished_schedule and len(result.values) == 8
    worker.tell(study, good, result, 1)
    bad = study.ask()
    result = train(folder, tmp_path, bad, 1e-7)
    # pruned at its first evaluation, below the good one's: the loop
    # stopped there (the first evaluation: half an epoch of 180 / 40)
    assert result.pruned_at == 1 and len(result.values) == 1
    assert result.values[0] < study.trials[0].intermediate_values[1]
    assert result.iterations == 3
    worker.tell(study, bad, result, 1)
    assert study.trials[1].state == TrialState.PRUNED


def test_a_diverging_trial_ends_pruned_with_its_error(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'))
    study = optuna.create_study(direction='maximize')
    trial = study.ask()
    result = train(folder, tmp_path, trial, 1.0e4, epochs=2)
    assert result.diverged is not None and not result.finished_schedule
    worker.tell(study, trial, result, 1)
    frozen = study.trials[0]
    assert frozen.state == TrialState.PRUNED
    assert 'diverged' in frozen.user_attrs
