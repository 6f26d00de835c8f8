"""The communicator interface: what K-FAC and the experiments ask of one.

:class:`KFACCommunicator` declares every collective that
:class:`~chainer_kfac.DistributedKFAC` and ``experiments/`` use, so that
nothing outside this package needs the MPI communicator underneath:

- rank facts: ``rank``, ``size``, ``intra_rank``, ``intra_size``,
  ``inter_rank``, ``inter_size``;
- the model: ``bcast_data`` (rank 0's parameters to every rank) and
  ``multi_node_mean_grad`` (every gradient replaced by its mean over ranks,
  as data-parallel SGD needs);
- packed arrays: :meth:`~KFACCommunicator.reduce_scatter_v_arrays` (rank r
  receives the mean over ranks of ``groups[r]``) and
  :meth:`~KFACCommunicator.all_gather_v_arrays` (every rank's ``groups[r]``
  overwritten with rank r's), both through one flat buffer laid out by a
  :class:`~chainer_kfac.distributed.plan.BufferPlan`;
- small Python objects: ``allreduce_obj`` (sum), ``bcast_obj``,
  ``allgather_obj``; and ``barrier``, ``abort``;
- :meth:`~KFACCommunicator.dup`: a :class:`SideChannel` of its own on the
  same ranks (``MPI_Comm_dup``), for decisions every rank takes together
  while training collectives may be in flight (``experiments/failure.py``).

The two packed collectives are implemented here, once: plan, pack, stage
(:meth:`_stage`: host staging of GPU arrays for an MPI that cannot read
them, identity otherwise), one transport call on the flat buffer, unstage,
scale by 1/size, unpack. A transport (MPI, NCCL) supplies only the two
flat-buffer calls, whether its segments are padded, and the rest of the
interface. ChainerMN's ``MpiCommunicatorBase`` provides the rank facts and
the ``*_obj`` collectives of both implementations.
"""
import abc
from typing import Any, ClassVar, List, NoReturn, Optional

import numpy

from chainer_kfac.distributed.plan import BufferPlan
from chainer_kfac.distributed.plan import Flags
from chainer_kfac.distributed.plan import Groups
from chainer_kfac.distributed.stats import CommStats


class SideChannel(abc.ABC):
    """Collectives on a duplicate of a communicator: they never meet the
    original's, nor another duplicate's, in flight."""

    @abc.abstractmethod
    def any(self, flag: bool) -> bool:
        """True on every rank if ``flag`` is true on any rank."""

    @abc.abstractmethod
    def all_reach(self, timeout_s: float) -> bool:
        """Whether every rank called this within ``timeout_s`` seconds (a
        non-blocking barrier, polled; False: give up waiting)."""


