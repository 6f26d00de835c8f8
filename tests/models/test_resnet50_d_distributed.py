"""ResNet-50-D (channels / 16, 224 x 224, 111 blocks) under mpiexec -n 2
and -n 3: DistributedKFAC equals single-process KFAC
(tests/distributed/mpi/resnet50_d.py), two steps, both assignments.
Slow: 26 s (2 ranks) and 47 s (3 ranks) on the 2-core machine."""
import pytest

from tests.distributed.mpi_helper import run_mpi

pytestmark = [pytest.mark.mpi, pytest.mark.slow]


@pytest.mark.parametrize('n', [2, 3])
def test_distributed_resnet50_d_equals_single_process(n):
    out = run_mpi(n, 'resnet50_d.py', timeout=1800).stdout
    assert 'resnet50_d OK on {} ranks'.format(n) in out
