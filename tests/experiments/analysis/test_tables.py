import json
import os
import shutil

import pytest

from experiments.analysis import results
from experiments.analysis import tables
from experiments.folders import suite_file


def log_of(suite_dir, run):
    with open(os.path.join(str(suite_dir), run, 'log')) as f:
        return json.load(f)


def build(paths, target=None):
    suite = suite_file.find(str(paths[0]))
    study = results.load_study([str(p) for p in paths], suite)
    return tables.build(study, target)


def test_per_run_values_equal_the_logs(suite_dir):
    rows, _ = build([suite_dir], target=0.0)
    assert len(rows) == 8
    for row in rows:
        log = log_of(suite_dir, row['run'])
        acc = [e['validation/main/accuracy'] for e in log]
        assert row['seed'] == 0
        assert row['final_test_acc'] == acc[-1]
        assert row['best_test_acc'] == max(acc)
        assert row['final_train_acc'] == log[-1]['main/accuracy']
        assert row['final_train_loss'] == log[-1]['main/loss']
        assert row['iterations'] == log[-1]['iteration']
        assert row['wall_time_s'] == log[-1]['elapsed_time']
        assert row['epochs_to_target'] == 1      # target 0: first epoch
        assert row['iters_to_target'] == log[0]['iteration']
        assert row['batch'] == ('SB (16)' if row['run'].startswith('sb')
                                else 'LB (64)')
        assert row['mixup_alpha'] == ('' if 'nomixup' in row['run'] else
                                      ('0.9' if row['run'].startswith('sb')
                                       else '0.7'))


def test_unfinished_run_is_marked_and_left_out(suite_dir):
    rows, comp = build([suite_dir])
    status = {r['run']: r['status'] for r in rows}
    assert status['lb_kfac_mixup'] == 'in progress (epoch 2 of 2)'
    assert all(s == 'finished' for r, s in status.items()
               if r != 'lb_kfac_mixup')
    kfac = {c.what: c for c in comp if 'K-FAC' in c.what}
    assert kfac['gap SB - LB, K-FAC mixup'].estimate is None  # left out
    assert kfac['gap SB - LB, K-FAC mixup'].verdict.startswith(
        'not assessed: no finished runs of K-FAC LB mixup')
    sgd = {c.what: c for c in comp if 'SGD' in c.what}
    final = {r: log_of(suite_dir, r)[-1]['validation/main/accuracy']
             for r in ('sb_sgd_mixup', 'lb_sgd_mixup', 'sb_sgd_nomixup',
                       'lb_sgd_nomixup')}
    gap_mix = final['sb_sgd_mixup'] - final['lb_sgd_mixup']
    gap_no = final['sb_sgd_nomixup'] - final['lb_sgd_nomixup']
    assert sgd['gap SB - LB, SGD mixup'].estimate == pytest.approx(gap_mix)
    assert sgd['gap SB - LB, SGD no mixup'].estimate == pytest.approx(gap_no)
    if gap_no:
        assert sgd['ratio gap(mixup) / gap(no mixup), SGD'].estimate == \
            pytest.approx(gap_mix / gap_no)


def test_several_folders_and_seeds_without_duplicates(suite_dir, tmp_path):
    """A folder named twice (or inside another) counts once; a second seed
    in another folder adds rows and enters the gaps."""
    other = tmp_path / 'seed_7'
    for run in ('sb_sgd_nomixup', 'lb_sgd_nomixup'):
        shutil.copytree(str(suite_dir / run), str(other / run))
        path = str(other / run / 'config.yaml')
        text = open(path).read().replace('seed: 0', 'seed: 7')
        assert 'seed: 7' in text
        open(path, 'w').write(text)
    rows, comp = build([suite_dir, suite_dir, suite_dir / 'sb_sgd_mixup',
                        other])
    assert len(rows) == 10
    assert sorted(r['seed'] for r in rows if r['run'] == 'sb_sgd_nomixup') \
        == [0, 7]
    gap = {c.what: c for c in comp}['gap SB - LB, SGD no mixup']
    assert gap.seeds == (2, 2)


def test_same_cell_and_seed_twice_is_an_error(suite_dir, tmp_path):
    copy = tmp_path / 'copy'
    shutil.copytree(str(suite_dir / 'sb_sgd_mixup'), str(copy))
    with pytest.raises(results.SameRunTwice,
                       match='both SGD SB mixup with seed 0'):
        build([suite_dir, copy])


def test_cli_writes_markdown_and_csv(suite_dir, tmp_path, capsys):
    out = str(tmp_path / 'table')
    assert tables.main([str(suite_dir), '--out', out]) == 0
    md = open(out + '.md').read()
    assert 'in progress' in md and 'ratio gap(mixup) / gap(no mixup)' in md
    assert len(open(out + '.csv').read().splitlines()) == 9
    printed = capsys.readouterr().out
    assert printed == md + '\ntable: {0}.md, {0}.csv\n'.format(out)


def test_write_tables_is_the_command_in_process(suite_dir, tmp_path,
                                                capsys):
    """What the suite runner calls: the same files and the same output
    as `python -m experiments table SUITE`."""
    first, second = tmp_path / 'a', tmp_path / 'b'
    for copy in (first, second):
        shutil.copytree(str(suite_dir), str(copy))
    assert tables.write_tables(str(first)) is None
    by_function = capsys.readouterr().out
    assert tables.main([str(second)]) == 0
    by_command = capsys.readouterr().out
    assert by_function.replace(str(first), str(second)) == by_command
    for name in ('table.md', 'table.csv'):
        assert (first / name).read_text() == (second / name).read_text()
    assert 'table: {0}/table.md, {0}/table.csv'.format(first) in \
        by_function
