"""The original's NCCL path: K-FAC's collectives on CuPy arrays over NCCL.

NCCL has no "v" collectives, so the buffer plan pads each owner's segment
to the largest (``pads_segments``): one ``ncclReduceScatter`` /
``ncclAllGather`` of ``size * width`` elements. Packing, the plan and the
scaling are :class:`~chainer_kfac.distributed.interface.KFACCommunicator`'s;
this class adds only the two NCCL calls (device pointers from the CUDA
array interface, on the null stream, waited for). ``bcast_data`` and
``multi_node_mean_grad`` are ChainerMN's ``PureNcclCommunicator``'s.

Importable without CuPy (CuPy is imported by the calls themselves);
:func:`~chainer_kfac.distributed.communicator.create_communicator` checks
that CuPy and NCCL load before building one.
"""
from typing import Any

from chainermn.communicators import _communication_utility
from chainermn.communicators import pure_nccl_communicator

from chainer_kfac.distributed.interface import KFACCommunicator
from chainer_kfac.distributed.mpi_communicator import MpiProcessGroup
from chainer_kfac.distributed.plan import BufferPlan
from chainer_kfac.distributed.stats import CommStats

#: ``ncclRedOp_t``'s ``ncclSum``.
NCCL_SUM = 0


class KFACPureNcclCommunicator(MpiProcessGroup,
                               pure_nccl_communicator.PureNcclCommunicator,
                               KFACCommunicator):

    """K-FAC's collectives over NCCL (one rank per GPU; needs CuPy)."""

    pads_segments = True

    def __init__(self, mpi_comm: Any):
        super(KFACPureNcclCommunicator, self).__init__(mpi_comm)
        self.stats = CommStats()

    def _reduce_scatter_sum(self, send: Any, recv: Any,
                            plan: BufferPlan) -> None:
        self._init_comms()
        stream = self._stream()
        self.nccl_comm.reduceScatter(
            _pointer(send), _pointer(recv), plan.width,
            self._nccl_type(plan.dtype), NCCL_SUM, stream.ptr)
        stream.synchronize()

    def _all_gather(self, send: Any, recv: Any, plan: BufferPlan) -> None:
        self._init_comms()
        stream = self._stream()
        self.nccl_comm.allGather(
            _pointer(send), _pointer(recv), plan.width,
            self._nccl_type(plan.dtype), stream.ptr)
        stream.synchronize()

    @staticmethod
    def _stream() -> Any:
        import cupy
        return cupy.cuda.Stream.null

    @staticmethod
    def _nccl_type(dtype: Any) -> int:
        return _communication_utility._get_nccl_type_id(dtype)


def _pointer(array: Any) -> int:
    """The device address of a GPU array (CUDA array interface)."""
    return array.__cuda_array_interface__['data'][0]
