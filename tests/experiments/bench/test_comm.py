"""``bench comm`` re-launches itself as a module on every rank."""
import sys

from chainer_kfac.distributed import launch
from experiments.bench import comm


def test_relaunch_runs_the_module_on_every_rank(monkeypatch):
    seen = []
    monkeypatch.setattr(launch, 'mpiexec_argv', lambda n: ['MPI', n])
    monkeypatch.setattr(comm.subprocess, 'call',
                        lambda cmd, env: seen.append((cmd, env)) or 5)
    assert comm.relaunch(2, ['--ranks', '2', '--steps', '1']) == 5
    (cmd, env), = seen
    assert cmd == ['MPI', 2, sys.executable, '-m', 'experiments.bench.comm',
                   '--ranks', '2', '--steps', '1']
    assert env['OMP_NUM_THREADS'] == env['OPENBLAS_NUM_THREADS'] == '1'
