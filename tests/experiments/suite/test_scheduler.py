"""How the suite starts its runs: the training command line, and the GPUs
of each job slot with ``--device cuda``."""
import sys

import pytest

from experiments.errors import StudyError
from experiments.suite import runner
from experiments.suite.scheduler import Launch, command, job_slots


def test_run_suite_plans_slots_only_for_cuda(monkeypatch, capsys):
    launch = Launch(device='cuda', jobs=2, ranks=2)
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '0,1,2,3')
    assert job_slots(launch) == ['0,1', '2,3']
    assert 'one GPU per rank' in capsys.readouterr().out
    assert job_slots(Launch(device='-1', jobs=2, ranks=2)) == []
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')
    with pytest.raises(StudyError, match='no GPU visible'):
        job_slots(launch)


def test_multi_node_jobs_plan_gpus_per_node(monkeypatch, capsys):
    # 2 nodes x 8 GPUs, 16 ranks with 8 per node: one GPU per rank on each
    # node, no sharing (only the ranks of one node share its GPUs).
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', ','.join(map(str, range(8))))
    launch = Launch(device='cuda', jobs=1, ranks=16, ranks_per_node=8)
    assert job_slots(launch) == ['0,1,2,3,4,5,6,7']
    assert 'one GPU per rank' in capsys.readouterr().out


def test_training_children_are_the_train_command():
    cmd = command('c.yaml', 'out', Launch(device='-1', settings=('a=1',),
                                          no_malloc_tuning=True), ['seed=2'])
    assert cmd == [sys.executable, '-m', 'experiments', 'train', '--config',
                   'c.yaml', '--out', 'out', '--resume', 'auto', '--quiet',
                   '--no-malloc-tuning', '--set', 'device=-1', '--set', 'a=1',
                   '--set', 'seed=2']
    assert command('c.yaml', 'out', Launch()) == cmd[:11]


def test_under_mpiexec_the_ranks_run_the_same_command(monkeypatch):
    from chainer_kfac.distributed import launch as mpi_launch
    monkeypatch.setattr(mpi_launch, 'mpiexec_argv',
                        lambda n, ranks_per_node, hostfile: [
                            'mpiexec', '-n', str(n), str(ranks_per_node),
                            str(hostfile)])
    cmd = command('c.yaml', 'out', Launch(ranks=4, ranks_per_node=2,
                                          hostfile='nodes'))
    assert cmd[:5] == ['mpiexec', '-n', '4', '2', 'nodes']
    assert cmd[5:9] == [sys.executable, '-m', 'experiments', 'train']


def test_the_command_line_makes_the_launch():
    args = runner.parser().parse_args([
        'quick', '--ranks', '4', '--ranks-per-node', '2', '--hostfile', 'h',
        '--device', 'cuda', '--jobs', '3', '--set', 'a=1', '--set', 'b=2',
        '--no-malloc-tuning'])
    assert runner.launch_of(args) == Launch(
        ranks=4, ranks_per_node=2, hostfile='h', device='cuda', jobs=3,
        settings=('a=1', 'b=2'), no_malloc_tuning=True)
    assert runner.launch_of(runner.parser().parse_args(['quick'])) == \
        Launch()
