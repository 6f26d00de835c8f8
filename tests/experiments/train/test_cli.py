"""``python -m experiments train`` (experiments/train/cli.py) end to end on
synthetic data, 2 epochs: alone, under ``mpiexec -n 2``, resumed; what
env.json records; an error is one ``error:`` line and status 1."""
import json
import os
import subprocess
import sys

import pytest

from experiments.data.dataset_error import DatasetError
from experiments.train import cli as train
from experiments.train.config import ConfigError
from tests.distributed.mpi_helper import ROOT
from tests.distributed.mpi_helper import run_mpi_argv

#: how a test starts training in a process of its own (``python`` first).
TRAIN = ['-m', 'experiments', 'train']

RUNS = ['sb_sgd_nomixup', 'sb_sgd_mixup', 'sb_kfac_nomixup', 'sb_kfac_mixup']
COMMON = ['--set', 'dataset=synthetic', '--set', 'synthetic_size=[256,128]',
          '--set', 'batch_size=32', '--set', 'snapshot_every=1',
          '--set', 'test_batch_size=64', '--quiet']
KEYS = ['main/loss', 'main/accuracy', 'validation/main/loss',
        'validation/main/accuracy', 'lr', 'epoch', 'iteration']


def config(run):
    return os.path.join(ROOT, 'configs', 'hpml2019', run + '.yaml')


def read_log(out):
    with open(os.path.join(out, 'log')) as f:
        return [{k: e[k] for k in KEYS} for e in json.load(f)]


def check_outputs(out, ranks, argv=None):
    assert os.path.exists(os.path.join(out, 'DONE'))
    log = read_log(out)
    assert [e['epoch'] for e in log] == [1, 2]
    assert log[0]['iteration'] == 8          # 256 / 32
    with open(os.path.join(out, 'env.json')) as f:
        env = json.load(f)
    assert env['dataset']['dataset'] == 'synthetic'
    assert env['ranks'] == ranks
    if argv is not None:
        assert env['command'] == ['python', '-m', 'experiments', 'train'] + \
            argv
    assert len(env['git']['commit']) == 40          # this repository
    assert isinstance(env['git']['dirty'], bool)
    assert set(env['runtime']['blas_threads'].values()) == {1}
    assert env['runtime']['kfac_work_threads'] == 1
    assert 'source' in env['runtime']['malloc']
    with open(os.path.join(out, 'config.yaml')) as f:
        assert 'dataset: synthetic' in f.read()
    return log


@pytest.mark.parametrize('run', RUNS)
def test_single_process(tmp_path, run):
    out = str(tmp_path / run)
    argv = ['--config', config(run), '--set', 'epochs=2', '--out', out] + \
        COMMON
    assert train.main(argv) == 0
    log = check_outputs(out, 1, argv)
    assert os.path.exists(os.path.join(out, 'snapshot_epoch_2'))
    assert log[1]['main/loss'] < 2.5


def test_blas_threads_option_is_applied_and_recorded(tmp_path):
    from chainer_kfac.runtime import blas
    before = min(blas.blas_thread_counts().values())
    out = str(tmp_path / 'threads')
    try:
        train.main(['--config', config('sb_kfac_nomixup'), '--set',
                    'epochs=1', '--out', out, '--blas-threads', '2',
                    '--no-malloc-tuning'] + COMMON)
    finally:
        blas.set_blas_threads(before)
    with open(os.path.join(out, 'env.json')) as f:
        runtime = json.load(f)['runtime']
    assert set(runtime['blas_threads'].values()) == {2}
    assert runtime['blas_source'] == 'requested'
    assert runtime['malloc']['applied'] == {}


def test_blas_threads_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        train.parse_args(['--config', 'x.yaml', '--blas-threads', '0'])
    assert 'must be a whole number >= 1' in capsys.readouterr().err


@pytest.mark.mpi
@pytest.mark.parametrize('run', RUNS)
def test_mpiexec_two_ranks(tmp_path, run):
    out = str(tmp_path / run)
    argv = ['--config', config(run), '--set', 'epochs=2', '--out', out] + \
        COMMON
    run_mpi_argv(2, TRAIN + argv)
    check_outputs(out, 2, argv)
    # every rank writes its own snapshot
    for r in (0, 1):
        assert os.path.exists(os.path.join(
            out, 'snapshot_epoch_2.rank{}'.format(r)))


