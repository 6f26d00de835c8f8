"""``damping_in_running_average=True``: Chainer_K-FAC's in-place damping.

The original's ``FisherBlock.update_invs`` adds the damping to its stored
running averages before inverting them (``fill_diagonal`` on ``cov_ema``
itself; the ``copy()`` beside it is unused), except for a 1-D factor (only
the diagonal Linear A: the other diagonal factors are diagonal matrices
there), where it computes ``1 / (cov_ema + diagvals)``. pi is computed from
the stored averages before that step's damping. With ``cov_ema_decay == 1``
(or at the first step) the next average replaces them, so nothing
accumulates. Checked against the NumPy re-derivations in
tests/kfac_reference.py (Linear, Conv2D) and test_kfac_batchnorm.py (BN).
"""
import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac import KFAC
from tests import kfac_reference as ref
from tests.optimizers import test_kfac_batchnorm as bn_test
from tests.optimizers.test_kfac import _batches
from tests.optimizers.test_kfac import _ref_layers

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03)
TOL = dict(rtol=1e-7, atol=1e-10)


def _net(kind):
    np.random.seed(0)
    with chainer.using_config('dtype', np.float64):
        if kind == 'mlp':
            return chainer.Sequential(L.Linear(6, 5), F.relu, L.Linear(5, 4))
        return chainer.Sequential(L.Convolution2D(2, 3, ksize=3, pad=1),
                                  F.relu, L.Linear(3 * 4 * 4, 4))


def _as_matrix(f):
    return np.diag(f) if f.ndim == 1 else f


def _compare(opt, want):
    for block, w in zip(opt.blocks, want, strict=True):
        A, G = block.running_averages()
        np.testing.assert_allclose(_as_matrix(A), w['stored_A'], **TOL)
        np.testing.assert_allclose(_as_matrix(G), w['stored_G'], **TOL)
        assert block.pi == pytest.approx(w['pi'], rel=1e-9)
        np.testing.assert_allclose(block.link.W.kfgrad, w['kW'], **TOL)
        np.testing.assert_allclose(block.link.W.array, w['W'], **TOL)
        np.testing.assert_allclose(block.link.b.array, w['b'], **TOL)


@pytest.mark.parametrize('kind, shape', [('mlp', (6,)), ('conv', (2, 4, 4))])
@pytest.mark.parametrize('extra', [
    {}, dict(diagonalize=True), dict(inv_update_freq=2),
    dict(cov_ema_decay=1.0)])
def test_four_steps_match_the_originals_in_place_damping(kind, shape, extra):
    hp = dict(HP, **extra)
    net = _net(kind)
    model = L.Classifier(net)
    opt = KFAC(damping_in_running_average=True, **hp).setup(model)
    ref_kw = dict(hp, damping_in_running_average=True)
    reference = ref.RefKFAC(ref.RefNet(_ref_layers(net)), **ref_kw)
    without = ref.RefKFAC(ref.RefNet(_ref_layers(net)), **dict(
        ref_kw, damping_in_running_average=False))
    for x, t in _batches(shape, 4):
        x = x.astype(np.float64)
        reference.step(x, t)
        without.step(x, t)
        opt.update(model, x, t)
        _compare(opt, reference.log[-1])
    W_with = reference.log[-1][0]['W']
    W_without = without.log[-1][0]['W']
    if hp['cov_ema_decay'] == 1.0:   # replaced each step: no accumulation
        np.testing.assert_allclose(W_with, W_without, **TOL)
    else:   # the option matters far beyond the tolerance
        assert np.abs(W_with - W_without).max() > 1e3 * TOL['atol']


@pytest.mark.parametrize('mode', ['full', 'diagonal'])
@pytest.mark.parametrize('shape', bn_test.SHAPES)
@pytest.mark.parametrize('r', [0.7, 1.0])
def test_batchnorm_full_block_matches_the_original(mode, shape, r):
    c = shape[1]
    hp = dict(bn_test.HP, cov_ema_decay=r)
    bn = L.BatchNormalization(c, dtype=np.float64)
    bn.gamma.l2_coef = 0.1      # gamma's damping 16 * 0.1, beta's 16 * d
    model = chainer.Sequential(bn)
    opt = KFAC(damping_in_running_average=True,
               diagonalize=mode == 'diagonal', **hp).setup(model)
    (block,) = opt.blocks

    def lossfun(x, target):
        return F.sum(F.square(model(x) - target)) * 0.5 / len(x)

    batches = bn_test._batches(shape, steps=4)
    for (x, target), (ema, _kfgrad, gamma, beta) in zip(
            batches, bn_test.reference(batches, c, True, True, (0.1, 0.0),
                                       mode, in_place=True, hp=hp),
            strict=True):
        opt.update(lossfun, x, target)
        np.testing.assert_allclose(_as_matrix(block.running_averages()[0]),
                                   ema, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bn.gamma.array, gamma, rtol=1e-9)
        np.testing.assert_allclose(bn.beta.array, beta, rtol=1e-9,
                                   atol=1e-12)


def test_only_the_damping_of_the_successful_retry_enters_the_average():
    """A failed attempt changes nothing; the 10x damping that worked stays
    (the original had no retry: it failed there)."""
    net = _net('mlp')
    model = L.Classifier(net)
    opt = KFAC(damping_in_running_average=True, pi_type=None,
               **dict(HP, cov_ema_decay=1.0)).setup(model)
    block = opt.blocks[0]
    x, t = _batches((6,), 1)[0]
    opt.update(model, x.astype(np.float64), t)
    A, G = block.factors
    dim_a, dim_g = A.value.shape[0], G.value.shape[0]
    A.value, G.value = -0.5 * np.eye(dim_a), np.eye(dim_g)
    # sqrt(0.03) = 0.17 < 0.5 fails; sqrt(0.3) = 0.55 works
    with pytest.warns(UserWarning, match='retrying with damping 0.3'):
        opt._invert(1, block)
    np.testing.assert_allclose(A.value,
                               (0.3 ** 0.5 - 0.5) * np.eye(dim_a), **TOL)
    np.testing.assert_allclose(G.value,
                               (1 + 0.3 ** 0.5) * np.eye(dim_g), **TOL)


def test_unit_wise_batchnorm_is_refused_with_the_reason():
    with pytest.raises(ValueError, match='no unit-wise BatchNorm block'):
        KFAC(damping_in_running_average=True, bn_fisher='unit_wise')
    KFAC(damping_in_running_average=True, bn_fisher='unit_wise',
         diagonalize=True)   # the diagonal is the full block's


def test_create_block_refuses_the_same_combination():
    from chainer_kfac import fisher
    bn = L.BatchNormalization(3)
    with pytest.raises(ValueError, match='no unit-wise BatchNorm block'):
        fisher.create_block('/bn', bn, bn_fisher='unit_wise',
                            damping_in_running_average=True)
    with pytest.raises(ValueError, match='bn_fisher must be one of'):
        fisher.create_block('/bn', bn, bn_fisher='per_channel')
    block = fisher.create_block('/bn', bn, damping_in_running_average=True)
    assert block.damping_in_running_average is True
