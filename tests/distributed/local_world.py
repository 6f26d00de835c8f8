"""N ranks in one process (threads), for the communicator interface.

:class:`World` lets N threads exchange Python values (everyone gets the list
of everyone's, in rank order). :class:`LocalComm` implements
:class:`~chainer_kfac.distributed.KFACCommunicator` over it with the
textbook meaning of each collective written out in NumPy (sum the segments
that land on a rank; copy every rank's segment), independently of MPI.
:class:`FakeNccl` plays NCCL's ``reduceScatter``/``allGather`` on raw
pointers (the arrays of tests/distributed/fake_device.py point at their
host memory) so the NCCL communicator's own code runs here.
"""
import ctypes
import threading

import numpy as np

from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.distributed.interface import SideChannel
from chainer_kfac.distributed.stats import CommStats


class World(object):
    def __init__(self, size):
        self.size = size
        self._barrier = threading.Barrier(size, timeout=60)
        self._values = [None] * size

    def exchange(self, rank, value):
        """Everyone's ``value``, in rank order."""
        self._values[rank] = value
        self._barrier.wait()
        out = list(self._values)
        self._barrier.wait()
        return out


def run_ranks(size, fn, world=None):
    """``[fn(rank, world) for every rank]``, the ranks run as threads; the
    first exception of any rank is raised."""
    world = world or World(size)
    results, errors = [None] * size, []

    def main(rank):
        try:
            results[rank] = fn(rank, world)
        except BaseException as e:  # noqa: B902 (reported below)
            errors.append(e)
            world._barrier.abort()

    threads = [threading.Thread(target=main, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return results


class LocalComm(KFACCommunicator):
    """Rank ``rank`` of ``world`` (default: a world of one)."""

    def __init__(self, world=None, rank=0, padded=False):
        self.world = world or World(1)
        self._rank = rank
        self.pads_segments = padded
        self.stats = CommStats()

    rank = property(lambda self: self._rank)
    size = property(lambda self: self.world.size)
    intra_rank = rank
    intra_size = size
    inter_rank = property(lambda self: 0)
    inter_size = property(lambda self: 1)

    def _all(self, value):
        return self.world.exchange(self._rank, value)

    def bcast_data(self, model):
        arrays = self._all([p.array.copy() for _, p in
                            sorted(model.namedparams())])[0]
        for (_, p), a in zip(sorted(model.namedparams()), arrays, strict=True):
            p.array[...] = a

    def multi_node_mean_grad(self, model, zero_fill=False):
        params = [p for _, p in sorted(model.namedparams())]
        every = self._all([p.grad.copy() for p in params])
        for i, p in enumerate(params):
            p.grad[...] = np.mean([g[i] for g in every], axis=0)

    def allreduce_obj(self, obj):
        return sum(self._all(obj))

    def bcast_obj(self, obj, max_buf_len=None, root=0):
        return self._all(obj)[root]

    def allgather_obj(self, obj):
        return self._all(obj)

    def barrier(self):
        self._all(None)

    def abort(self, code):
        raise SystemExit(code)

    def dup(self):
        return LocalSideChannel(self)

    def _reduce_scatter_sum(self, send, recv, plan):
        start, n = plan.displs[self.rank], len(recv)
        recv[...] = sum(s[start:start + n] for s in self._all(send.copy()))

    def _all_gather(self, send, recv, plan):
        for r, s in enumerate(self._all(send.copy())):
            n = plan.segment_length(r)
            recv[plan.displs[r]:plan.displs[r] + n] = s[:n]


class LocalSideChannel(SideChannel):
    """The side channel of a :class:`LocalComm` (its world, in lockstep)."""

    def __init__(self, comm):
        self.comm = comm

    def any(self, flag):
        return any(self.comm._all(bool(flag)))

    def all_reach(self, timeout_s):
        self.comm._all(None)
        return True


def host_view(pointer, count, dtype):
    """The ``count`` elements of ``dtype`` at host address ``pointer``."""
    dtype = np.dtype(dtype)
    raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(pointer)
    return np.frombuffer(raw, dtype=dtype)


class FakeNccl(object):
    """NCCL's two calls on host pointers, rank ``rank`` of ``world``.
    The ``datatype`` argument is a NumPy dtype here."""

    def __init__(self, world, rank):
        self.world, self.rank = world, rank
        self.calls = []

    def reduceScatter(self, send, recv, count, datatype, op, stream):
        self.calls.append(('reduceScatter', count, op))
        size = self.world.size
        mine = host_view(send, count * size, datatype).copy()
        every = self.world.exchange(self.rank, mine)
        out = host_view(recv, count, datatype)
        out[...] = sum(s[self.rank * count:(self.rank + 1) * count]
                       for s in every)

    def allGather(self, send, recv, count, datatype, stream):
        self.calls.append(('allGather', count))
        every = self.world.exchange(
            self.rank, host_view(send, count, datatype).copy())
        out = host_view(recv, count * self.world.size, datatype)
        for r, s in enumerate(every):
            out[r * count:(r + 1) * count] = s
