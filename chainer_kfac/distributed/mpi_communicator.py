"""A ChainerMN communicator with the two collectives K-FAC needs.

:class:`KFACMpiCommunicator` extends ChainerMN's ``MpiCommunicatorBase`` (so
``rank``, ``size``, ``intra_rank``, ``bcast_data``, ``scatter_dataset``, the
multi-node evaluator and optimizer all work with it) and adds:

- :meth:`reduce_scatter_v_arrays`: arrays grouped by owning rank are packed
  into one contiguous buffer (symmetric factors as upper triangles), summed
  with one ``MPI_Reduce_scatter`` with per-rank counts, and divided by the
  number of ranks: each rank receives the mean, over ranks, of the arrays of
  the groups it owns -- and nothing else.
- :meth:`all_gather_v_arrays`: each owner's arrays are packed and gathered
  with one ``MPI_Allgatherv``; every rank's copies are overwritten in place.

NumPy buffers go to mpi4py directly. CuPy buffers are staged through host
memory, or passed directly when ``cuda_aware=True`` (a CUDA-aware MPI).
"""
import numpy

from chainer import backend
from chainermn.communicators import _memory_utility
from chainermn.communicators import mpi_communicator_base

from chainer_kfac.distributed import packing
from chainer_kfac.distributed.stats import CommStats


class KFACMpiCommunicator(mpi_communicator_base.MpiCommunicatorBase):

    def __init__(self, mpi_comm, cuda_aware=False):
        super(KFACMpiCommunicator, self).__init__(mpi_comm)
        self.cuda_aware = cuda_aware
        self.stats = CommStats()

    # -- data-parallel SGD (ChainerMN's interface) ---------------------------
    def multi_node_mean_grad(self, model, zero_fill=False):
        """Mean of every gradient over ranks, in one Allreduce."""
        params = _memory_utility.extract_params_set_grad(model, zero_fill)
        grads = []
        for param in params:
            if param.grad is None and zero_fill and param.data is not None:
                param.grad = param.xp.zeros_like(param.data)
            if param.grad is not None:
                grads.append(param.grad)
        if not grads:
            return
        dtype = packing.common_dtype([grads])
        xp = backend.get_array_module(grads[0])
        buf = xp.empty(sum(g.size for g in grads), dtype=dtype)
        flags = [False] * len(grads)
        packing.pack_arrays(buf, 0, grads, flags)
        host = self._to_mpi(buf)
        with self.stats.timer('mean_grad', buf.nbytes):
            self.mpi_comm.Allreduce(_mpi_inplace(), host)
        buf = self._from_mpi(host, buf)
        buf *= buf.dtype.type(1.0 / self.size)
        packing.unpack_arrays(buf, 0, grads, flags, in_place=True)

    # -- K-FAC collectives ----------------------------------------------------
    def reduce_scatter_v_arrays(self, groups, symmetric=None):
        """Mean over ranks of the arrays of the groups this rank owns.

        Args:
            groups (list): ``groups[r]`` is the list of arrays owned by rank
                r (every rank passes its local values of all of them, in the
                same order and shapes).
            symmetric (list): Same structure of bools; True marks a symmetric
                matrix, sent as its upper triangle.

        Returns:
            list: New arrays, the means of ``groups[self.rank]``.
        """
        self._check_groups(groups)
        sym, dtype, counts = packing.layout(groups, symmetric)
        xp = _xp_of(groups)
        send = xp.empty(sum(counts), dtype=dtype)
        offset = 0
        for g, s in zip(groups, sym):
            offset = packing.pack_arrays(send, offset, g, s)
        recv = xp.empty(counts[self.rank], dtype=dtype)
        send_h, recv_h = self._to_mpi(send), self._to_mpi(recv)
        with self.stats.timer('reduce_scatter_v', send.nbytes):
            self.mpi_comm.Reduce_scatter(send_h, recv_h, recvcounts=counts)
        recv = self._from_mpi(recv_h, recv)
        recv *= recv.dtype.type(1.0 / self.size)
        return packing.unpack_arrays(recv, 0, groups[self.rank],
                                     sym[self.rank])[0]

    def all_gather_v_arrays(self, groups, symmetric=None):
        """Overwrite every rank's ``groups[r]`` with rank r's values."""
        self._check_groups(groups)
        sym, dtype, counts = packing.layout(groups, symmetric)
        displs = [0] + list(numpy.cumsum(counts)[:-1])
        xp = _xp_of(groups)
        send = xp.empty(counts[self.rank], dtype=dtype)
        packing.pack_arrays(send, 0, groups[self.rank], sym[self.rank])
        recv = xp.empty(sum(counts), dtype=dtype)
        send_h, recv_h = self._to_mpi(send), self._to_mpi(recv)
        with self.stats.timer('all_gather_v', recv.nbytes):
            self.mpi_comm.Allgatherv(
                send_h, [recv_h, (counts, displs), _mpi_type(dtype)])
        recv = self._from_mpi(recv_h, recv)
        for r, (g, s) in enumerate(zip(groups, sym)):
            if r != self.rank:
                packing.unpack_arrays(recv, displs[r], g, s, in_place=True)
        return groups

    # -- helpers ----------------------------------------------------------------
    def _check_groups(self, groups):
        if len(groups) != self.size:
            raise ValueError(
                'expected one group of arrays per rank ({}), got {}'.format(
                    self.size, len(groups)))

    def _to_mpi(self, array):
        if isinstance(array, numpy.ndarray) or self.cuda_aware:
            if not isinstance(array, numpy.ndarray):
                backend.get_device_from_array(array).synchronize()
            return array
        return backend.CpuDevice().send(array)  # host staging

    def _from_mpi(self, staged, array):
        if staged is array:
            return array
        array.set(staged)  # CuPy: copy the host result back
        return array


def _xp_of(groups):
    for g in groups:
        for a in g:
            return backend.get_array_module(a)
    return numpy


def _mpi_inplace():
    import mpi4py.MPI
    return mpi4py.MPI.IN_PLACE


def _mpi_type(dtype):
    from mpi4py.util import dtlib
    return dtlib.from_numpy_dtype(dtype)
