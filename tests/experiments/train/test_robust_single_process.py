"""Single-process robustness (issue 11): refused resumes, range checks,
fallback from a truncated checkpoint, full disk, leftovers, SIGTERM, the
smaller items."""
import errno
import json
import os
import signal
import subprocess
import sys
import time

import numpy
import pytest

from experiments.train import checkpoint
from experiments.train import cli as train
from experiments.train import config as config_module
from experiments.train import failure
from experiments.train import run_data
from tests.distributed.mpi_helper import ROOT
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import TRAIN
from tests.experiments.train.test_cli import config
from tests.experiments.train.test_cli import read_log

BASE = ['--config', config('sb_sgd_nomixup')] + COMMON


def run(out, *extra):
    train.main(BASE + ['--out', str(out)] + list(extra))


@pytest.mark.parametrize('change', [
    'optimizer.name=kfac', 'batch_size=16', 'dataset=fashion-mnist',
    'mixup.enabled=true', 'seed=1', 'kfac.damping=0.01',
    'synthetic_size=[128,128]'])
def test_resume_with_changed_config_is_refused(tmp_path, change):
    run(tmp_path, '--set', 'epochs=1')
    saved = (tmp_path / 'config.yaml').read_bytes()
    with pytest.raises(failure.StartRefused) as e:
        run(tmp_path, '--set', 'epochs=2', '--set', change,
            '--resume', 'auto')
    assert 'cannot resume' in str(e.value)
    assert change.split('=')[0] + ':' in str(e.value)
    assert (tmp_path / 'config.yaml').read_bytes() == saved
    assert not (tmp_path / 'snapshot_epoch_2').exists()


def test_resume_with_more_epochs_is_allowed_and_said(tmp_path, capsys):
    run(tmp_path, '--set', 'epochs=1')
    run(tmp_path, '--set', 'epochs=2', '--resume', 'auto')
    assert 'changed settings (allowed): epochs: 1 -> 2' in \
        capsys.readouterr().out
    assert [e['epoch'] for e in read_log(str(tmp_path))] == [1, 2]


def test_rank_count_refusal_of_two_rank_checkpoints(tmp_path):
    from experiments.train import resume_check
    for name in ('snapshot_epoch_1.rank0', 'snapshot_epoch_1.rank1'):
        (tmp_path / name).write_bytes(b'')
    (tmp_path / 'snapshot_epoch_1.complete').write_text(
        json.dumps({'epoch': 1, 'iteration': 4, 'ranks': 2}))
    message = resume_check.rank_refusal(str(tmp_path), 1)
    assert '2-rank run' in message and 'mpiexec -n 2' in message
    assert resume_check.rank_refusal(str(tmp_path), 2) is None
    (tmp_path / 'snapshot_epoch_1.complete').unlink()   # older layout
    assert '2 or more' in resume_check.rank_refusal(str(tmp_path), 1)


@pytest.mark.parametrize('key,value', [
    ('batch_size', -1), ('batch_size', 0), ('epochs', -1), ('epochs', 0),
    ('optimizer.lr', -0.1), ('optimizer.lr', 0), ('snapshot_every', -1),
    ('snapshot_every', 0), ('test_batch_size', 0), ('evals_per_epoch', 0),
    ('optimizer.momentum', 1.0), ('kfac.damping', 0),
    ('kfac.cov_ema_decay', 1.5), ('kfac.acc_iters', 0),
    ('kfac.cov_update_freq', 0), ('kfac.inv_update_freq', -2),
    ('kfac.stab_coeff', -1), ('kfac.pi_type', 'trace'),
    ('optimizer.weight_decay', -1e-4), ('mixup.alpha', -0.5),
    ('lr_schedule.factor', 0), ('lr_schedule.drop_epochs', [-1]),
    ('synthetic_size', [0, 10]), ('synthetic_size', [10]), ('seed', -1),
    ('optimizer.lr', float('nan'))])
def test_out_of_range_value_names_file_and_key(tmp_path, key, value):
    path = tmp_path / 'bad.yaml'
    section, _, leaf = key.rpartition('.')
    body = {section: {leaf: value}} if section else {key: value}
    import yaml
    path.write_text(yaml.safe_dump(body))
    with pytest.raises(config_module.ConfigError) as e:
        config_module.load_config(str(path))
    assert str(path) in str(e.value) and '`{}`'.format(key) in str(e.value)


