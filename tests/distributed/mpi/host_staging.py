"""GPU-like arrays over a non-CUDA-aware MPI: every collective the package
uses stages through host memory and gives the NumPy result (the arrays are
tests/distributed/fake_device.py's; MPI refuses them directly)."""
import chainer_kfac  # NOQA: I100  (before Chainer: compatibility layer)
import numpy as np

import chainer.links as L

from tests.distributed.fake_device import LOG, StrictMpi, on_device

comm = chainer_kfac.create_communicator('mpi', cuda_aware=False)
comm.mpi_comm = StrictMpi(comm.mpi_comm)
size, rank = comm.size, comm.rank


def groups_of(seed, wrap):
    rng = np.random.RandomState(seed)
    out = []
    for r in range(size):
        m = rng.randn(4 + r, 4 + r).astype(np.float32)
        out.append([wrap(m + m.T), wrap(rng.randn(3).astype(np.float32))])
    return out


SYM = [[True, False] for _ in range(size)]
mine = comm.reduce_scatter_v_arrays(groups_of(rank, on_device), SYM)
every = [groups_of(r, np.asarray) for r in range(size)]
for got, *per_rank in zip(mine, *[g[rank] for g in every], strict=True):
    np.testing.assert_allclose(got, np.mean(per_rank, axis=0), rtol=1e-6)

gathered = comm.all_gather_v_arrays(groups_of(rank, on_device), SYM)
for r in range(size):
    for got, want in zip(gathered[r], every[r][r], strict=True):
        np.testing.assert_array_equal(got, want)

link = L.Linear(5, 3)
for p in link.params():
    p.array = on_device(np.full(p.shape, rank + 1.0, np.float32))
    p.grad = on_device(np.full(p.shape, float(rank), np.float32))
comm.bcast_data(link)
comm.multi_node_mean_grad(link)
for p in link.params():
    np.testing.assert_array_equal(p.array, np.ones(p.shape))
    np.testing.assert_allclose(p.grad, np.full(p.shape, (size - 1) / 2.0))
    assert type(p.array).__name__ == 'FakeDeviceArray'
assert not comm.mpi_comm.seen_device_buffer and LOG['get'] > 0
if rank == 0:
    print('host staging OK on {} ranks'.format(size))
