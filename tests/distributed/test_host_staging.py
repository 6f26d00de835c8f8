"""Host staging of device arrays, CUDA-aware MPI detection, the guard on
ChainerMN's raw-pointer collectives and the NCCL checks (no GPU needed)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainer_kfac
from chainer_kfac.distributed import cuda_aware
from chainer_kfac.distributed import host_staging
from chainer_kfac.distributed import nccl_check
from tests.distributed.fake_device import DEVICE, LOG, StrictMpi, on_device


def test_only_arrays_with_a_cuda_interface_are_device_arrays():
    assert not host_staging.is_device_array(np.zeros(2))
    assert host_staging.is_device_array(on_device(np.zeros(2)))


def test_staging_copies_to_host_and_back():
    a = on_device(np.arange(4.0))
    staged = host_staging.to_mpi(a, cuda_aware=False)
    assert type(staged) is np.ndarray and staged is not a
    staged *= 2
    assert host_staging.from_mpi(staged, a) is a
    np.testing.assert_array_equal(a, [0, 2, 4, 6])


def test_cuda_aware_passes_the_device_array_after_synchronising():
    a = on_device(np.arange(4.0))
    before = DEVICE.synchronized
    assert host_staging.to_mpi(a, cuda_aware=True) is a
    assert DEVICE.synchronized == before + 1
    h = np.arange(3.0)
    assert host_staging.to_mpi(h, cuda_aware=False) is h


def _strict_comm(cuda_aware_flag):
    comm = chainer_kfac.create_communicator('mpi', cuda_aware=cuda_aware_flag)
    comm.mpi_comm = StrictMpi(comm.mpi_comm)
    comm.mpi_comm.cuda_aware = cuda_aware_flag
    return comm


@pytest.mark.parametrize('flag', [False, True])
def test_k_fac_collectives_stage_unless_cuda_aware(flag):
    comm = _strict_comm(flag)
    m = np.arange(9, dtype=np.float32).reshape(3, 3)
    m = m + m.T
    gets = LOG['get']
    out = comm.reduce_scatter_v_arrays([[on_device(m)]], [[True]])
    np.testing.assert_array_equal(out[0], m)
    comm.all_gather_v_arrays([[on_device(m)]], [[True]])
    assert comm.mpi_comm.seen_device_buffer == flag
    assert (LOG['get'] > gets) == (not flag)


def test_chainermn_pointer_collectives_refuse_device_arrays():
    comm = _strict_comm(False)
    with pytest.raises(TypeError, match='not CUDA-aware.*allreduce'):
        comm.allreduce(on_device(np.ones(2, np.float32)))
    with pytest.raises(TypeError, match='bcast'):
        comm.bcast(on_device(np.ones(2, np.float32)))
    np.testing.assert_array_equal(comm.allreduce(np.ones(2, np.float32)),
                                  np.ones(2))


def test_cuda_aware_query_agrees_with_ompi_info():
    assert cuda_aware.query_cuda_support(paths=[]) is None
    answer = cuda_aware.query_cuda_support()
    ompi_info = os.path.join(os.path.dirname(sys.executable), 'ompi_info')
    if not os.path.exists(ompi_info):
        ompi_info = shutil.which('ompi_info')
    if ompi_info is None or answer is None:
        pytest.skip('not Open MPI: no ompi_info / MPIX_Query_cuda_support')
    out = subprocess.run([ompi_info, '--parsable', '--all'],
                         capture_output=True, text=True).stdout
    built = [line.rsplit(':', 1)[1] for line in out.splitlines()
             if 'built_with_cuda_support:value' in line]
    assert built, 'ompi_info lists no built_with_cuda_support'
    if built[0] == 'false':   # built without CUDA: it cannot say yes
        assert answer is False
    default = chainer_kfac.create_communicator('mpi')
    assert default.cuda_aware == answer


def test_pure_nccl_without_cupy_says_how_to_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cupy', None)
    with pytest.raises(nccl_check.NcclUnavailableError,
                       match="pip install cupy-cuda12x.*use communicator "
                             "'mpi'"):
        chainer_kfac.create_communicator('pure_nccl')


def test_pure_nccl_without_nccl_says_how_to_fix(monkeypatch):
    import types
    fake = types.ModuleType('cupy')
    fake.__version__ = '13.6.0'
    fake.cuda = types.ModuleType('cupy.cuda')
    fake.cuda.nccl = types.SimpleNamespace(available=False)
    monkeypatch.setitem(sys.modules, 'cupy', fake)
    monkeypatch.setitem(sys.modules, 'cupy.cuda', fake.cuda)
    with pytest.raises(nccl_check.NcclUnavailableError,
                       match='cannot load NCCL.*nvidia-nccl-cu12'):
        nccl_check.require_nccl()


def test_nccl_refuses_two_ranks_on_one_gpu():
    nccl_check.check_one_rank_per_gpu(4, 4)
    with pytest.raises(nccl_check.NcclUnavailableError,
                       match='2 ranks on this node but 1 visible GPU'):
        nccl_check.check_one_rank_per_gpu(2, 1)
