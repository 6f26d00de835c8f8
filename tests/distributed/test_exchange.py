"""OwnerExchange: which arrays of a DistributedKFAC step go where, and its
buffer plans built once (ranks as threads, no MPI)."""
import types

import numpy as np

from tests.distributed.local_world import LocalComm
from tests.distributed.local_world import run_ranks
from chainer_kfac.distributed.exchange import OwnerExchange


class Group(object):
    """A Kronecker-like group: W (out x in) and b; factors A, G."""

    factor_names = ('A', 'G')

    def __init__(self, name, n_in, n_out, rank):
        rng = np.random.RandomState(len(name) * 10 + rank)
        self.name = name
        self._params = [
            types.SimpleNamespace(
                name=p, array=rng.randn(*shape).astype(np.float32),
                grad=rng.randn(*shape).astype(np.float32), kfgrad=None)
            for p, shape in (('W', (n_out, n_in)), ('b', (n_out,)))]
        self.shapes = (n_in, n_out)

    def params(self):
        return self._params

    def symmetric_factors(self):
        return [True, True]

    def factors(self, seed):
        rng = np.random.RandomState(seed)
        out = []
        for n in self.shapes:
            m = rng.randn(n, n).astype(np.float32)
            out.append(m + m.T)
        return out


def make_groups(rank):
    return [Group('a', 3, 2, rank), Group('bb', 5, 4, rank),
            Group('ccc', 2, 2, rank)]


OWNERS = [1, 0, 1]


def test_reduce_gives_owners_the_means_and_reuses_its_plan():
    def rank_main(rank, world):
        comm = LocalComm(world, rank)
        groups = make_groups(rank)
        ex = OwnerExchange(comm, groups, OWNERS)
        grads = [[p.grad.copy() for p in g.params()] for g in groups]
        current = {g.name: g.factors(rank) for g in groups}
        mine = ex.reduce(current)
        plans = dict(ex._plans)
        ex.reduce({g.name: g.factors(rank) for g in groups})
        ex.reduce({})                      # a step without statistics
        ex.reduce({g.name: g.factors(rank) for g in groups})
        return grads, current, mine, groups, plans, dict(ex._plans)

    results = run_ranks(2, rank_main)
    for rank, (_, _, mine, groups, plans, after) in enumerate(results):
        owned = [i for i, o in enumerate(OWNERS) if o == rank]
        assert sorted(mine) == sorted(groups[i].name for i in owned)
        for i in owned:
            for k, _name in enumerate(('A', 'G')):
                want = np.mean([r[1][groups[i].name][k] for r in results],
                               axis=0)
                np.testing.assert_allclose(mine[groups[i].name][k], want,
                                           rtol=1e-6, atol=1e-6)
        # one plan with factors, one without; the first one reused
        assert len(after) == 2
        key = next(iter(plans))
        assert after[key] is plans[key]


def test_reduce_writes_mean_gradients_into_the_owned_groups_only():
    def rank_main(rank, world):
        groups = make_groups(rank)
        before = [[p.grad.copy() for p in g.params()] for g in groups]
        OwnerExchange(LocalComm(world, rank), groups, OWNERS).reduce({})
        return before, groups

    results = run_ranks(2, rank_main)
    for rank, (before, groups) in enumerate(results):
        for i, g in enumerate(groups):
            for k, p in enumerate(g.params()):
                if OWNERS[i] == rank:
                    want = np.mean([r[0][i][k] for r in results], axis=0)
                    np.testing.assert_allclose(p.grad, want, rtol=1e-6)
                else:
                    np.testing.assert_array_equal(p.grad, before[i][k])


def test_a_new_shape_rebuilds_the_plan():
    comm = LocalComm()
    groups = make_groups(0)
    ex = OwnerExchange(comm, groups, [0, 0, 0])
    ex.gather_params()
    first = ex._plans['params']
    ex.gather_params()
    assert ex._plans['params'] is first
    p = groups[0].params()[1]
    p.array = np.zeros(3, np.float32)
    p.grad = np.zeros(3, np.float32)
    ex.gather_params()
    assert ex._plans['params'] is not first
    assert ex._plans['params'].segments[0][1].shape == (3,)


def test_gathers_copy_the_owners_parameters_and_directions():
    def rank_main(rank, world):
        groups = make_groups(rank)
        ex = OwnerExchange(LocalComm(world, rank), groups, OWNERS)
        ex.gather_params()
        for g in ex.owned():
            w = g.params()[0]
            w.kfgrad = np.full(w.array.shape, rank + 5., np.float32)
        for g in groups:
            if g not in ex.owned():
                g.params()[0].kfgrad = np.zeros(1)   # stale: cleared
        ex.gather_directions()
        return groups

    results = run_ranks(2, rank_main)
    for rank, groups in enumerate(results):
        for i, g in enumerate(groups):
            owner = results[OWNERS[i]][i]
            for p, q in zip(g.params(), owner.params(), strict=True):
                np.testing.assert_array_equal(p.array, q.array)
            w, b = g.params()
            if OWNERS[i] == rank:
                assert w.kfgrad[0, 0] == rank + 5.
            else:
                assert w.kfgrad is None and b.kfgrad is None
                np.testing.assert_array_equal(w.grad, OWNERS[i] + 5.)
                np.testing.assert_array_equal(b.grad, owner.params()[1].grad)
