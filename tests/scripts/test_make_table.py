import json
import os

import pytest

import make_table


def log_of(suite_dir, run):
    with open(os.path.join(str(suite_dir), run, 'log')) as f:
        return json.load(f)


def test_per_run_values_equal_the_logs(suite_dir):
    rows, _ = make_table.build([str(suite_dir)], target=0.0)
    assert len(rows) == 8
    for row in rows:
        log = log_of(suite_dir, row['run'])
        acc = [e['validation/main/accuracy'] for e in log]
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
    rows, comp = make_table.build([str(suite_dir)])
    status = {r['run']: r['status'] for r in rows}
    assert status['lb_kfac_mixup'] == 'in progress (epoch 2 of 2)'
    assert all(s == 'finished' for r, s in status.items()
               if r != 'lb_kfac_mixup')
    kfac = {c['mixup']: c for c in comp if c['optimizer'] == 'K-FAC'}
    assert kfac['yes']['lb_test_acc'] is None      # in progress: left out
    assert kfac['yes']['gap_sb_minus_lb'] is None
    sgd = {c['mixup']: c for c in comp if c['optimizer'] == 'SGD'}
    final = {r: log_of(suite_dir, r)[-1]['validation/main/accuracy']
             for r in ('sb_sgd_mixup', 'lb_sgd_mixup', 'sb_sgd_nomixup',
                       'lb_sgd_nomixup')}
    gap_mix = final['sb_sgd_mixup'] - final['lb_sgd_mixup']
    gap_no = final['sb_sgd_nomixup'] - final['lb_sgd_nomixup']
    assert sgd['yes']['gap_sb_minus_lb'] == pytest.approx(gap_mix)
    assert sgd['no']['gap_sb_minus_lb'] == pytest.approx(gap_no)
    ratio = sgd['ratio gap(mixup)/gap(no mixup)']['gap_sb_minus_lb']
    if gap_no:
        assert ratio == pytest.approx(gap_mix / gap_no)


def test_cli_writes_markdown_and_csv(suite_dir, tmp_path, capsys,
                                     monkeypatch):
    out = str(tmp_path / 'table')
    monkeypatch.setattr('sys.argv', ['make_table.py', str(suite_dir),
                                     '--out', out])
    make_table.main()
    md = open(out + '.md').read()
    assert 'in progress' in md and 'ratio gap(mixup)/gap(no mixup)' in md
    assert len(open(out + '.csv').read().splitlines()) == 9
