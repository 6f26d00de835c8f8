"""``python -m experiments tune`` end to end on a tiny suite: the budget
of every cell, the tuned suite (loads and trains), two processes on one
journal, a SIGKILLed tune resumed, a 2-rank trial equal to one rank."""
import os
import signal
import subprocess
import sys
import time

import pytest
from optuna.trial import TrialState

from experiments.train import cli as train
from experiments.train import config as config_module
from experiments.tune import cli as tune
from tests.distributed.mpi_helper import ROOT, run_mpi_argv
from tests.experiments.tune import tiny_suite

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
COMMAND = [sys.executable, '-m', 'experiments', 'tune']


def finished(out, cell, suite='suite'):
    return [t for t in tiny_suite.trials_of(out, suite, cell)
            if t.state in FINISHED]


def test_a_tune_gives_each_cell_its_budget_and_a_tuned_suite(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'))
    out, into = str(tmp_path / 'out'), str(tmp_path / 'suite_tuned')
    assert tune.main([folder, '--out', out, '--overlays-into', into,
                      '--quiet']) == 0
    for cell in tiny_suite.CELLS:
        trials = finished(out, cell)
        assert len(trials) == 2
        best = max(trials, key=lambda t: t.value)
        tuned = config_module.load_config(os.path.join(into, cell + '.yaml'))
        for key, value in best.params.items():
            section, name = key.split('.')
            assert tuned[section][name] == pytest.approx(value)
        # the tuned config trains on the full training set, test set on
        assert not tuned['holdout']['enabled']
    run = str(tmp_path / 'tuned_run')
    assert train.main(['--config', os.path.join(into, 'kfac.yaml'), '--out',
                       run, '--quiet', '--set', 'epochs=1']) == 0
    assert os.path.isfile(os.path.join(run, 'DONE'))
    with open(os.path.join(into, 'kfac.yaml')) as f:
        text = f.read()
    assert 'study suite/kfac, trial' in text
    assert 'holdout/main/accuracy' in text


def test_two_tune_processes_on_one_journal_share_the_budget(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'), trials=3)
    out = str(tmp_path / 'out')
    procs = [subprocess.Popen(COMMAND + [folder, '--out', out, '--quiet',
                                         '--no-overlays', '--only', 'sgd'],
                              cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    trials = finished(out, 'sgd')
    assert len(trials) == 3          # the count adds up, not 2 x 3
    told = [line for text in outputs for line in text.splitlines()
            if line.startswith('sgd trial ')]
    numbers = sorted(int(line.split()[2].rstrip(':')) for line in told)
    assert numbers == sorted(t.number for t in trials)     # disjoint
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 3


def test_a_killed_tune_is_resumed_and_completes_its_budget(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'), trials=2,
                             fixed={'epochs': 40}, heartbeat=(1, 2))
    out = str(tmp_path / 'out')
    argv = [folder, '--out', out, '--quiet', '--no-overlays', '--only',
            'sgd']
    proc = subprocess.Popen(COMMAND + argv, cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    first_log = os.path.join(out, 'tune', 'suite', 'sgd', 'trial_000', 'log')
    deadline = time.time() + 120
    while not os.path.exists(first_log) and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert tune.main(argv) == 0
    trials = tiny_suite.trials_of(out, 'suite', 'sgd')
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1 and failed[0].number == 0
    done = [t for t in trials if t.state in FINISHED]
    assert len(done) == 2
    # the killed trial was run again with its parameters
    assert failed[0].params in [t.params for t in done]


def even_split():
    """A synthetic training set whose held-out split and rest both have an
    even size: (its size, the rest's)."""
    from experiments.data import datasets, holdout
    for size in range(240, 300):
        train, _, _ = datasets.load_synthetic(size, 60)
        split = holdout.stratified_split(train._datasets[1], 0.25, 0)
        if split.train.size % 2 == 0 and split.held_out.size % 2 == 0:
            return size, int(split.train.size)
    raise AssertionError('no even split in 240..299')


@pytest.mark.mpi
def test_a_two_rank_trial_gives_the_objective_of_one_rank(tmp_path):
    """Full-batch training (each step sees the whole training split, in
    halves on two ranks) makes both runs the same function of the
    parameters; the held-out halves are of equal size, so the mean of the
    two ranks' accuracies is the accuracy on the whole split. (ChainerMN's
    own multi-node SGD would be one step behind: its first update only
    broadcasts, chainer_kfac/distributed/multi_node_optimizer.py.)"""
    size, train_size = even_split()
    full_batch = {'synthetic_size': [size, 60], 'batch_size': train_size,
                  'evals_per_epoch': 1, 'epochs': 20}
    results = {}
    for ranks in (1, 2):
        folder = tiny_suite.make(str(tmp_path / 'suite'), trials=1,
                                 data=full_batch)
        out = str(tmp_path / 'out{}'.format(ranks))
        run_mpi_argv(ranks, ['-m', 'experiments', 'tune', folder, '--out',
                             out, '--quiet', '--no-overlays'], timeout=300)
        results[ranks] = {cell: [(t.params, t.value)
                                 for t in finished(out, cell)]
                          for cell in tiny_suite.CELLS}
        trial = os.path.join(out, 'tune', 'suite', 'kfac', 'trial_000')
        assert os.path.isfile(os.path.join(trial, 'log'))
        assert not [n for n in os.listdir(trial) if n.startswith('log.')]
    for cell in tiny_suite.CELLS:
        one, two = results[1][cell], results[2][cell]
        assert [p for p, _ in one] == [p for p, _ in two]
        assert [v for _, v in two] == pytest.approx([v for _, v in one],
                                                    abs=1e-6)
        assert one[0][1] > 0.2          # above chance (0.1): it learned
