"""The K-FAC communicator over MPI (NumPy arrays, or CuPy arrays staged).

:class:`KFACMpiCommunicator` is a ChainerMN ``MpiCommunicatorBase`` (so
``scatter_dataset``, the multi-node evaluator and optimizer work with it)
and a :class:`~chainer_kfac.distributed.interface.KFACCommunicator`: its
transport is one ``MPI_Reduce_scatter`` with per-rank counts and one
``MPI_Allgatherv`` of the flat buffer, unpadded. It also implements
``bcast_data`` (one ``Bcast`` per parameter, in name order, as ChainerMN)
and ``multi_node_mean_grad`` (one ``Allreduce`` of every gradient packed,
so ``chainermn.create_multi_node_optimizer`` works on GPUs too).

NumPy buffers go to mpi4py directly. CuPy buffers are staged through host
memory unless the MPI is CUDA-aware (``cuda_aware=True``, or ``None``: ask
the MPI, see :mod:`chainer_kfac.distributed.cuda_aware`); see
:mod:`chainer_kfac.distributed.host_staging`. ChainerMN's other array
collectives refuse CuPy arrays on a non-CUDA-aware MPI instead of crashing
in it. The ``*_obj`` collectives pickle, and a pickled CuPy array is a host
copy (``cupy.ndarray.__reduce__`` calls ``get()``), so they need nothing.
"""
import time
from typing import Any, List, NoReturn, Optional

from chainermn.communicators import _memory_utility
from chainermn.communicators import mpi_communicator_base

from chainer_kfac.distributed import cuda_aware as cuda_aware_mpi
from chainer_kfac.distributed import host_staging
from chainer_kfac.distributed.interface import KFACCommunicator
from chainer_kfac.distributed.interface import SideChannel
from chainer_kfac.distributed.plan import BufferPlan
from chainer_kfac.distributed.stats import CommStats


class MpiProcessGroup(object):
    """Mix-in: the interface's ``allgather_obj``, ``barrier``, ``abort``
    and ``bcast_obj`` over ``self.mpi_comm`` (ChainerMN's base has the
    other ``*_obj`` collectives and the rank facts)."""

    mpi_comm: Any
    rank: int

    def bcast_obj(self, obj: Any, max_buf_len: int = 256 * 1024 * 1024,
                  root: int = 0) -> Any:
        """ChainerMN's (chunked) ``bcast_obj`` for any object, None
        included: it asserts that the root's object is not None and the
        others' are, so the root's travels in a 1-tuple."""
        box = (obj,) if self.rank == root else None
        # A mix-in: ChainerMN's base, after it in the MRO, has bcast_obj.
        return super(MpiProcessGroup, self).bcast_obj(  # type: ignore[misc]
            box, max_buf_len, root)[0]

    def allgather_obj(self, obj: Any) -> List[Any]:
        return self.mpi_comm.allgather(obj)

    def barrier(self) -> None:
        self.mpi_comm.Barrier()

    def abort(self, code: int) -> NoReturn:
        self.mpi_comm.Abort(code)
        raise SystemExit(code)  # not reached: MPI_Abort ends the process

    def dup(self) -> SideChannel:
        return MpiSideChannel(self.mpi_comm.Dup())


class MpiSideChannel(SideChannel):
    """A :class:`SideChannel` on an ``mpi4py`` communicator of its own
    (``MPI_Comm_dup`` of the run's)."""

    #: seconds between two tests of a non-blocking barrier.
    poll_s = 0.02

    def __init__(self, mpi_comm: Any):
        self.mpi_comm = mpi_comm

    def any(self, flag: bool) -> bool:
        from mpi4py import MPI
        return bool(self.mpi_comm.allreduce(int(bool(flag)), op=MPI.MAX))

    def all_reach(self, timeout_s: float) -> bool:
        request = self.mpi_comm.Ibarrier()
        deadline = time.time() + timeout_s
        while not request.Test():
            if time.time() > deadline:
                return False
            time.sleep(self.poll_s)
        return True


class KFACMpiCommunicator(host_staging.DeviceArrayGuard, MpiProcessGroup,
                          mpi_communicator_base.MpiCommunicatorBase,
                          KFACCommunicator):

    """K-FAC's collectives over an ``mpi4py`` communicator.

    Args:
        mpi_comm: The ``mpi4py.MPI.Comm``.
        cuda_aware (bool or None): Hand CuPy buffers to MPI directly (True),
            stage them through host memory (False), or ask the MPI (None).
    """

    def __init__(self, mpi_comm: Any, cuda_aware: Optional[bool] = None):
        super(KFACMpiCommunicator, self).__init__(mpi_comm)
        if cuda_aware is None:
            cuda_aware = cuda_aware_mpi.detect_cuda_aware()
        self.cuda_aware = bool(cuda_aware)
        self.stats = CommStats()
        self._mean_plan: Optional[BufferPlan] = None

    def bcast_data(self, model: Any) -> None:
        """Overwrite every parameter with rank 0's (one Bcast each, in name
        order, as ChainerMN), staging GPU arrays through host memory."""
        for name, param in sorted(model.namedparams()):
            data = param.array
            if data is None:
                continue
            if not data.flags.c_contiguous:
                raise ValueError('bcast_data: parameter {} is not C-contiguous'
                                 .format(name))
            buf = self._stage(data)
            self.mpi_comm.Bcast([buf, _mpi_byte()], root=0)
            self._unstage(buf, data)

    def multi_node_mean_grad(self, model: Any,
                             zero_fill: bool = False) -> None:
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
        plan = self._mean_plan
        if plan is None or not plan.fits([grads]):
            plan = self._mean_plan = BufferPlan.of([grads])
        buf = plan.new_buffer(grads[0], plan.total)
        plan.pack(buf, [grads])
        staged = self._stage(buf)
        with self.stats.timer('mean_grad', buf.nbytes):
            self.mpi_comm.Allreduce(_mpi_inplace(), staged)
        buf = self._unstage(staged, buf)
        buf *= buf.dtype.type(1.0 / self.size)
        plan.unpack(buf, 0, 0, out=grads)

    # -- the transport --------------------------------------------------------
    def _reduce_scatter_sum(self, send: Any, recv: Any,
                            plan: BufferPlan) -> None:
        self.mpi_comm.Reduce_scatter(send, recv, recvcounts=plan.counts)

    def _all_gather(self, send: Any, recv: Any, plan: BufferPlan) -> None:
        self.mpi_comm.Allgatherv(
            send, [recv, (plan.counts, plan.displs), _mpi_type(plan.dtype)])

    def _stage(self, array: Any) -> Any:
        return host_staging.to_mpi(array, self.cuda_aware)

    def _unstage(self, staged: Any, array: Any) -> Any:
        return host_staging.from_mpi(staged, array)


def _mpi_inplace() -> Any:
    import mpi4py.MPI
    return mpi4py.MPI.IN_PLACE


def _mpi_byte() -> Any:
    import mpi4py.MPI
    return mpi4py.MPI.BYTE


def _mpi_type(dtype: Any) -> Any:
    from mpi4py.util import dtlib
    return dtlib.from_numpy_dtype(dtype)
