"""Data-parallel K-FAC with the second-order work split over ranks.

Chainer_K-FAC's scheme (Osawa et al. 2019, sec. 5). Every rank runs the
forward/backward on its slice of the global mini-batch, then one step is:

1. **ReduceScatterV** of the gradients and the current Kronecker factors: the
   owner of each layer receives their mean over ranks (symmetric factors
   travel as upper triangles, all in one buffer);
2. the owner updates the layer's running averages, inverts its damped
   factors and computes the preconditioned gradient;
3. with ``only_pic_update_weight=True`` (default) the owner also updates the
   layer's parameters and an **AllGatherV** of the parameters follows;
   otherwise the preconditioned gradients are all-gathered and every rank
   applies the momentum update to every parameter.

Which rank owns which layer is :mod:`chainer_kfac.distributed.assignment`'s
business; which arrays travel in which buffer,
:class:`~chainer_kfac.distributed.exchange.OwnerExchange`'s; how they move,
the :class:`~chainer_kfac.distributed.interface.KFACCommunicator`'s. The
global mini-batch is the sum of the ranks' batches: the study's batch sizes
(128, 2048) are global, so each of N ranks takes batch/N examples. Ranks
must use equal per-rank batch sizes for the result to equal single-process
K-FAC on the global batch (means of per-rank means). The options are
declared once, in :class:`DistributedKFACOptions`.

Mixed precision: a float16 model's gradients and parameters travel in the
float32 buffers of the float32 factors (as the original's ``pure_nccl``
communicator; :func:`chainer_kfac.distributed.packing.common_dtype`). A
non-finite gradient or factor is found by the rank that owns it; under
dynamic loss scaling (or ``on_nonfinite='skip'``) the ranks agree on it
before the step (:meth:`DistributedKFAC._agree_on`), so that all skip it
and halve the loss scale together (:mod:`.overflow`).
"""
import collections.abc
import dataclasses
import inspect
from typing import Any, List, Optional, Tuple

from chainer_kfac.distributed import assignment as assignment_module
from chainer_kfac.distributed.exchange import OwnerExchange
from chainer_kfac.distributed.interface import KFACCommunicator
from chainer_kfac.fisher import UncoveredLinkBlock
from chainer_kfac.optimizers.kfac import KFAC


@dataclasses.dataclass(frozen=True)
class DistributedKFACOptions(object):
    """DistributedKFAC's own options and their defaults, declared once
    (``experiments/config.py``'s ``distributed:`` section takes them from
    here).

    Attributes:
        assignment: ``'contiguous'`` (the original's split of the layer
            list) or ``'balanced'`` (greedy by inversion cost); see
            :data:`chainer_kfac.distributed.assignment.METHODS`.
        only_pic_update_weight: Owners update their layers' parameters and
            the parameters are all-gathered (True), or the preconditioned
            gradients are all-gathered and every rank updates everything
            (False).
        communicate_after_forward: Chainer_K-FAC's option to send the A
            factors on a second CUDA stream while the backward runs. Only
            ``False`` is accepted: here A is computed during the backward
            (by the statistics hook) and every array of a step travels in
            one buffer, so there is nothing to send earlier; the values are
            the same either way.
    """

    assignment: str = 'contiguous'
    only_pic_update_weight: bool = True
    communicate_after_forward: bool = False

    def __post_init__(self) -> None:
        if self.communicate_after_forward:
            raise ValueError(
                'DistributedKFAC: communicate_after_forward=True is not '
                'supported (it only overlaps the A factors\' reduction with '
                'the backward on GPUs; the result is the same without it): '
                'drop the option')
        if self.assignment not in assignment_module.METHODS:
            raise ValueError('DistributedKFAC: assignment must be one of {}, '
                             'not {!r}'.format(assignment_module.METHODS,
                                               self.assignment))
        object.__setattr__(self, 'only_pic_update_weight',
                           bool(self.only_pic_update_weight))


