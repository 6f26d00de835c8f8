"""``bench resnet-mpi``: the per-rank summary by hand, and the benchmark
end to end on LeNet-5 under a real ``mpiexec -n 2``."""
import json
import subprocess
import sys

from experiments.bench import resnet_mpi
from experiments.folders.repository import ROOT
from tests.distributed import mpi_helper


def test_per_rank_takes_each_ranks_own_medians():
    # Three rounds of two ranks: (step seconds, {collective: seconds}).
    rounds = [[(5.0, {'all_gather_v': 3.0}), (4.0, {'all_gather_v': 0.5})],
              [(7.0, {'all_gather_v': 4.0}), (6.0, {})],
              [(6.0, {'all_gather_v': 1.0}), (5.0, {'all_gather_v': 0.7})]]
    rank0, rank1 = resnet_mpi.per_rank(rounds)
    assert rank0 == {'step': 6.0, 'all_gather_v': 3.0}
    # A round without the collective counts as 0 s, not as missing.
    assert rank1 == {'step': 5.0, 'all_gather_v': 0.5}


def test_relaunch_runs_the_module_on_every_rank(monkeypatch):
    seen = []
    monkeypatch.setattr(resnet_mpi, 'mpiexec_argv', lambda n: ['MPI', n])
    monkeypatch.setattr(resnet_mpi.subprocess, 'call',
                        lambda cmd: seen.append(cmd) or 3)
    assert resnet_mpi.relaunch(2, ['--ranks', '2', '--batch', '4']) == 3
    assert seen == [['MPI', 2, sys.executable, '-m',
                     'experiments.bench.resnet_mpi', '--ranks', '2',
                     '--batch', '4']]


def test_lenet_on_two_ranks(tmp_path):
    """SGD, every-step and solves-only DistributedKFAC on 2 ranks: the
    slowest rank sets each step, every rank's collectives are recorded (the
    gradient Allreduce for SGD; ReduceScatterV and AllGatherV for K-FAC)."""
    mpi_helper.mpiexec_argv(2)  # skips without an mpiexec, like the others
    out = tmp_path / 'bench.json'
    proc = subprocess.run(
        [sys.executable, '-m', 'experiments', 'bench', 'resnet-mpi',
         '--ranks', '2', '--model', 'lenet5', '--input-shape', '3', '32',
         '32', '--classes', '10', '--batch', '4', '--steps', '1',
         '--assignment', 'balanced', '--kinds', 'sgd', 'dkfac', 'dkfac_pre',
         '--json', str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    record = json.loads(out.read_text())
    assert (record['ranks'], record['batch_per_rank']) == (2, 4)
    result = record['result']
    assert set(result['ratio_to_sgd']) == {
        'kfac', 'kfac_pre', 'amortised 10/100, upper bound'}
    for kind, ranks in result['per_rank'].items():
        assert len(ranks) == 2
        slowest = max(row['step'] for row in ranks)
        assert slowest == result['median_seconds'][kind]
    assert all('mean_grad' in row for row in result['per_rank']['sgd'])
    for kind in ('kfac', 'kfac_pre'):
        assert all({'reduce_scatter_v', 'all_gather_v'} <= set(row)
                   for row in result['per_rank'][kind])
    assert len(result['phases']['kfac']) == 5  # rank 0 times every block
