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
business; how arrays move is the communicator's. The global mini-batch is
the sum of the ranks' batches: the study's batch sizes (128, 2048) are
global, so each of N ranks takes batch/N examples. Ranks must use equal
per-rank batch sizes for the result to equal single-process K-FAC on the
global batch (means of per-rank means).
"""
import warnings

from chainer_kfac.distributed import assignment as assignment_module
from chainer_kfac.distributed.communicator import KFAC_COLLECTIVES
from chainer_kfac.fisher import UncoveredLinkBlock
from chainer_kfac.optimizers.kfac import KFAC


class DistributedKFAC(KFAC):

    """K-FAC over MPI ranks.

    Args:
        comm: A communicator from :func:`chainer_kfac.create_communicator`.
        assignment (str): ``'contiguous'`` (the original's split of the
            layer list) or ``'balanced'`` (greedy by inversion cost).
        only_pic_update_weight (bool): Owners update their layers'
            parameters and the parameters are all-gathered (True), or the
            preconditioned gradients are all-gathered and every rank updates
            everything (False).
        communicate_after_forward (bool): Chainer_K-FAC's option to send
            the A factors on a second CUDA stream while the backward runs.
            Only ``False`` is accepted: here A is computed during the
            backward (by the statistics hook) and every array of a step
            travels in one buffer, so there is nothing to send earlier; the
            values are the same either way.
        **kwargs: :class:`~chainer_kfac.KFAC`'s hyperparameters.
    """

    def __init__(self, comm, *, assignment='contiguous',
                 only_pic_update_weight=True, communicate_after_forward=False,
                 **kwargs):
        if communicate_after_forward:
            raise ValueError(
                'DistributedKFAC: communicate_after_forward=True is not '
                'supported (it only overlaps the A factors\' reduction with '
                'the backward on GPUs; the result is the same without it): '
                'drop the option')
        missing = [m for m in KFAC_COLLECTIVES if not hasattr(comm, m)]
        if missing:
            raise TypeError(
                'DistributedKFAC needs a communicator with the K-FAC '
                'collectives ({}); {} lacks them. Create one with '
                "chainer_kfac.create_communicator('mpi')".format(
                    ', '.join(missing), type(comm).__name__))
        if assignment not in assignment_module.METHODS:
            raise ValueError('DistributedKFAC: assignment must be one of {}, '
                             'not {!r}'.format(assignment_module.METHODS,
                                               assignment))
        super(DistributedKFAC, self).__init__(**kwargs)
        self.comm = comm
        self.assignment = assignment
        self.only_pic_update_weight = only_pic_update_weight
        self.groups = []
        self.owners = []
        self._owned = []
        self._synchronized = False

    def setup(self, link):
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
        self._owned = [[g for g, r in zip(self.groups, self.owners)
                        if r == rank] for rank in range(self.comm.size)]
        if self.only_pic_update_weight:
            # Only owners keep momentum for their parameters; disabling the
            # others' rules also lets a rank's snapshot omit their state.
            for group, owner in zip(self.groups, self.owners):
                for p in group.params():
                    p.update_rule.enabled = owner == self.comm.rank
        return self

    def owned(self, rank=None):
        """The groups (layers) ``rank`` owns (default: this rank)."""
        return self._owned[self.comm.rank if rank is None else rank]

    # -- one step -----------------------------------------------------------
    def update(self, lossfun=None, *args, **kwds):
        if not self._synchronized:
            self._synchronize_parameters()
        if args and hasattr(args[0], '__len__') and len(args[0]) == 0:
            raise ValueError(
                'DistributedKFAC: rank {} got an empty batch. The global '
                'batch is split over {} ranks; it must hold at least one '
                'example per rank'.format(self.comm.rank, self.comm.size))
        super(DistributedKFAC, self).update(lossfun, *args, **kwds)

    def _synchronize_parameters(self):
        """Check the model is the same everywhere; broadcast rank 0's."""
        shapes = []
        for name, p in sorted(self.target.namedparams()):
            shapes.append((name, tuple(p.shape), str(p.dtype)))
        every = self.comm.mpi_comm.allgather(shapes)
        for rank, theirs in enumerate(every):
            if theirs != shapes:
                diff = sorted(set(theirs) ^ set(shapes))
                raise ValueError(
                    'DistributedKFAC: the model differs between rank {} and '
                    'rank {} (first difference: {}); every rank must build '
                    'the same model'.format(self.comm.rank, rank, diff[:2]))
        self.comm.bcast_data(self.target)
        self._synchronized = True

    def _step(self, step, collect):
        comm, rank = self.comm, self.comm.rank
        current = self._pop_current_factors(collect)
        send = [[] for _ in range(comm.size)]
        sym = [[] for _ in range(comm.size)]
        for group, owner in zip(self.groups, self.owners):
            arrays = [p.grad for p in group.params()]
            flags = [False] * len(arrays)
            factors = current.get(group.name)
            if factors is not None:
                arrays += factors
                flags += group.symmetric_factors()
            send[owner] += arrays
            sym[owner] += flags
        reduced = iter(comm.reduce_scatter_v_arrays(send, sym))
        owned = self.owned()
        mine = {}
        for group in owned:
            for p in group.params():
                p.grad[...] = next(reduced)
            if current.get(group.name) is not None:
                mine[group.name] = [next(reduced) for _ in group.factor_names]
        owned_params = [(g.name + '/' + p.name, p) for g in owned
                        for p in g.params()]
        if not self._all_finite(step, owned, mine, owned_params):
            return
        self._precondition_blocks(step, owned, mine)
        self.t += 1
        if self.only_pic_update_weight:
            for group in owned:
                for p in group.params():
                    p.update()
            comm.all_gather_v_arrays(
                [[p.array for g in self.owned(r) for p in g.params()]
                 for r in range(comm.size)])
            return
        directions = []
        for r in range(comm.size):
            arrays = []
            for g in self.owned(r):
                for p in g.params():
                    kfgrad = getattr(p, 'kfgrad', None)
                    if r == rank and kfgrad is not None:
                        arrays.append(kfgrad)
                    else:
                        p.kfgrad = None
                        arrays.append(p.grad)
            directions.append(arrays)
        comm.all_gather_v_arrays(directions)
        for p in self.target.params():
            p.update()

    def _all_finite(self, step, blocks, current, named_params):
        ok = self._check_finite(step, blocks, current, named_params)
        if self.on_nonfinite != 'skip':
            return ok
        bad_ranks = self.comm.allreduce_obj(0 if ok else 1)
        if bad_ranks and ok:
            warnings.warn('DistributedKFAC: another rank found non-finite '
                          'values at step {}; skipping this update'.format(
                              step))
            self.skipped_steps += 1
        return bad_ranks == 0
