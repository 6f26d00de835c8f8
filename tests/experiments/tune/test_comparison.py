"""experiments/tune/comparison.py on a journal made here and synthetic
run folders, against values worked out by hand."""
import os

import optuna
from optuna.trial import TrialState

from experiments.tune import comparison, storage
from tests.experiments.analysis.test_aggregate import SUITE, write_run
from tests.experiments.analysis.test_time_to_accuracy import bench_file
from tests.experiments.tune import tiny_suite

optuna.logging.set_verbosity(optuna.logging.WARNING)


def journal(path):
    """tiny/sgd: lr 0.02 -> 0.9 (best), 0.5 pruned at 0.3, 5.0 diverged;
    tiny/kfac: lr 0.03 -> 0.95; one hour of one core each trial."""
    store = storage.open_storage(None, str(path), 60, 180)
    for cell, trials in (('sgd', [(0.02, 0.9, 'complete'),
                                  (0.5, 0.3, 'pruned'),
                                  (5.0, None, 'diverged')]),
                         ('kfac', [(0.03, 0.95, 'complete')])):
        study = optuna.create_study(storage=store, direction='maximize',
                                    study_name='tiny/' + cell)
        for lr, value, end in trials:
            study.enqueue_trial({'optimizer.lr': lr})
            trial = study.ask()
            trial.suggest_float('optimizer.lr', 1e-4, 10.0, log=True)
            trial.set_user_attr('core_seconds', 3600.0)
            if end == 'complete':
                study.tell(trial, value)
                continue
            if value is not None:
                trial.report(value, 1)
            else:
                trial.set_user_attr('diverged', 'FloatingPointError: nan')
            study.tell(trial, state=TrialState.PRUNED)
    return str(path)


def suite_results(root, sgd, kfac):
    os.makedirs(root)
    with open(os.path.join(root, 'suite.yaml'), 'w') as f:
        f.write(SUITE)
    for seed in range(3):
        for name, opt, accs in (('sgd', 'momentum_sgd', sgd),
                                ('kfac', 'kfac', kfac)):
            write_run(os.path.join(root, 'seed_{}'.format(seed), name), opt,
                      128, False, seed, accs)
    return root


def test_the_report_of_a_tuning(tmp_path):
    configs = tiny_suite.make(str(tmp_path / 'configs'))
    untuned = suite_results(str(tmp_path / 'tiny'), [0.5, 0.86, 0.9, 0.9],
                            [0.86, 0.88, 0.9, 0.91])
    tuned = suite_results(str(tmp_path / 'tiny_tuned'),
                          [0.86, 0.9, 0.92, 0.93], [0.86, 0.88, 0.9, 0.91])
    bench = bench_file(tmp_path / 'bench.json',
                       {128: ([0.010] * 5, [0.015] * 5)})
    assert comparison.main([
        untuned, tuned, '--journal', journal(tmp_path / 'journal.log'),
        '--configs', configs, '--bench', bench]) == 0
    text = open(os.path.join(tuned, 'tuning.md')).read()
    # Table 2's SB SGD lr 1e-3 (configs/hpml2019/sb_sgd_nomixup.yaml) beside
    # the best trial's; 3 trials ended, 2 pruned of which 1 diverged
    assert '| sgd | 3 (2, 1) | lr 0.001 | lr 0.02 | 0.9000 (trial 0) | ' \
        '3.00 |' in text
    assert '| kfac | 1 (0, 0) |' in text and '0.9500 (trial 0)' in text
    assert 'K-FAC 1.00, SGD 3.00' in text
    # SGD's final accuracy 0.9 -> 0.93, every seed alike
    assert '| SGD SB no mixup | 0.9000 \u00b1 0.0000 (n=3) ' \
        '[0.9000, 0.9000] | 0.9300 \u00b1 0.0000 (n=3) [0.9300, 0.9300] ' \
        '| +0.0300 [0.0300, 0.0300] |' in text
    # untuned: SGD 200 x 10 ms / K-FAC 100 x 15 ms = 1.33; tuned: SGD
    # reaches 0.85 at 100: 1.0 / 1.5 = 0.67
    assert '| SB | no | 1.33 [1.33, 1.33] K-FAC sooner | 0.67 [0.67, ' \
        '0.67] SGD sooner |' in text
    assert os.path.isfile(os.path.join(tuned, 'figures',
                                       'heldout_vs_lr.png'))


def test_a_report_before_the_tuned_suite_ran(tmp_path):
    configs = tiny_suite.make(str(tmp_path / 'configs'))
    untuned = suite_results(str(tmp_path / 'tiny'), [0.5, 0.86, 0.9, 0.9],
                            [0.86, 0.88, 0.9, 0.91])
    bench = bench_file(tmp_path / 'bench.json',
                       {128: ([0.010] * 5, [0.015] * 5)})
    out = str(tmp_path / 'tuning.md')
    assert comparison.main([
        untuned, str(tmp_path / 'not_yet'), '--journal',
        journal(tmp_path / 'journal.log'), '--configs', configs, '--bench',
        bench, '--out', out]) == 0
    text = open(out).read()
    assert 'The tuned suite has no finished run yet.' in text
    assert '| SB | no | 1.33 [1.33, 1.33] K-FAC sooner | - |' in text