def test_resume_from_epoch_1_equals_uninterrupted_run(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    args = ['--config', config('sb_kfac_mixup')] + COMMON
    train.main(args + ['--set', 'epochs=2', '--out', a])
    train.main(args + ['--set', 'epochs=1', '--out', b])
    train.main(args + ['--set', 'epochs=2', '--out', b, '--resume',
                       os.path.join(b, 'snapshot_epoch_1')])
    assert read_log(a) == read_log(b)


@pytest.mark.mpi
def test_resume_under_mpiexec_equals_uninterrupted_run(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    args = TRAIN + ['--config', config('sb_kfac_mixup')] + COMMON
    run_mpi_argv(2, args + ['--set', 'epochs=2', '--out', a])
    run_mpi_argv(2, args + ['--set', 'epochs=1', '--out', b])
    run_mpi_argv(2, args + ['--set', 'epochs=2', '--out', b,
                            '--resume', 'auto'])
    assert read_log(a) == read_log(b)


def test_config_error_exits_with_message(tmp_path, capsys):
    with pytest.raises(ConfigError) as e:
        train.main(['--config', config('sb_kfac_mixup'), '--set',
                    'optimizer.lrr=1', '--out', str(tmp_path)])
    assert 'optimizer.lrr' in str(e.value)


def test_missing_dataset_exits_with_message(tmp_path):
    with pytest.raises(DatasetError) as e:
        train.main(['--config', config('sb_kfac_mixup'), '--set',
                    'data_dir={}'.format(tmp_path), '--out',
                    str(tmp_path / 'o')])
    assert 'cifar-10-python.tar.gz' in str(e.value)


@pytest.mark.parametrize('module', [TRAIN, ['-m', 'experiments.train.cli']])
def test_an_error_is_one_line_and_status_1(tmp_path, module):
    proc = subprocess.run(
        [sys.executable] + module + ['--config', config('sb_kfac_mixup'),
                                     '--set', 'optimizer.lrr=1', '--out',
                                     str(tmp_path / 'o')],
        capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: --set ')
    assert 'optimizer.lrr' in lines[0] and 'Traceback' not in proc.stderr
    assert not (tmp_path / 'o').exists()


def test_usage_names_the_command(capsys):
    with pytest.raises(SystemExit) as e:
        train.main(['--help'])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(
        'usage: python -m experiments train ')


def test_nonfinite_loss_stops_with_message_and_snapshot(tmp_path):
    out = str(tmp_path / 'nan')
    with pytest.raises(FloatingPointError, match='training loss is'):
        train.main(['--config', config('sb_sgd_nomixup'), '--set',
                    'optimizer.lr=1.0e+8', '--set', 'epochs=2', '--out',
                    out] + COMMON)
    names = os.listdir(out)
    assert any(n.startswith('snapshot_nonfinite_iter_') for n in names)
    assert any(n.startswith('snapshot_error_iter_') for n in names)
    assert not any(n.startswith('snapshot_epoch_') for n in names)


def test_kfac_nonfinite_gradient_names_layer_and_keeps_a_snapshot(tmp_path):
    from chainer_kfac.optimizers import KFACError
    out = str(tmp_path / 'nan')
    with pytest.raises(KFACError, match='non-finite.*step'):
        train.main(['--config', config('sb_kfac_nomixup'), '--set',
                    'optimizer.lr=1.0e+8', '--set', 'epochs=2', '--out',
                    out] + COMMON)
    assert any(n.startswith('snapshot_error_iter_') for n in os.listdir(out))


def test_resume_after_a_drop_with_adjust_momentum_equals_uninterrupted(
        tmp_path):
    # The drop is at epoch 1, the resume at epoch 2: lr_pre must come from
    # the snapshot (= the dropped rate), not from the constructor's lr.
    a, b, c = (str(tmp_path / n) for n in 'abc')
    args = ['--config', config('sb_kfac_nomixup'), '--set',
            'kfac.adjust_momentum=true',
            '--set', 'lr_schedule.drop_epochs=[1]',
            '--set', 'lr_schedule.factor=0.2'] + COMMON
    train.main(args + ['--set', 'epochs=3', '--out', a])
    train.main(args + ['--set', 'epochs=2', '--out', b])
    train.main(args + ['--set', 'epochs=3', '--out', b, '--resume',
                       os.path.join(b, 'snapshot_epoch_2')])
    assert read_log(a) == read_log(b)
    train.main(args[:2] + ['--set', 'lr_schedule.drop_epochs=[1]', '--set',
                           'lr_schedule.factor=0.2', '--set', 'epochs=3',
                           '--out', c] + COMMON)
    assert read_log(a)[:1] == read_log(c)[:1]   # same until the drop
    assert read_log(a)[1:] != read_log(c)[1:]   # adjusted after it