class DistributedKFAC(KFAC):

    """K-FAC over MPI ranks.

    Args:
        comm: A communicator from :func:`chainer_kfac.create_communicator`
            (a :class:`~chainer_kfac.distributed.KFACCommunicator`).
        **options: Keyword-only, the fields of
            :class:`DistributedKFACOptions` (``assignment``,
            ``only_pic_update_weight``, ``communicate_after_forward``) and
            :class:`~chainer_kfac.KFAC`'s (``lr``, ``damping``, ...).
    """

    def __init__(self, comm: KFACCommunicator, **options: Any):
        if not isinstance(comm, KFACCommunicator):
            raise TypeError(
                'DistributedKFAC needs a K-FAC communicator (a '
                'chainer_kfac.distributed.KFACCommunicator), not {}. Create '
                "one with chainer_kfac.create_communicator('mpi')".format(
                    type(comm).__name__))
        names = [f.name for f in dataclasses.fields(DistributedKFACOptions)]
        own = DistributedKFACOptions(**{
            k: options.pop(k) for k in names if k in options})
        super(DistributedKFAC, self).__init__(**options)
        self.comm = comm
        self.assignment = own.assignment
        self.only_pic_update_weight = own.only_pic_update_weight
        self.groups: List[Any] = []
        self.owners: List[int] = []
        self._exchange: Optional[OwnerExchange] = None
        self._synchronized = False

    def setup(self, link: Any) -> 'DistributedKFAC':
        for name, p in sorted(link.namedparams()):
            if p.array is None:
                raise ValueError(
                    'DistributedKFAC: parameter {!r} is uninitialized; give '
                    'its link the input size (e.g. L.Linear(in, out)) so '
                    "that the layers can be assigned to ranks and rank 0's "
                    'initial values broadcast'.format(name))
        super(DistributedKFAC, self).setup(link)
        plain = [UncoveredLinkBlock(name, sub)
                 for name, sub in self.uncovered_links]
        self.groups = list(self.blocks) + plain
        costs = [assignment_module.inversion_cost(g) for g in self.groups]
        self.owners = assignment_module.assign(
            costs, self.comm.size, self.assignment)
        self._exchange = OwnerExchange(self.comm, self.groups, self.owners)
        if self.only_pic_update_weight:
            # Only owners keep momentum for their parameters; disabling the
            # others' rules also lets a rank's snapshot omit their state.
            for group, owner in zip(self.groups, self.owners, strict=True):
                for p in group.params():
                    p.update_rule.enabled = owner == self.comm.rank
        return self

    @property
    def exchange(self) -> OwnerExchange:
        """Which arrays go to which rank (built by :meth:`setup`)."""
        if self._exchange is None:
            raise RuntimeError('DistributedKFAC: call setup(model) first')
        return self._exchange

    def owned(self, rank: Optional[int] = None) -> List[Any]:
        """The groups (layers) ``rank`` owns (default: this rank)."""
        return self.exchange.owned(rank)

    # -- one step -----------------------------------------------------------
    def update(self, lossfun: Any = None, *args: Any, **kwds: Any) -> None:
        if not self._synchronized:
            self._synchronize_parameters()
        if args and isinstance(args[0], collections.abc.Sized) \
                and len(args[0]) == 0:
            raise ValueError(
                'DistributedKFAC: rank {} got an empty batch. The global '
                'batch is split over {} ranks; it must hold at least one '
                'example per rank'.format(self.comm.rank, self.comm.size))
        super(DistributedKFAC, self).update(lossfun, *args, **kwds)

    def _synchronize_parameters(self) -> None:
        """Check the model is the same everywhere; broadcast rank 0's."""
        shapes = []
        for name, p in sorted(self.target.namedparams()):
            shapes.append((name, tuple(p.shape), str(p.dtype)))
        every = self.comm.allgather_obj(shapes)
        for rank, theirs in enumerate(every):
            if theirs != shapes:
                diff = sorted(set(theirs) ^ set(shapes))
                raise ValueError(
                    'DistributedKFAC: the model differs between rank {} and '
                    'rank {} (first difference: {}); every rank must build '
                    'the same model'.format(self.comm.rank, rank, diff[:2]))
        self.comm.bcast_data(self.target)
        self._synchronized = True

    def _step(self, step: int, collect: bool) -> None:
        """Reduce-scatter, the owner's K-FAC work, all-gather (see the
        module docstring)."""
        current = self._pop_current_factors(collect)
        mine = self.exchange.reduce(current)
        owned = self.owned()
        owned_params = [(g.name + '/' + p.name, p) for g in owned
                        for p in g.params()]
        if not self._check_finite(step, owned, mine, owned_params):
            return
        self._precondition_blocks(step, owned, mine)
        if collect and self.stale is not None:
            self._share_schedules(owned)
        self._clip(owned)
        self.t += 1
        self._before_update(owned)
        if self.only_pic_update_weight:
            for _, param in owned_params:
                param.update()
            self.exchange.gather_params()
        else:
            self.exchange.gather_directions()
            for param in self.target.params():
                param.update()

    def _sum_over_ranks(self, value: Any) -> Any:
        return self.comm.allreduce_obj(value)

    def _rank_and_size(self) -> Tuple[int, int]:
        return self.comm.rank, self.comm.size

    def _share_schedules(self, owned: Any) -> None:
        """Every rank gets the schedules the owners just set (stale
        statistics; every rank calls it at every step that collected)."""
        stale = self.stale
        assert stale is not None
        for theirs in self.comm.allgather_obj(
                stale.schedules(g.name for g in owned)):
            stale.set_schedules(theirs)

    def _agree_on(self, bad: Optional[str]) -> Optional[str]:
        """Every rank learns whether any rank found a non-finite value in
        what it owns, so that all skip (and, under dynamic loss scaling,
        halve the scale) together; with ``on_nonfinite='raise'`` and no
        dynamic scaling the finding rank raises alone (and the launcher
        ends the others)."""
        if self.on_nonfinite != 'skip' and \
                not self._loss_scaling_is_dynamic:
            return bad
        bad_ranks = self.comm.allreduce_obj(0 if bad is None else 1)
        if bad_ranks and bad is None:
            return 'value on {} other rank(s)'.format(bad_ranks)
        return bad


def _declare_options() -> None:
    """A signature listing the options (for ``help(DistributedKFAC)``)."""
    kfac = inspect.signature(KFAC.__init__).parameters.values()
    params = [inspect.Parameter('self', inspect.Parameter.POSITIONAL_ONLY),
              inspect.Parameter('comm',
                                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=KFACCommunicator)]
    for field in dataclasses.fields(DistributedKFACOptions):
        params.append(inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY,
            default=field.default, annotation=field.type))
    params += [p for p in kfac if p.name != 'self']
    # setattr: mypy declares no __signature__ on a function.
    setattr(DistributedKFAC.__init__, '__signature__',  # noqa: B010
            inspect.Signature(params))


_declare_options()
