"""The arrays of one DistributedKFAC step, by owner, and their buffer plans.

Every *group* (a Fisher block, or the factor-less block of a link K-FAC
does not cover) is owned by one rank (:mod:`.assignment`). Segment r of a
step's buffers holds the groups rank r owns, in the order of the groups:

- **reduce-scatter**: for each group, the gradients of its parameters, then
  those of its current factors that were collected this step (symmetric
  factors as upper triangles; every rank collects the same ones); the owner
  receives their means over ranks;
- **all-gather**: for each group, its parameters (the owner updated them),
  or the preconditioned gradients (``kfgrad``; ``grad`` where a group had
  none), which every rank then applies.

The buffer plans are built on the first step that needs them (a factor's
shape is known only after a backward) and reused; one is rebuilt only when
an array's shape or dtype no longer fits it. The reduce-scatter has one plan
per set of groups that brought factors (steps without statistics, with
``cov_update_freq > 1``, send gradients only).
"""
from typing import (Any, Dict, Hashable, List, Mapping, Optional, Protocol,
                    Sequence)

from chainer import backend

from chainer_kfac.distributed.interface import KFACCommunicator
from chainer_kfac.distributed.plan import BufferPlan
from chainer_kfac.preconditioning import kfgrad

#: A step's current factors by group name (None: none; an entry None: that
#: factor not brought).
Current = Mapping[str, Optional[Sequence[Optional[Any]]]]


class Group(Protocol):
    """What the exchange needs of a group (a Fisher block)."""

    name: str
    factor_names: Sequence[str]

    def params(self) -> Sequence[Any]:
        """The parameters the group preconditions, in order."""

    def symmetric_factors(self) -> Sequence[bool]:
        """Per factor: True for a symmetric matrix."""


class OwnerExchange(object):
    """The collectives of a DistributedKFAC step over ``groups``.

    Args:
        comm: The communicator.
        groups: Every group, in the order of the assignment.
        owners: ``owners[i]``: the rank that owns ``groups[i]``.
    """

    def __init__(self, comm: KFACCommunicator, groups: Sequence[Group],
                 owners: Sequence[int]):
        self.comm = comm
        self.by_rank: List[List[Group]] = [
            [g for g, o in zip(groups, owners, strict=True) if o == r]
            for r in range(comm.size)]
        self._plans: Dict[Hashable, BufferPlan] = {}

    def owned(self, rank: Optional[int] = None) -> List[Group]:
        """The groups ``rank`` owns (default: this rank)."""
        return self.by_rank[self.comm.rank if rank is None else rank]

    def reduce(self, current: Current) -> Dict[str, List[Any]]:
        """Reduce-scatter the gradients and ``current`` factors (by group
        name). The owned groups' gradients become their means over ranks;
        returns the owned groups' mean factors, by group name."""
        arrays = [[a for g in groups for a in _grads_and_factors(g, current)]
                  for groups in self.by_rank]
        key = ('reduce', tuple(_present(g, current)
                               for groups in self.by_rank for g in groups))
        plan = self._plan(key, arrays, lambda: [
            [s for g in groups for s in _flags(g, current)]
            for groups in self.by_rank])
        reduced = iter(self.comm.reduce_scatter_v_arrays(arrays, plan=plan))
        mine = {}
        for group in self.owned():
            for p in group.params():
                p.grad[...] = next(reduced)
            if current.get(group.name) is not None:
                mine[group.name] = [next(reduced) if here else None
                                    for here in _present(group, current)]
        return mine

    def gather_params(self) -> None:
        """All-gather each owner's parameters into every rank's."""
        arrays = [[p.array for g in groups for p in g.params()]
                  for groups in self.by_rank]
        self.comm.all_gather_v_arrays(arrays, plan=self._plan(
            'params', arrays))

    def gather_directions(self) -> None:
        """All-gather each owner's preconditioned gradients: the owner's
        ``kfgrad`` (its ``grad`` where it has none) lands in the other
        ranks' ``grad`` (for a float16 parameter: in a new float32
        ``kfgrad``, see :func:`.kfgrad.dtype_for`), and their other
        ``kfgrad`` is cleared."""
        arrays = []
        for r, groups in enumerate(self.by_rank):
            segment = []
            for p in (p for g in groups for p in g.params()):
                direction = kfgrad.get(p)
                if r == self.comm.rank and direction is not None:
                    segment.append(direction)
                else:
                    kfgrad.clear(p)
                    segment.append(_received_direction(p))
            arrays.append(segment)
        self.comm.all_gather_v_arrays(arrays, plan=self._plan(
            'params', arrays))

    def _plan(self, key: Hashable, arrays: Sequence[Sequence[Any]],
              flags: Any = None) -> BufferPlan:
        """The cached plan under ``key``, rebuilt if ``arrays`` do not fit
        it (``flags``: a function giving the symmetric flags)."""
        plan = self._plans.get(key)
        if plan is None or not plan.fits(arrays):
            plan = self.comm.buffer_plan(arrays,
                                         None if flags is None else flags())
            self._plans[key] = plan
        return plan


def _received_direction(param: Any) -> Any:
    """The array a non-owner receives ``param``'s direction in."""
    dtype = kfgrad.dtype_for(param.grad.dtype)
    if param.grad.dtype == dtype:
        return param.grad
    xp = backend.get_array_module(param.grad)
    buffer = xp.empty(param.grad.shape, dtype=dtype)
    kfgrad.replace(param, buffer)
    return buffer


def _present(group: Group, current: Current) -> Sequence[bool]:
    """Per factor of ``group``: brought this step (stale statistics and
    the Monte-Carlo passes bring some factors only)."""
    factors = current.get(group.name)
    if factors is None:
        return (False,) * len(group.factor_names)
    return tuple(f is not None for f in factors)


def _grads_and_factors(group: Group, current: Current) -> List[Any]:
    factors = current.get(group.name) or ()
    return [p.grad for p in group.params()] + [
        f for f in factors if f is not None]


def _flags(group: Group, current: Current) -> List[bool]:
    flags = [False] * len(group.params())
    return flags + [symmetric for symmetric, here in zip(
        group.symmetric_factors(), _present(group, current), strict=True)
        if here]
