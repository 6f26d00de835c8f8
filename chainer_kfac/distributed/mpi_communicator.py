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

It also overrides ChainerMN's ``bcast_data`` and implements
``multi_node_mean_grad`` (so ``allreduce_grad``, which calls it, and
``chainermn.create_multi_node_optimizer`` work on GPUs too).

NumPy buffers go to mpi4py directly. CuPy buffers are staged through host
memory unless the MPI is CUDA-aware (``cuda_aware=True``, or ``None``: ask
the MPI, see :mod:`chainer_kfac.distributed.cuda_aware`); see
:mod:`chainer_kfac.distributed.host_staging`. ChainerMN's other array
collectives refuse CuPy arrays on a non-CUDA-aware MPI instead of crashing
in it. The ``*_obj`` collectives pickle, and a pickled CuPy array is a host
copy (``cupy.ndarray.__reduce__`` calls ``get()``), so they need nothing.
"""
import numpy

from chainer import backend
from chainermn.communicators import _memory_utility
from chainermn.communicators import mpi_communicator_base

from chainer_kfac.distributed import cuda_aware as cuda_aware_mpi
from chainer_kfac.distributed import host_staging
from chainer_kfac.distributed import packing
from chainer_kfac.distributed.stats import CommStats


class KFACMpiCommunicator(host_staging.DeviceArrayGuard,
                          mpi_communicator_base.MpiCommunicatorBase):

    def __init__(self, mpi_comm, cuda_aware=None):
        super(KFACMpiCommunicator, self).__init__(mpi_comm)
        if cuda_aware is None:
            cuda_aware = cuda_aware_mpi.detect_cuda_aware()
        self.cuda_aware = bool(cuda_aware)
        self.stats = CommStats()

    def bcast_data(self, model):
        """Overwrite every parameter with rank 0's (one Bcast each, in name
        order, as ChainerMN), staging GPU arrays through host memory."""
        for name, param in sorted(model.namedparams()):
            data = param.array
            if data is None:
                continue
            if not data.flags.c_contiguous:
                raise ValueError('bcast_data: parameter {} is not C-contiguous'
                                 .format(name))
            buf = self._to_mpi(data)
            self.mpi_comm.Bcast([buf, _mpi_byte()], root=0)
            self._from_mpi(buf, data)

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
        buf = _empty_like(grads[0], sum(g.size for g in grads), dtype)
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
        like = _first_array(groups)
        send = _empty_like(like, sum(counts), dtype)
        offset = 0
        for g, s in zip(groups, sym):
            offset = packing.pack_arrays(send, offset, g, s)
        recv = _empty_like(like, counts[self.rank], dtype)
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
        like = _first_array(groups)
        send = _empty_like(like, counts[self.rank], dtype)
        packing.pack_arrays(send, 0, groups[self.rank], sym[self.rank])
        recv = _empty_like(like, sum(counts), dtype)
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
        return host_staging.to_mpi(array, self.cuda_aware)

    def _from_mpi(self, staged, array):
        return host_staging.from_mpi(staged, array)


def _first_array(groups):
    for g in groups:
        for a in g:
            return a
    return numpy.empty(0, numpy.float32)


def _empty_like(array, size, dtype):
    """A new 1-d buffer of ``size`` elements of the array's kind (NumPy or
    CuPy, on the current device)."""
    xp = backend.get_array_module(array)
    return xp.empty_like(array, dtype=dtype, shape=(size,))


def _mpi_inplace():
    import mpi4py.MPI
    return mpi4py.MPI.IN_PLACE


def _mpi_byte():
    import mpi4py.MPI
    return mpi4py.MPI.BYTE


def _mpi_type(dtype):
    from mpi4py.util import dtlib
    return dtlib.from_numpy_dtype(dtype)
