"""The communicator in a single process (size 1), and its factory."""
import numpy as np
import pytest

import chainer_kfac


def test_single_rank_collectives_are_identity():
    comm = chainer_kfac.create_communicator('mpi')
    assert comm.size == 1 and comm.rank == 0
    a = np.arange(9, dtype=np.float32).reshape(3, 3)
    a = a + a.T
    out = comm.reduce_scatter_v_arrays([[a, np.ones(2, np.float32)]],
                                       [[True, False]])
    np.testing.assert_array_equal(out[0], a)
    assert comm.stats['reduce_scatter_v']['bytes'] == (6 + 2) * 4


def test_unknown_name_and_missing_cupy():
    with pytest.raises(ValueError, match='pure_nccl'):
        chainer_kfac.create_communicator('hierarchical')
    try:
        import cupy  # NOQA: F401
    except ImportError:
        from chainer_kfac.distributed.nccl_check import NcclUnavailableError
        with pytest.raises(NcclUnavailableError, match='CuPy'):
            chainer_kfac.create_communicator('pure_nccl')
