"""Aggregation over seeds on synthetic run folders with known numbers."""
import dataclasses
import json
import math
import os

import numpy as np
import pytest
import yaml

from experiments.analysis import aggregate
from experiments.analysis import report
from experiments.analysis import results
from experiments.folders import suite_file

SUITE = 'description: synthetic folders\ntarget_accuracy: 0.8\n' \
    'batch_classes: {SB: 128, LB: 2048}\n'


def write_run(folder, optimizer, batch, mixup, seed, accs, finished=True,
              sharpness=None):
    """A run folder whose log has test accuracy ``accs`` every 100
    iterations (4 evaluations an epoch)."""
    os.makedirs(folder)
    config = {'dataset': 'synthetic', 'seed': seed, 'epochs': len(accs) / 4,
              'batch_size': batch, 'evals_per_epoch': 4,
              'optimizer': {'name': optimizer},
              'lr_schedule': {'drop_epochs': [1], 'factor': 0.5},
              'mixup': {'enabled': mixup, 'alpha': 0.9 if mixup else 0.0}}
    with open(os.path.join(folder, 'config.yaml'), 'w') as f:
        yaml.safe_dump(config, f)
    log = [{'epoch': (i + 1) // 4, 'iteration': 100 * (i + 1),
            'validation/main/accuracy': a, 'validation/main/loss': 1 - a}
           for i, a in enumerate(accs)]
    with open(os.path.join(folder, 'log'), 'w') as f:
        json.dump(log, f)
    if finished:
        open(os.path.join(folder, 'DONE'), 'w').close()
    if sharpness is not None:
        alphas = [-0.5, 0.0, 0.5]
        data = {'alphas': alphas, 'kinds': {'gaussian': {
            'sharpness': sharpness,
            'train_loss': [[1 + s, 1.0, 1 + s] for s in sharpness]}}}
        with open(os.path.join(folder, 'sharpness.json'), 'w') as f:
            json.dump(data, f)


@pytest.fixture
def folders(tmp_path):
    root = tmp_path / 'suite'
    root.mkdir()
    (root / 'suite.yaml').write_text(SUITE)
    kfac_sb = {0: [0.5, 0.85, 0.9, 0.91], 1: [0.7, 0.79, 0.81, 0.89],
               2: [0.6, 0.8, 0.88, 0.87]}
    for seed, accs in kfac_sb.items():
        write_run(str(root / 'seed_{}'.format(seed) / 'sb_kfac'), 'kfac',
                  128, False, seed, accs, sharpness=[10.0 + seed, 12.0 + seed,
                                                     11.0, 9.0, 13.0])
    # K-FAC LB: one seed only; SGD SB: never reaches 0.8 in seed 1.
    write_run(str(root / 'seed_0' / 'lb_kfac'), 'kfac', 2048, False, 0,
              [0.6, 0.7, 0.8, 0.84])
    write_run(str(root / 'seed_0' / 'sb_sgd'), 'momentum_sgd', 128, False, 0,
              [0.4, 0.6, 0.82, 0.83])
    write_run(str(root / 'seed_1' / 'sb_sgd'), 'momentum_sgd', 128, False, 1,
              [0.4, 0.6, 0.7, 0.75])
    # Unfinished: left out everywhere.
    write_run(str(root / 'seed_1' / 'lb_kfac'), 'kfac', 2048, False, 1,
              [0.1, 0.2], finished=False)
    return root


def test_cell_values_and_summaries(folders):
    suite = suite_file.find(str(folders))
    runs = results.load_study([str(folders)], suite).runs
    assert len(runs) == 7
    values, seeds = aggregate.cell_values(runs, suite.target_accuracy)
    sb = ('kfac', 'SB', False)
    assert seeds[sb] == [0, 1, 2]
    assert values['final'][sb] == [0.91, 0.89, 0.87]
    assert values['best'][sb] == [0.91, 0.89, 0.88]
    assert values['iters'][sb] == [200, 300, 200]
    assert values['sharpness_gaussian'][sb] == pytest.approx([11, 11.4,
                                                              11.8])
    assert seeds[('kfac', 'LB', False)] == [0]        # unfinished left out
    assert values['iters'][('momentum_sgd', 'SB', False)] == [300, np.inf]
    rows = {r.cell: r for r in aggregate.cell_summaries(values, seeds)}
    assert len(rows) == 8
    assert rows[sb].final.mean == pytest.approx(0.89)
    assert rows[sb].final.sd == pytest.approx(0.02)
    assert rows[('kfac', 'LB', False)].final.sd is None
    sgd = rows[('momentum_sgd', 'SB', False)]
    assert sgd.reached == 1 and sgd.iters_reached.mean == 300
    assert math.isinf(sgd.iters.mean)          # one seed never reaches it
    missing = rows[('kfac', 'SB', True)]
    assert missing.seeds == [] and missing.final is None


