"""SIGTERM mid-epoch or at an epoch's end, then ``--resume
snapshot_error_iter_N``, continues exactly (one process and under a real
``mpiexec -n 2``); inconsistent per-rank snapshots are refused; a rank
that ends early with status 0 ends the job non-zero (issue 22)."""
import os
import shutil
import subprocess
import sys

import pytest

from experiments.train import cli as train
from tests.distributed.mpi_helper import ROOT
from tests.distributed.mpi_helper import run_mpi_argv
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import TRAIN as MODULE
from tests.experiments.train.test_cli import config
from tests.experiments.train.test_cli import read_log

ARGS = ['--config', config('sb_kfac_mixup')] + COMMON + ['--set',
                                                         'epochs=3']
TRAIN = MODULE + ARGS
FAULTY = ['-m', 'experiments.checks.train_faults'] + ARGS


def error_snapshots(out):
    return sorted(n for n in os.listdir(out)
                  if n.startswith('snapshot_error_iter_'))


def test_sigterm_mid_epoch_then_error_snapshot_resume_is_exact(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    train.main(ARGS + ['--out', a])
    env = dict(os.environ, FAULTS='sigterm:0:11', PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable] + FAULTY + ['--out', b],
                          capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)
    assert proc.returncode != 0 and 'stopped by SIGTERM' in proc.stderr
    assert error_snapshots(b) == ['snapshot_error_iter_11']
    train.main(ARGS + ['--out', b, '--resume',
                       os.path.join(b, 'snapshot_error_iter_11')])
    assert read_log(a) == read_log(b)


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('reference'))
    run_mpi_argv(2, TRAIN + ['--out', out], timeout=600)
    return out


@pytest.mark.mpi
@pytest.mark.parametrize('faults,step', [
    ('sigterm:0:11', 11),                     # one rank, mid-epoch
    ('sigterm:0:16,sigterm:1:17', 16)])       # epoch 2's end, staggered
def test_sigterm_under_mpi_agrees_on_the_step_and_resumes_exactly(
        tmp_path, reference, faults, step):
    out = str(tmp_path / 'b')
    os.environ['FAULTS'] = faults
    try:
        proc = run_mpi_argv(2, FAULTY + ['--out', out], check=False,
                            timeout=400)
    finally:
        del os.environ['FAULTS']
    assert proc.returncode != 0
    name = 'snapshot_error_iter_{}'.format(step)
    assert error_snapshots(out) == [name + '.rank0', name + '.rank1']
    resumed = run_mpi_argv(2, TRAIN + ['--out', out, '--resume',
                                       os.path.join(out, name)], timeout=400)
    assert 'iteration {})'.format(step) in resumed.stdout
    assert read_log(reference) == read_log(out)


@pytest.mark.mpi
@pytest.mark.parametrize('rank1', ['snapshot_epoch_2.rank1', None])
def test_resume_from_inconsistent_rank_files_is_refused(tmp_path, reference,
                                                        rank1):
    out = str(tmp_path / 'c')
    os.makedirs(out)
    for name in ('config.yaml', 'env.json'):
        shutil.copy(os.path.join(reference, name), out)
    shutil.copy(os.path.join(reference, 'snapshot_epoch_1.rank0'),
                os.path.join(out, 'snapshot_error_iter_8.rank0'))
    if rank1:
        shutil.copy(os.path.join(reference, rank1),
                    os.path.join(out, 'snapshot_error_iter_8.rank1'))
    proc = run_mpi_argv(2, TRAIN + ['--out', out, '--resume', os.path.join(
        out, 'snapshot_error_iter_8')], check=False, timeout=240)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and text.count('cannot resume') == 1
    if rank1:
        assert 'iteration 8' in text and 'iteration 16' in text
    else:
        assert 'snapshot_error_iter_8.rank1 is missing' in text


@pytest.mark.mpi
@pytest.mark.parametrize('kind', ['exit0', 'return'])
def test_one_rank_ending_cleanly_ends_the_job_non_zero(tmp_path, kind):
    os.environ['FAULTS'] = '{}:1:5'.format(kind)
    try:
        proc = run_mpi_argv(2, FAULTY + ['--out', str(tmp_path)],
                            check=False, timeout=400)
    finally:
        del os.environ['FAULTS']
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert text.count('rank 1 of 2 ended') == 1, text[-3000:]
    assert not os.path.exists(os.path.join(str(tmp_path), 'DONE'))


@pytest.mark.mpi
def test_batch_not_divisible_by_the_ranks_is_named_once(tmp_path):
    proc = run_mpi_argv(2, TRAIN + ['--set', 'batch_size=33', '--out',
                                    str(tmp_path)], check=False, timeout=240)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and 'Traceback' not in text
    assert text.count('batch_size 33') == 1 and '2 ranks' in text
