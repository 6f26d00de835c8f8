"""The original's NCCL path: K-FAC collectives on CuPy arrays over NCCL.

NCCL has no "v" collectives, so each owner's segment is padded to the
largest segment: one ``ncclReduceScatter`` / ``ncclAllGather`` of
``size * max_count`` elements. Importable only where CuPy is (this module is
loaded lazily by ``create_communicator('pure_nccl')``).
"""
import cupy
from chainermn.communicators import _communication_utility
from chainermn.communicators import pure_nccl_communicator

from chainer_kfac.distributed import packing
from chainer_kfac.distributed.stats import CommStats


class KFACPureNcclCommunicator(pure_nccl_communicator.PureNcclCommunicator):

    def __init__(self, mpi_comm):
        super(KFACPureNcclCommunicator, self).__init__(mpi_comm)
        self.stats = CommStats()

    def reduce_scatter_v_arrays(self, groups, symmetric=None):
        self._init_comms()
        sym, dtype, counts = packing.layout(groups, symmetric)
        width = max(counts + [1])  # every segment padded to the largest
        send = cupy.zeros(self.size * width, dtype=dtype)
        for r, (g, s) in enumerate(zip(groups, sym)):
            packing.pack_arrays(send, r * width, g, s)
        recv = cupy.empty(width, dtype=dtype)
        stream = cupy.cuda.Stream.null
        with self.stats.timer('reduce_scatter_v', send.nbytes):
            self.nccl_comm.reduceScatter(
                send.data.ptr, recv.data.ptr, width,
                _communication_utility._get_nccl_type_id(dtype),
                0, stream.ptr)  # 0 = ncclSum
            stream.synchronize()
        recv *= recv.dtype.type(1.0 / self.size)
        return packing.unpack_arrays(recv, 0, groups[self.rank],
                                     sym[self.rank])[0]

    def all_gather_v_arrays(self, groups, symmetric=None):
        self._init_comms()
        sym, dtype, counts = packing.layout(groups, symmetric)
        width = max(counts + [1])  # every segment padded to the largest
        send = cupy.zeros(width, dtype=dtype)
        packing.pack_arrays(send, 0, groups[self.rank], sym[self.rank])
        recv = cupy.empty(self.size * width, dtype=dtype)
        stream = cupy.cuda.Stream.null
        with self.stats.timer('all_gather_v', recv.nbytes):
            self.nccl_comm.allGather(
                send.data.ptr, recv.data.ptr, width,
                _communication_utility._get_nccl_type_id(dtype), stream.ptr)
            stream.synchronize()
        for r, (g, s) in enumerate(zip(groups, sym)):
            if r != self.rank:
                packing.unpack_arrays(recv, r * width, g, s, in_place=True)
        return groups
