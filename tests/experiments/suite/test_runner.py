"""``python -m experiments suite`` on folders of one or two tiny configs:
finished runs skipped, interrupted ones resumed, the sharpness the suite
file asks for measured before the report, failed runs named even when the
report cannot be written."""
import json
import os
import signal
import subprocess
import sys

from experiments.folders.repository import ROOT
from experiments.suite import runner
from experiments.suite.children import STOP_SIGNALS

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
        [sys.executable, '-m', 'experiments', 'suite', configs, '--out', out],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        check=True).stdout


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


def suite_folder(tmp_path, names, suite_yaml):
    configs = tmp_path / 'tiny'
    configs.mkdir()
    for name in names:
        write(str(configs), name, epochs=1)
    (configs / '_suite.yaml').write_text(suite_yaml)
    return str(configs), str(tmp_path / 'results'), str(tmp_path / 'results'
                                                        / 'tiny')


def test_the_suite_file_sharpness_is_measured_before_the_report(
        tmp_path, capsys):
    configs, out, suite = suite_folder(
        tmp_path, ('sb_kfac_mixup', 'sb_sgd_mixup'),
        'target_accuracy: 0.1\nbatch_classes: {SB: 16, LB: 64}\n'
        'sharpness: {optimizers: [kfac], n_train: 32}\n')
    assert runner.main([configs, '--out', out]) == 0
    text = capsys.readouterr().out
    kfac = os.path.join(suite, 'sb_kfac_mixup', 'sharpness.json')
    with open(kfac) as f:
        data = json.load(f)
    assert data['n_train'] == 32
    for kind in data['kinds'].values():
        assert kind['direction_seeds'] == [0, 1, 2, 3, 4]
    assert not os.path.exists(os.path.join(suite, 'sb_sgd_mixup',
                                           'sharpness.json'))
    assert text.index('[done] ' + kfac) < text.index('report: ')
    with open(os.path.join(suite, 'report.md')) as f:
        report = f.read().split('## Sharpness per model')[1]
    assert 'K-FAC' in report and 'no run has sharpness.json' not in report

    # Measured once: a second call keeps the file and trains nothing.
    before = os.stat(kfac).st_mtime_ns
    assert runner.main([configs, '--out', out]) == 0
    text = capsys.readouterr().out
    assert '[have] ' + kfac in text and '[start]' not in text
    assert os.stat(kfac).st_mtime_ns == before


def test_a_failing_report_does_not_hide_the_failed_runs(tmp_path, capsys):
    # The run's config is invalid: training ends at once, no run folder is
    # left to tabulate, so the table and the report fail too.
    configs, out, suite = suite_folder(
        tmp_path, (), 'target_accuracy: 0.1\nbatch_classes: {SB: 16, LB: '
        '64}\n')
    (tmp_path / 'tiny' / 'bad.yaml').write_text('no_such_key: 1\n')
    handlers = [signal.getsignal(s) for s in STOP_SIGNALS]
    assert runner.main([configs, '--out', out]) == runner.EXIT_FAILED_RUNS
    assert [signal.getsignal(s) for s in STOP_SIGNALS] == handlers
    captured = capsys.readouterr()
    assert '[FAILED]  bad (exit ' in captured.out
    errors = captured.err.strip().splitlines()
    assert [line for line in errors if line.startswith(
        'error: no run folders')] and errors[-1] == 'failed runs: bad'
    assert not os.path.exists(os.path.join(suite, 'report.md'))
    assert not os.path.exists(os.path.join(suite, '.run_suite.lock'))
