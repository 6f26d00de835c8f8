"""The communicator interface and its packed collectives, without MPI.

The collectives run on 1-3 ranks as threads (tests/distributed/
local_world.py) and are checked against NumPy means and copies written out
here; the NCCL communicator's own code runs over a fake NCCL on host
memory (its padded segments included).
"""
import importlib
import inspect
import sys
import types

import numpy as np
import pytest

from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.distributed.plan import BufferPlan
from chainer_kfac.distributed.stats import CommStats
from tests.distributed.fake_device import on_device
from tests.distributed.local_world import FakeNccl
from tests.distributed.local_world import LocalComm
from tests.distributed.local_world import run_ranks


def local_groups(size, seed, wrap=np.asarray, dtype=np.float32):
    """Rank r owns r+1 arrays (every other one symmetric); rank 1 of three
    owns nothing. ``seed`` makes each rank's local values differ."""
    rng = np.random.RandomState(seed)
    groups, flags = [], []
    for r in range(size):
        arrays, sym = [], []
        for i in range(0 if (size == 3 and r == 1) else r + 1):
            if i % 2 == 0:
                a = rng.randn(4 + r, 4 + r).astype(dtype)
                arrays.append(wrap(a + a.T))
            else:
                arrays.append(wrap(rng.randn(3, 2 + i).astype(dtype)))
            sym.append(i % 2 == 0)
        groups.append(arrays)
        flags.append(sym)
    return groups, flags


def test_the_interface_is_abstract_and_implemented():
    with pytest.raises(TypeError, match='abstract'):
        KFACCommunicator()
    from chainer_kfac.distributed.mpi_communicator import \
        KFACMpiCommunicator
    from chainer_kfac.distributed.nccl_communicator import \
        KFACPureNcclCommunicator
    for cls in (KFACMpiCommunicator, KFACPureNcclCommunicator, LocalComm):
        assert issubclass(cls, KFACCommunicator)
        assert not inspect.isabstract(cls), cls


def test_plan_layout_unpadded_and_padded():
    a = np.zeros((4, 4), np.float32)      # 10 as a triangle
    b = np.zeros((2, 3), np.float32)      # 6
    groups = [[a, b], [], [b]]
    sym = [[True, False], [], [False]]
    plan = BufferPlan.of(groups, sym)
    assert (plan.counts, plan.displs, plan.total) == ([16, 0, 6],
                                                      [0, 16, 16], 22)
    assert [s.offset for s in plan.segments[0]] == [0, 10]
    padded = BufferPlan.of(groups, sym, padded=True)
    assert (padded.width, padded.displs, padded.total) == (16, [0, 16, 32],
                                                           48)
    assert plan.fits(groups)
    assert not plan.fits([[a, b], [], [a]])
    assert not plan.fits([[a, b.astype(np.float64)], [], [b]])


@pytest.mark.parametrize('size', [1, 2, 3])
@pytest.mark.parametrize('padded', [False, True])
def test_reduce_scatter_and_all_gather_match_numpy(size, padded):
    def rank_main(rank, world):
        comm = LocalComm(world, rank, padded=padded)
        groups, sym = local_groups(size, seed=rank)
        return comm.reduce_scatter_v_arrays(groups, sym), \
            comm.all_gather_v_arrays(local_groups(size, seed=rank)[0], sym)

    results = run_ranks(size, rank_main)
    every = [local_groups(size, seed=q)[0] for q in range(size)]
    for rank, (reduced, gathered) in enumerate(results):
        assert len(reduced) == len(every[0][rank])
        for i, got in enumerate(reduced):
            want = np.mean([every[q][rank][i] for q in range(size)], axis=0)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        for r in range(size):
            for got, want in zip(gathered[r], every[r][r], strict=True):
                np.testing.assert_array_equal(got, want)


def test_bytes_counted_are_the_packed_buffer():
    groups, sym = local_groups(1, seed=0)
    comm = LocalComm()
    comm.reduce_scatter_v_arrays(groups, sym)
    packed = sum(a.shape[0] * (a.shape[0] + 1) // 2 if s else a.size
                 for a, s in zip(groups[0], sym[0], strict=True))
    assert comm.stats['reduce_scatter_v']['bytes'] == packed * 4
    with pytest.raises(ValueError, match='one group of arrays per rank'):
        comm.reduce_scatter_v_arrays(groups + groups, sym + sym)


def nccl_comm(world, rank):
    """The NCCL communicator's code over FakeNccl: NCCL's datatype is the
    NumPy dtype, the stream a no-op (no CuPy needed)."""
    from chainer_kfac.distributed.nccl_communicator import \
        KFACPureNcclCommunicator

    class HostNccl(KFACPureNcclCommunicator):
        _nccl_type = staticmethod(np.dtype)
        _stream = staticmethod(lambda: types.SimpleNamespace(
            ptr=0, synchronize=lambda: None))

    comm = HostNccl.__new__(HostNccl)
    comm.mpi_comm = types.SimpleNamespace(rank=rank, size=world.size)
    comm.nccl_comm = FakeNccl(world, rank)
    comm.stats = CommStats()
    return comm


@pytest.mark.parametrize('size', [2, 3])
def test_nccl_communicator_pads_segments_and_gives_the_means(size):
    def rank_main(rank, world):
        comm = nccl_comm(world, rank)
        groups, sym = local_groups(size, rank, wrap=on_device)
        reduced = comm.reduce_scatter_v_arrays(groups, sym)
        gathered = comm.all_gather_v_arrays(
            local_groups(size, rank, wrap=on_device)[0], sym)
        return reduced, gathered, comm.nccl_comm.calls, comm.stats

    results = run_ranks(size, rank_main)
    every = [local_groups(size, seed=q)[0] for q in range(size)]
    width = max(BufferPlan.of(*local_groups(size, 0)).counts)
    for rank, (reduced, gathered, calls, stats) in enumerate(results):
        assert calls == [('reduceScatter', width, 0), ('allGather', width)]
        assert stats['reduce_scatter_v']['bytes'] == size * width * 4
        for i, got in enumerate(reduced):
            want = np.mean([every[q][rank][i] for q in range(size)], axis=0)
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
        for r in range(size):
            for got, want in zip(gathered[r], every[r][r], strict=True):
                np.testing.assert_array_equal(got, want)


def test_nccl_communicator_imports_without_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, 'cupy', None)
    from chainer_kfac.distributed import nccl_communicator
    importlib.reload(nccl_communicator)
    assert nccl_communicator.KFACPureNcclCommunicator.pads_segments
