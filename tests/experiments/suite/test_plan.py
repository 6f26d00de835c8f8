"""The suite's runs: seeds from the command line or the suite file, one
folder per seed and config, the suite file copied beside the runs."""
import argparse
import os
import re

import pytest

from experiments.errors import StudyError
from experiments.folders.repository import ROOT
from experiments.suite import plan


def test_parse_seeds_ranges_lists_and_errors():
    assert plan.parse_seeds('0-4') == [0, 1, 2, 3, 4]
    assert plan.parse_seeds('0,2,5') == [0, 2, 5]
    assert plan.parse_seeds('1-2,7') == [1, 2, 7]
    for bad in ('a', '1,1', ''):
        try:
            plan.parse_seeds(bad)
        except argparse.ArgumentTypeError as e:
            assert '--seeds' in str(e)
        else:
            raise AssertionError('accepted --seeds {!r}'.format(bad))


def test_planned_runs_one_folder_per_seed(tmp_path):
    runs = plan.planned_runs(['/c/sb_kfac.yaml', '/c/lb_kfac.yaml'],
                             str(tmp_path), [3, 4])
    assert [r[0] for r in runs] == ['seed_3/sb_kfac', 'seed_3/lb_kfac',
                                    'seed_4/sb_kfac', 'seed_4/lb_kfac']
    assert runs[2][2] == os.path.join(str(tmp_path), 'seed_4', 'sb_kfac')
    assert runs[2][3] == ['seed=4']
    assert plan.planned_runs(['/c/x.yaml'], 'o', None) == [
        ('x', '/c/x.yaml', os.path.join('o', 'x'), [])]


def test_unfinished_runs_skip_those_with_done(tmp_path, capsys):
    done = tmp_path / 'seed_0' / 'a'
    done.mkdir(parents=True)
    (done / 'DONE').write_text('finished at iteration 1\n')
    pending = plan.unfinished_runs(['/c/a.yaml', '/c/b.yaml'],
                                   str(tmp_path), [0])
    assert [r.name for r in pending] == ['seed_0/b']
    assert '[skip]    seed_0/a (finished)' in capsys.readouterr().out


def _suite_yaml(tmp_path, seeds_line):
    path = tmp_path / 'suite.yaml'
    path.write_text('target_accuracy: 0.5\nbatch_classes: {SB: 16, LB: 64}\n'
                    + seeds_line)
    return str(path)


def test_default_seeds_come_from_the_suite_file(tmp_path):
    assert plan.default_seeds(_suite_yaml(tmp_path, 'seeds: 0-2\n')) \
        == [0, 1, 2]
    assert plan.default_seeds(_suite_yaml(tmp_path, 'seeds: 4\n')) == [4]
    assert plan.default_seeds(_suite_yaml(tmp_path, '')) is None


def test_bad_suite_file_seeds_name_the_file(tmp_path):
    for line in ('seeds: 1,1\n', 'seeds: [0, 1]\n'):
        path = _suite_yaml(tmp_path, line)
        with pytest.raises(StudyError) as error:
            plan.default_seeds(path)
        assert path in str(error.value) and 'seeds' in str(error.value)


def test_copy_suite_file_names_a_missing_one(tmp_path):
    configs = tmp_path / 'configs'
    configs.mkdir()
    (configs / 'a.yaml').write_text('epochs: 1\n')
    out = tmp_path / 'out'
    out.mkdir()
    with pytest.raises(plan.MissingSuiteFile, match='_suite.yaml is missing'):
        plan.copy_suite_file([str(configs / 'a.yaml')], str(out))
    (configs / '_suite.yaml').write_text('seeds: 1\n')
    copied = plan.copy_suite_file([str(configs / 'a.yaml')], str(out))
    assert copied == str(out / 'suite.yaml')
    assert (out / 'suite.yaml').read_text() == 'seeds: 1\n'


def test_the_main_job_runs_enough_seeds_for_a_verdict():
    """`make quick` runs the quick suite without --seeds: its suite file's
    seeds must be enough for claims.py to decide (MIN_SEEDS per cell)."""
    from experiments.analysis import claims
    seeds = plan.default_seeds(
        os.path.join(ROOT, 'configs', 'quick', '_suite.yaml'))
    assert seeds is not None and len(seeds) >= claims.MIN_SEEDS
    with open(os.path.join(ROOT, 'Makefile')) as f:
        quick_rule = f.read().split('\nquick:')[1].split('\n\n')[0]
    # the command, or its old name (scripts/run_suite.py, a shim of it)
    assert re.search(r'(-m experiments suite|scripts/run_suite\.py) quick ',
                     quick_rule), quick_rule
    assert '--seeds' not in quick_rule
