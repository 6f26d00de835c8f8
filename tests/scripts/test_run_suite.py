"""scripts/run_suite.py on a folder of two tiny configs."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TINY = """base: {base}
dataset: synthetic
synthetic_size: [128, 64]
batch_size: {batch}
test_batch_size: 64
snapshot_every: 1
epochs: {epochs}
"""


def write(folder, name, epochs):
    base = os.path.join(ROOT, 'configs', 'hpml2019', name + '.yaml')
    batch = 16 if name.startswith('sb') else 64
    with open(os.path.join(folder, name + '.yaml'), 'w') as f:
        f.write(TINY.format(base=base, batch=batch, epochs=epochs))


def run_suite(configs, out):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, 'scripts', 'run_suite.py'),
         configs, '--out', out], capture_output=True, text=True,
        timeout=300, cwd=ROOT, check=True).stdout


def test_runs_skips_finished_and_resumes_interrupted(tmp_path):
    configs = tmp_path / 'tiny'
    configs.mkdir()
    for name in ('sb_kfac_mixup', 'lb_kfac_mixup'):
        write(str(configs), name, epochs=1)
    with open(str(configs / '_suite.yaml'), 'w') as f:
        f.write('target_accuracy: 0.1\nbatch_classes: {SB: 16, LB: 64}\n')
    out = str(tmp_path / 'results')
    first = run_suite(str(configs), out)
    assert first.count('[done]') == 2
    suite = os.path.join(out, 'tiny')
    assert os.path.exists(os.path.join(suite, 'table.md'))
    assert os.path.exists(os.path.join(suite, 'figures', 'mixup_kfac.png'))
    assert os.path.exists(os.path.join(suite, 'suite.yaml'))
    assert os.path.exists(os.path.join(suite, 'report.md'))
    assert 'report:' in first and '## Runs' in first

    # Make lb "interrupted": longer schedule, no DONE, snapshot of epoch 1.
    write(str(configs), 'lb_kfac_mixup', epochs=2)
    os.remove(os.path.join(suite, 'lb_kfac_mixup', 'DONE'))
    second = run_suite(str(configs), out)
    assert '[skip]    sb_kfac_mixup (finished)' in second
    assert 'lb_kfac_mixup (resuming)' in second
    with open(os.path.join(suite, 'lb_kfac_mixup', 'log')) as f:
        assert [e['epoch'] for e in json.load(f)] == [1, 2]
    with open(os.path.join(suite, 'lb_kfac_mixup', 'train.log')) as f:
        assert 'resumed from' in f.read()


def test_parse_seeds_ranges_lists_and_errors():
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    import argparse
    from experiments.suite import runner as run_suite
    assert run_suite.parse_seeds('0-4') == [0, 1, 2, 3, 4]
    assert run_suite.parse_seeds('0,2,5') == [0, 2, 5]
    assert run_suite.parse_seeds('1-2,7') == [1, 2, 7]
    for bad in ('a', '1,1', ''):
        try:
            run_suite.parse_seeds(bad)
        except argparse.ArgumentTypeError as e:
            assert '--seeds' in str(e)
        else:
            raise AssertionError('accepted --seeds {!r}'.format(bad))


def test_planned_runs_one_folder_per_seed(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    from experiments.suite import runner as run_suite
    runs = run_suite.planned_runs(['/c/sb_kfac.yaml', '/c/lb_kfac.yaml'],
                                  str(tmp_path), [3, 4])
    assert [r[0] for r in runs] == ['seed_3/sb_kfac', 'seed_3/lb_kfac',
                                    'seed_4/sb_kfac', 'seed_4/lb_kfac']
    assert runs[2][2] == os.path.join(str(tmp_path), 'seed_4', 'sb_kfac')
    assert runs[2][3] == ['seed=4']
    assert run_suite.planned_runs(['/c/x.yaml'], 'o', None) == [
        ('x', '/c/x.yaml', os.path.join('o', 'x'), [])]


def _suite_yaml(tmp_path, seeds_line):
    path = tmp_path / 'suite.yaml'
    path.write_text('target_accuracy: 0.5\nbatch_classes: {SB: 16, LB: 64}\n'
                    + seeds_line)
    return str(path)


def test_default_seeds_come_from_the_suite_file(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    from experiments.suite import runner as run_suite
    assert run_suite.default_seeds(_suite_yaml(tmp_path, 'seeds: 0-2\n')) \
        == [0, 1, 2]
    assert run_suite.default_seeds(_suite_yaml(tmp_path, 'seeds: 4\n')) \
        == [4]
    assert run_suite.default_seeds(_suite_yaml(tmp_path, '')) is None


def test_bad_suite_file_seeds_name_the_file(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    from experiments.suite import runner as run_suite
    for line in ('seeds: 1,1\n', 'seeds: [0, 1]\n'):
        path = _suite_yaml(tmp_path, line)
        try:
            run_suite.default_seeds(path)
        except SystemExit as e:
            assert path in str(e) and 'seeds' in str(e)
        else:
            raise AssertionError('accepted ' + line)


def test_the_main_job_runs_enough_seeds_for_a_verdict():
    """`make quick` runs the quick suite without --seeds: its suite file's
    seeds must be enough for claims.py to decide (MIN_SEEDS per cell)."""
    sys.path.insert(0, os.path.join(ROOT, 'scripts'))
    from experiments.analysis import claims
    from experiments.suite import runner as run_suite
    seeds = run_suite.default_seeds(
        os.path.join(ROOT, 'configs', 'quick', '_suite.yaml'))
    assert seeds is not None and len(seeds) >= claims.MIN_SEEDS
    with open(os.path.join(ROOT, 'Makefile')) as f:
        quick_rule = f.read().split('\nquick:')[1].split('\n\n')[0]
    assert 'run_suite.py quick' in quick_rule and '--seeds' not in quick_rule
