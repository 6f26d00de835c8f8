"""Under a real ``mpiexec -n 2``: a kill between the ranks' snapshot writes,
a one-rank exit, a rank-count change (issue 11, items 1, 2 and 4)."""
import os
import time

import pytest

from experiments.train import cli as train
from tests.distributed.mpi_helper import run_mpi
from tests.distributed.mpi_helper import run_mpi_argv
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import TRAIN as MODULE
from tests.experiments.train.test_cli import config
from tests.experiments.train.test_cli import read_log

pytestmark = pytest.mark.mpi
ARGS = ['--config', config('sb_kfac_mixup')] + COMMON
TRAIN = MODULE + ARGS


def test_kill_between_the_ranks_writes_then_resume_equals_uninterrupted(
        tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    run_mpi_argv(2, TRAIN + ['--set', 'epochs=3', '--out', a])
    killed = run_mpi_argv(2, [os.path.join(
        'tests', 'distributed', 'mpi', 'kill_between_writes.py')] +
        ARGS + ['--set', 'epochs=3', '--out', b], check=False)
    assert killed.returncode != 0
    names = os.listdir(b)
    assert 'snapshot_epoch_2.rank1' in names            # rank 1 wrote it
    assert 'snapshot_epoch_2.rank0' not in names
    assert 'snapshot_epoch_2.complete' not in names     # never committed
    resumed = run_mpi_argv(2, TRAIN + ['--set', 'epochs=3', '--out', b,
                                       '--resume', 'auto'])
    assert 'snapshot_epoch_1.rank0 (epoch 1,' in resumed.stdout
    assert read_log(a) == read_log(b)
    again = run_mpi_argv(2, TRAIN + ['--set', 'epochs=3', '--out', b,
                                     '--resume', 'auto'], timeout=240)
    assert 'epoch 3' in again.stdout


def test_one_rank_sys_exit_ends_the_job_within_30_s():
    proc = run_mpi(2, 'rank_exits.py', check=False, timeout=120)
    ended = time.time()
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert out.count('deliberate clean error on rank 1') == 1
    exit_at = float(out.split('EXIT_AT ')[1].split()[0])
    assert ended - exit_at <= 30


def test_missing_dataset_on_rank_0_ends_all_ranks_message_once(tmp_path):
    start = time.time()
    proc = run_mpi_argv(2, MODULE + ['--config',
                            config('sb_kfac_mixup'), '--set',
                            'data_dir={}'.format(tmp_path), '--out',
                            str(tmp_path / 'o')], check=False, timeout=180)
    assert proc.returncode != 0
    assert (proc.stdout + proc.stderr).count('error: CIFAR-10: found') == 1
    assert time.time() - start < 180


def test_rank_count_change_is_refused_and_nothing_overwritten(tmp_path):
    out = str(tmp_path / 'one')
    train.main(['--config', config('sb_kfac_mixup'), '--set', 'epochs=1',
                '--out', out] + COMMON)
    before = {n: open(os.path.join(out, n), 'rb').read()
              for n in ('log', 'config.yaml', 'env.json')}
    proc = run_mpi_argv(2, TRAIN + ['--set', 'epochs=2', '--out', out,
                                    '--resume', 'auto'], check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert text.count('cannot resume') == 1
    assert '1-rank run' in text and 'mpiexec -n 1' in text
    for name, data in before.items():
        assert open(os.path.join(out, name), 'rb').read() == data, name
