"""Stale statistics (chainer_kfac/optimizers/stale_statistics.py): SP-NGD's
Algorithm 2 on a scripted sequence of estimates, worked by hand, and in the
optimizer: only due factors are computed, only refreshed layers inverted."""
import numpy as np
import pytest

from chainer_kfac import KFAC
from chainer_kfac.fisher.linear import LinearFisherBlock
from chainer_kfac.optimizers import stale_statistics as stale
from tests.optimizers.refinement_cases import HP
from tests.optimizers.refinement_cases import mlp_classifier

A = np.eye(3)
NEAR_A = A * 1.05          # ||NEAR_A - A|| / ||A|| = 0.05 < 0.1
FAR = A * 2.0              # 1.0: not similar


def test_similarity_is_relative_to_the_older_estimate():
    assert stale.similar(NEAR_A, A, 0.1)
    assert not stale.similar(A * 1.2, A, 0.1)
    assert not stale.similar(A, None, 0.1)


def test_intervals_on_a_scripted_sequence():
    """Worked by hand: Delta_-1, Delta_-2 start at 1, 0; a missing
    estimate is not similar."""
    f = stale.FactorStaleness()
    steps, dues = [], []
    script = [A, A, A, A, A, A,          # alike: 1, 1, 2, 3, 5 ...
              FAR,                       # unlike X_-1: halve
              FAR,                       # like X_-1, not X_-2: hold
              FAR]                       # like both: grow
    step = 0
    for x in script:
        assert step == f.due
        f.refreshed(step, x, 0.1)
        steps.append(step)
        dues.append(f.interval)
        step = f.due
    assert dues == [1, 1, 2, 3, 5, 8, 4, 4, 8]
    assert steps == [0, 1, 2, 4, 7, 12, 20, 24, 28]


def test_halving_stops_at_one():
    f = stale.FactorStaleness()
    for i, x in enumerate([A, A * 3, A * 9, A * 27]):
        f.refreshed(i, x, 0.1)
    assert f.interval == 1


class Spy(object):
    def __init__(self, monkeypatch):
        self.computed, self.inverted = [], []
        real_collect = LinearFisherBlock.collect
        real_invert = LinearFisherBlock.invert
        spy = self

        def collect(block, function, in_data, out_grad, wanted=None):
            spy.computed.append((block.name, tuple(wanted)))
            return real_collect(block, function, in_data, out_grad, wanted)

        def invert(block, damping):
            spy.inverted.append(block.name)
            return real_invert(block, damping)
        monkeypatch.setattr(LinearFisherBlock, 'collect', collect)
        monkeypatch.setattr(LinearFisherBlock, 'invert', invert)


def test_optimizer_computes_only_due_factors(monkeypatch):
    """One batch over and over, a tiny learning rate: the factors barely
    move, so their intervals grow as in the script; every factor computed
    is one the schedule said was due, and only those layers inverted."""
    rng = np.random.RandomState(0)
    x, t = rng.randn(8, 6).astype(np.float32), rng.randint(0, 4, 8)
    model = mlp_classifier()
    opt = KFAC(**dict(HP, lr=1e-6, stale_tolerance=0.1)).setup(model)
    spy = Spy(monkeypatch)
    refreshes = {}
    for step in range(13):
        wanted = opt.stale.wanted(step)
        spy.computed.clear()
        spy.inverted.clear()
        opt.update(model, x, t.astype(np.int32))
        due = {n: m for n, m in (wanted or {}).items() if any(m)}
        assert dict(spy.computed) == due
        assert sorted(spy.inverted) == sorted(due) or step == 0
        for name in due:
            refreshes.setdefault(name, []).append(step)
    assert refreshes == {'/predictor/0': [0, 1, 2, 4, 7, 12],
                         '/predictor/1': [0, 1, 2, 4, 7, 12]}


def test_wanted_is_none_when_nothing_is_due():
    model = mlp_classifier()
    opt = KFAC(stale_tolerance=0.1).setup(model)
    for f in opt.stale.factors['/predictor/0'] + \
            opt.stale.factors['/predictor/1']:
        f.due = 5
    assert opt.stale.wanted(4) is None
    assert opt.stale.wanted(5) == {'/predictor/0': (True, True),
                                   '/predictor/1': (True, True)}


def test_other_update_frequencies_are_refused():
    with pytest.raises(ValueError, match='leave cov_update_freq and '
                                         'inv_update_freq at 1'):
        KFAC(stale_tolerance=0.1, inv_update_freq=2).setup(mlp_classifier())


def test_each_factor_keeps_its_own_interval(monkeypatch):
    """The same inputs with other labels at every step: A stays alike (its
    interval grows), G does not (it is recomputed every step), so most
    steps compute G alone."""
    rng = np.random.RandomState(0)
    x = rng.randn(8, 6).astype(np.float32)
    labels = [rng.randint(0, 4, 8).astype(np.int32) for _ in range(10)]
    model = mlp_classifier()
    opt = KFAC(**dict(HP, lr=1e-6, stale_tolerance=0.1)).setup(model)
    spy = Spy(monkeypatch)
    for t in labels:
        opt.update(model, x, t)
    masks = [m for name, m in spy.computed if name == '/predictor/1']
    assert len(masks) == 10 and masks.count((False, True)) >= 5
    a, g = opt.stale.factors['/predictor/1']
    assert a.interval >= 3 and g.interval == 1
