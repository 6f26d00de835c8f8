"""reduce_scatter_v_arrays / all_gather_v_arrays against a NumPy reference."""
import time

import numpy as np

import chainer_kfac
from chainer_kfac.distributed import packing

comm = chainer_kfac.create_communicator('mpi')
size, rank = comm.size, comm.rank

# Owner r gets r+1 arrays of mixed shapes; every second one symmetric.
SHAPES = {r: [((5 + r, 5 + r) if i % 2 == 0 else (3, 2 + i))
              for i in range(r + 1)] for r in range(size)}
SYM = [[i % 2 == 0 for i in range(r + 1)] for r in range(size)]


def local_arrays(on_rank, dtype):
    rng = np.random.RandomState(100 + on_rank)
    groups = []
    for r in range(size):
        arrays = []
        for shape in SHAPES[r]:
            a = rng.randn(*shape).astype(dtype)
            if shape[0] == shape[1]:
                a = a + a.T
            arrays.append(a)
        groups.append(arrays)
    return groups


for dtype in (np.float32, np.float64):
    comm.stats.reset()
    mine = local_arrays(rank, dtype)
    out = comm.reduce_scatter_v_arrays(mine, SYM)
    every = [local_arrays(q, dtype) for q in range(size)]
    assert len(out) == len(SHAPES[rank])
    for i, got in enumerate(out):
        want = np.mean([every[q][rank][i] for q in range(size)], axis=0)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert got.dtype == dtype
    packed = sum(packing.total_size(g, s)
                 for g, s in zip(mine, SYM, strict=True))
    unpacked = sum(a.size for g in mine for a in g)
    assert comm.stats['reduce_scatter_v']['bytes'] == \
        packed * np.dtype(dtype).itemsize
    assert packed < unpacked

    # all_gather: rank r's arrays of group r reach everybody.
    mine = local_arrays(rank, dtype)
    comm.all_gather_v_arrays(mine, SYM)
    for r in range(size):
        for got, want in zip(mine[r], every[r][r], strict=True):
            np.testing.assert_array_equal(got, want)
    assert comm.stats['all_gather_v']['bytes'] == \
        packed * np.dtype(dtype).itemsize
    # Non-symmetric flags: full arrays travel.
    comm.stats.reset()
    mine = local_arrays(rank, dtype)
    comm.all_gather_v_arrays(mine)
    assert comm.stats['all_gather_v']['bytes'] == \
        unpacked * np.dtype(dtype).itemsize

# A rank that owns nothing.
groups = [[np.full(3, float(rank), np.float32)] if r == 0 else []
          for r in range(size)]
out = comm.reduce_scatter_v_arrays(groups)
if rank == 0:
    np.testing.assert_allclose(out[0], np.full(3, (size - 1) / 2.0))
else:
    assert out == []

# The object collectives of the interface (None travels too).
for value in (None, 3, {'a': [1, None]}):
    assert comm.bcast_obj(value if rank == 0 else 'ignored') == value
assert comm.bcast_obj('last' if rank == size - 1 else None,
                      root=size - 1) == 'last'
assert comm.allgather_obj(rank * 10) == [r * 10 for r in range(size)]
assert comm.allreduce_obj(rank + 1) == size * (size + 1) // 2
comm.barrier()

# Side channels (comm.dup()): an Ibarrier left pending on one (rank 0 waits
# 0 s while the others arrive late) never meets another's collectives.
stop, finish = comm.dup(), comm.dup()
assert stop.any(rank == size - 1) and not stop.any(False)
if rank == 0:
    assert not finish.all_reach(0.0) or size == 1
else:
    time.sleep(0.5)
    assert finish.all_reach(30.0)
assert stop.any(rank == 0)
comm.barrier()
if rank == 0:
    print('collectives OK on {} ranks'.format(size))