def test_report_of_the_folders(folders):
    suite = suite_file.find(str(folders))
    text = report.build(results.load_study([str(folders)], suite),
                        str(folders / 'report.md'))
    assert '0.8900 \u00b1 0.0200' in text          # K-FAC SB final accuracy
    # iterations to the target: mean and sd of 200, 300, 200
    assert '233 \u00b1 58 (3/3 reached)' in text
    assert '300 (1/2 reached)' in text
    assert 'not assessed: no finished runs of K-FAC SB mixup' in text
    assert 'inconclusive at 1-3 seeds' in text     # K-FAC SB - LB, one LB seed
    assert 'seed_1/lb_kfac' in text.split('## Left out')[1]
    assert 'Evaluation grid: 4/epoch: SGD seeds 0,1, K-FAC seeds 0,1,2.' \
        in text
    assert os.path.exists(str(folders / 'figures' / 'mixup_kfac.png'))


def test_evaluation_grid_names_the_optimizer_of_each_seed():
    """A seed can be on one grid for SGD and another for K-FAC (here seed
    1); unfinished runs do not count."""
    import collections
    Run = collections.namedtuple('Run', 'finished evaluation_grid optimizer '
                                 'seed')
    runs = [Run(True, '1/epoch', 'kfac', 0), Run(True, '1/epoch', 'kfac', 1),
            Run(True, '1/epoch', 'momentum_sgd', 0),
            Run(True, '4/epoch', 'momentum_sgd', 1),
            Run(True, '4/epoch', 'kfac', 2), Run(False, '2/epoch', 'kfac', 3)]
    assert report.evaluation_grid(runs) == (
        '1/epoch: SGD seed 0, K-FAC seeds 0,1; 4/epoch: SGD seed 1, '
        'K-FAC seed 2')


def run_with(config):
    return results.Run(path='run', name='run', config=config, log=(),
                       finished=True, landscape=None)


def test_run_evaluation_grid_names_the_dense_epochs():
    run = run_with({'evals_per_epoch': 4, 'dense_eval_epochs': 10})
    assert run.evaluation_grid == '4/epoch for 10 epochs, then 1/epoch'
    assert run_with({'evals_per_epoch': 4}).evaluation_grid == '4/epoch'
    # runs from before the key existed: once an epoch
    assert run_with({'dense_eval_epochs': 10}).evaluation_grid == '1/epoch'


def test_each_folder_is_read_once_into_a_frozen_record(folders,
                                                      monkeypatch):
    """load_study opens each run's files once; the report, the tables and
    the figures take the records it returns."""
    opened = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        opened.append(os.path.relpath(str(path), str(folders)))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr('builtins.open', counting_open)
    study = results.load_study([str(folders)], suite_file.find(str(folders)))
    monkeypatch.undo()
    reads = [p for p in opened if p != 'suite.yaml']
    assert len(reads) == len(set(reads))
    assert sorted(reads) == sorted(
        os.path.join(os.path.relpath(r.path, str(folders)), name)
        for r in study.runs for name in ('config.yaml', 'log') +
        (('sharpness.json',) if r.landscape is not None else ()))
    run = {r.path: r for r in study.runs}[str(folders / 'seed_0' / 'sb_kfac')]
    assert run.cell == ('kfac', 'SB', False) and run.batch_class == 'SB'
    assert run.seed == 0 and run.finished and run.name == 'sb_kfac'
    assert run.sharpness == {'gaussian': [10.0, 12.0, 11.0, 9.0, 13.0]}
    unfinished = {r.path: r for r in study.runs}[
        str(folders / 'seed_1' / 'lb_kfac')]
    assert not unfinished.finished and unfinished.landscape is None
    assert unfinished.sharpness == {}
    assert [r.path for r in study.finished] == [
        r.path for r in study.runs if r.path != unfinished.path]
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.finished = False


def test_invalid_json_names_the_file(folders):
    log = folders / 'seed_0' / 'sb_sgd' / 'log'
    log.write_text('[{"epoch": 1,')
    with pytest.raises(results.UnreadableFile,
                       match=str(log) + ' is not valid JSON'):
        results.find_runs([str(folders)])


def test_no_run_folders_is_an_error(tmp_path):
    with pytest.raises(results.NoRuns, match='no run folders'):
        results.find_runs([str(tmp_path)])


def test_a_finished_run_without_a_test_evaluation_is_an_error(tmp_path):
    write_run(str(tmp_path / 'run'), 'kfac', 128, False, 0, [])
    with pytest.raises(aggregate.NoTestEvaluation,
                       match='has no validation/main/accuracy entries'):
        aggregate.run_values(results.load_run(str(tmp_path / 'run')), 0.8)