def test_truncated_latest_checkpoint_falls_back_with_warning(tmp_path,
                                                             capsys):
    a, b = tmp_path / 'a', tmp_path / 'b'
    run(a, '--set', 'epochs=3')
    run(b, '--set', 'epochs=3')
    latest = b / 'snapshot_epoch_3'
    data = latest.read_bytes()
    latest.write_bytes(data[:len(data) // 2])
    (b / 'DONE').unlink()
    run(b, '--set', 'epochs=3', '--resume', 'auto')
    captured = capsys.readouterr()
    assert 'skipping checkpoint of epoch 3: {} is truncated'.format(
        latest) in captured.err
    assert 'snapshot_epoch_2 (epoch 2' in captured.out
    assert read_log(str(a)) == read_log(str(b))


def test_uncommitted_snapshot_is_ignored(tmp_path, capsys):
    run(tmp_path, '--set', 'epochs=1')
    (tmp_path / 'snapshot_epoch_1.complete').unlink()
    run(tmp_path, '--set', 'epochs=1', '--resume', 'auto')
    captured = capsys.readouterr()
    assert 'ignoring snapshot_epoch_1' in captured.err
    assert 'starting from the beginning' in captured.out


def test_full_disk_is_named(tmp_path, monkeypatch):
    import chainer

    def full(path, target):
        open(path, 'wb').close()
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(chainer.serializers, 'save_npz', full)
    with pytest.raises(checkpoint.CheckpointError,
                       match='^the disk .* is full'):
        run(tmp_path, '--set', 'epochs=1')
    assert not [n for n in os.listdir(str(tmp_path))
                if n.startswith('tmpsnapshot_epoch')]


def test_leftover_temporaries_are_removed(tmp_path, capsys):
    (tmp_path / 'tmpsnapshot_epoch_3abcd').mkdir()
    (tmp_path / 'tmpsnapshot_epoch_3abcd' / 'snapshot_epoch_3').write_text('')
    (tmp_path / 'tmpsnapshot_epoch_4xyz').write_text('')
    run(tmp_path, '--set', 'epochs=1')
    assert 'tmpsnapshot_epoch_3abcd' in capsys.readouterr().err
    assert not [n for n in os.listdir(str(tmp_path)) if n.startswith('tmp')]


def test_sigterm_writes_a_snapshot_and_exits_nonzero(tmp_path):
    out = str(tmp_path / 'run')
    proc = subprocess.Popen(
        [sys.executable] + TRAIN + BASE + ['--set', 'epochs=500', '--out',
                                           out],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=ROOT)
    deadline = time.time() + 180
    while not os.path.exists(os.path.join(out, 'snapshot_epoch_1')):
        assert time.time() < deadline and proc.poll() is None
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    text = proc.communicate(timeout=120)[0]
    assert proc.returncode != 0
    assert 'stopped by SIGTERM' in text
    assert any(n.startswith('snapshot_error_iter_') for n in os.listdir(out))


def test_labels_out_of_range_are_named():
    import chainer
    good = chainer.datasets.TupleDataset(numpy.zeros((3, 1)),
                                         numpy.array([0, 9, 1]))
    bad = chainer.datasets.TupleDataset(numpy.zeros((3, 1)),
                                        numpy.array([0, 10, 1]))
    run_data.check_labels(good, good, {'dataset': 'x'})
    with pytest.raises(Exception, match=r'test set .* 10 at index 1'):
        run_data.check_labels(good, bad, {'dataset': 'x', 'path': '/d'})


def test_env_json_records_each_start_and_plot_has_no_duplicates(tmp_path):
    run(tmp_path, '--set', 'epochs=2')
    run(tmp_path, '--set', 'epochs=3', '--resume', 'auto')
    with open(str(tmp_path / 'env.json')) as f:
        env = json.load(f)
    assert len(env['starts']) == 2 and env['ranks'] == 1
    assert '--resume' in env['starts'][1]['command']
    snapshot = numpy.load(str(tmp_path / 'snapshot_epoch_3'))
    plot = json.loads(str(snapshot['extensions/PlotReport/_plot_loss.png']))
    assert [x for x, _ in plot['main/loss']] == [1, 2, 3]


def test_skipped_steps_are_logged(tmp_path):
    run(tmp_path, '--set', 'epochs=1', '--set', 'optimizer.name=kfac')
    log = json.load(open(str(tmp_path / 'log')))
    assert log[0]['kfac/skipped_steps'] == 0
