"""Time to accuracy on synthetic run folders and a synthetic benchmark
file, against values worked out by hand."""
import json
import math

import pytest

from experiments.analysis import results
from experiments.analysis import time_to_accuracy as tta
from experiments.folders import suite_file
from tests.experiments.analysis.test_aggregate import SUITE, write_run

# Test accuracy every 100 iterations (write_run), per seed.
SGD_SB = [0.5, 0.86, 0.9, 0.9]         # 0.85 at 200; final 0.9
KFAC_SB = [0.86, 0.88, 0.9, 0.91]      # 0.85 at 100; 0.9 at 300
SGD_LB = [0.5, 0.6, 0.8, 0.84]         # never 0.85
KFAC_LB = [0.7, 0.86, 0.87, 0.88]      # 0.85 at 200


def bench_file(path, rounds):
    data = {'round_seconds': {str(b): {'sgd': r[0], 'kfac': r[1],
                                       'kfac_freq': r[0]}
                              for b, r in rounds.items()}}
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def study(tmp_path):
    root = tmp_path / 'suite'
    root.mkdir()
    (root / 'suite.yaml').write_text(SUITE)
    for seed in range(3):
        for name, opt, batch, accs in (
                ('sb_sgd', 'momentum_sgd', 128, SGD_SB),
                ('sb_kfac', 'kfac', 128, KFAC_SB),
                ('lb_sgd', 'momentum_sgd', 2048, SGD_LB),
                ('lb_kfac', 'kfac', 2048, KFAC_LB)):
            write_run(str(root / 'seed_{}'.format(seed) / name), opt, batch,
                      False, seed, accs)
    # SGD step 10 ms, K-FAC 15 ms at SB; 40 / 50 ms at LB, every round.
    bench = bench_file(tmp_path / 'bench.json',
                       {128: ([0.010] * 5, [0.015] * 5),
                        2048: ([0.040] * 5, [0.050] * 5)})
    return str(root), tta.load_bench(bench)


def compute(paths, root, bench):
    suite = suite_file.find(root)
    return tta.compute(results.load_study(paths, suite), bench)


def rows_by(rows):
    return {(r.target_text, r.batch_class): r for r in rows}


def test_ratio_of_wall_clock_times_by_hand(study):
    root, bench = study
    rows = rows_by(compute([root], root, bench))
    sb = rows[('0.85', 'SB')]
    # SGD: 200 iterations x 10 ms = 2 s; K-FAC: 100 x 15 ms = 1.5 s.
    assert sb.ratio == pytest.approx(2.0 / 1.5)
    # Every seed and round identical: the interval is the point.
    assert sb.interval == pytest.approx((2.0 / 1.5, 2.0 / 1.5))
    assert sb.verdict == 'K-FAC sooner'
    # SGD's final SB accuracy is 0.9: SGD 300 x 10 ms, K-FAC 300 x 15 ms.
    own = rows[("SGD's final SB, lowest seed (0.9000)", 'SB')]
    assert own.ratio == pytest.approx(3.0 / 4.5)
    assert own.verdict == 'SGD sooner'


def test_a_cell_that_never_reaches_the_target_is_stated(study):
    root, bench = study
    rows = rows_by(compute([root], root, bench))
    lb = rows[('0.85', 'LB')]
    assert math.isinf(lb.ratio)
    text = tta.table([lb])
    assert 'not reached by 3 of 3' in text
    assert 'only K-FAC reaches it' in text and lb.verdict == 'K-FAC sooner'


def test_too_few_seeds_is_inconclusive(study):
    root, bench = study
    rows = compute([root + '/seed_0'], root, bench)
    assert rows and all(r.verdict.startswith('inconclusive at 1 seed')
                        for r in rows)


def test_missing_bench_file_names_the_command(tmp_path):
    with pytest.raises(tta.NoStepTimes,
                       match='bench_step_time.py --input-shape'):
        tta.load_bench(str(tmp_path / 'none.json'))


def test_cli_prints_the_table_and_writes_json(study, tmp_path, capsys):
    root, _ = study
    out = str(tmp_path / 'tta.json')
    assert tta.main([root, '--bench', str(tmp_path / 'bench.json'),
                     '--json', out]) == 0
    assert 'K-FAC sooner' in capsys.readouterr().out
    with open(out) as f:
        rows = json.load(f)
    assert {(r['target_text'], r['batch_class']) for r in rows} >= {
        ('0.85', 'SB'), ('0.85', 'LB')}