class KFACCommunicator(abc.ABC):
    """The collectives of distributed K-FAC (see the module docstring)."""

    #: True: every segment of a flat buffer is padded to the longest.
    pads_segments: ClassVar[bool] = False
    #: bytes and seconds per collective (:class:`CommStats`).
    stats: CommStats

    # -- rank facts -----------------------------------------------------------
    @property
    @abc.abstractmethod
    def rank(self) -> int:
        """This process's rank, 0 <= rank < size."""

    @property
    @abc.abstractmethod
    def size(self) -> int:
        """The number of ranks."""

    @property
    @abc.abstractmethod
    def intra_rank(self) -> int:
        """This process's rank among the ranks on its node."""

    @property
    @abc.abstractmethod
    def intra_size(self) -> int:
        """The number of ranks on this node."""

    @property
    @abc.abstractmethod
    def inter_rank(self) -> int:
        """This node's index among the nodes."""

    @property
    @abc.abstractmethod
    def inter_size(self) -> int:
        """The number of nodes."""

    # -- the model ------------------------------------------------------------
    @abc.abstractmethod
    def bcast_data(self, model: Any) -> None:
        """Overwrite every parameter of ``model`` with rank 0's."""

    @abc.abstractmethod
    def multi_node_mean_grad(self, model: Any,
                             zero_fill: bool = False) -> None:
        """Replace every gradient of ``model`` by its mean over ranks."""

    # -- small objects --------------------------------------------------------
    @abc.abstractmethod
    def allreduce_obj(self, obj: Any) -> Any:
        """The sum over ranks of ``obj`` (a number or a NumPy array)."""

    @abc.abstractmethod
    def bcast_obj(self, obj: Any, max_buf_len: int = 256 * 1024 * 1024,
                  root: int = 0) -> Any:
        """Rank ``root``'s ``obj``, on every rank (the others' ``obj`` is
        ignored)."""

    @abc.abstractmethod
    def allgather_obj(self, obj: Any) -> List[Any]:
        """Every rank's ``obj``, in rank order."""

    @abc.abstractmethod
    def barrier(self) -> None:
        """Wait until every rank has called it."""

    @abc.abstractmethod
    def abort(self, code: int) -> NoReturn:
        """End every rank's process with exit status ``code``."""

    @abc.abstractmethod
    def dup(self) -> SideChannel:
        """A new :class:`SideChannel` on these ranks; every rank calls it
        (collectively, in the same order)."""

    # -- the transport: one collective on a flat buffer -----------------------
    @abc.abstractmethod
    def _reduce_scatter_sum(self, send: Any, recv: Any,
                            plan: BufferPlan) -> None:
        """``recv`` <- the sum over ranks of segment ``rank`` of
        ``send``."""

    @abc.abstractmethod
    def _all_gather(self, send: Any, recv: Any, plan: BufferPlan) -> None:
        """Segment r of ``recv`` <- rank r's ``send``."""

    def _stage(self, array: Any) -> Any:
        """The buffer to hand to the transport for ``array``."""
        return array

    def _unstage(self, staged: Any, array: Any) -> Any:
        """Copy a staged result back into ``array``; returns ``array``."""
        return array

    # -- packed arrays: implemented once --------------------------------------
    def buffer_plan(self, groups: Groups, symmetric: Flags = None
                    ) -> BufferPlan:
        """The layout of a collective over ``groups`` (one per rank)."""
        if len(groups) != self.size:
            raise ValueError(
                'expected one group of arrays per rank ({}), got {}'.format(
                    self.size, len(groups)))
        return BufferPlan.of(groups, symmetric, self.pads_segments)

    def reduce_scatter_v_arrays(
            self, groups: Groups, symmetric: Flags = None,
            plan: Optional[BufferPlan] = None) -> List[Any]:
        """Mean over ranks of the arrays of ``groups[self.rank]``.

        Args:
            groups: ``groups[r]`` is the list of arrays rank r owns; every
                rank passes its local values of all of them, in the same
                order and shapes.
            symmetric: Like ``groups``; True marks a symmetric matrix, sent
                as its upper triangle. Ignored when ``plan`` is given.
            plan: :meth:`buffer_plan` of ``groups`` (built when None).

        Returns:
            New arrays, the means of ``groups[self.rank]``.
        """
        plan = plan or self.buffer_plan(groups, symmetric)
        like = _first_array(groups)
        send = plan.new_buffer(like, plan.total)
        plan.pack(send, groups)
        recv = plan.new_buffer(like, plan.segment_length(self.rank))
        send_t, recv_t = self._stage(send), self._stage(recv)
        with self.stats.timer('reduce_scatter_v', send.nbytes):
            self._reduce_scatter_sum(send_t, recv_t, plan)
        recv = self._unstage(recv_t, recv)
        recv *= recv.dtype.type(1.0 / self.size)
        return plan.unpack(recv, self.rank, 0)

    def all_gather_v_arrays(self, groups: Groups, symmetric: Flags = None,
                            plan: Optional[BufferPlan] = None) -> Groups:
        """Overwrite every rank's ``groups[r]`` with rank r's values, in
        place (arguments as :meth:`reduce_scatter_v_arrays`'s); returns
        ``groups``."""
        plan = plan or self.buffer_plan(groups, symmetric)
        like = _first_array(groups)
        send = plan.new_buffer(like, plan.segment_length(self.rank))
        plan.pack_segment(send, self.rank, groups[self.rank])
        recv = plan.new_buffer(like, plan.total)
        send_t, recv_t = self._stage(send), self._stage(recv)
        with self.stats.timer('all_gather_v', recv.nbytes):
            self._all_gather(send_t, recv_t, plan)
        recv = self._unstage(recv_t, recv)
        for r in range(self.size):
            if r != self.rank:
                plan.unpack(recv, r, plan.displs[r], out=groups[r])
        return groups


def _first_array(groups: Groups) -> Any:
    for g in groups:
        for a in g:
            return a
    return numpy.empty(0, numpy.float32)
