"""KFAC on a BatchNorm layer against a NumPy re-derivation of the original.

The reference below is written from Chainer_K-FAC's
``fisher_blocks/normalizations/batch_normalization.py`` and
``fisher_block.py`` (not from this package): per-example gradients
s_i = n [sum_s gy x^ | sum_s gy] (x^ from batch statistics), F = s^T s / n,
running average F <- r F_cur + (1 - r) F, damping stab_coeff * max(d,
l2_coef) on the diagonal (gamma's and beta's own l2_coef), no pi, F's
inverse times [grad gamma | grad beta], momentum update. One deliberate
difference is kept out of the reference: the original adds the damping to
its running average in place (docs/faithfulness.md, difference 1).
``unit_wise`` keeps the per-channel 2 x 2 blocks of F, ``diagonalize`` F's
diagonal.
"""
import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac import KFAC

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03,
          stab_coeff=16.0)
SHAPES = [(8, 3, 4, 4), (8, 3)]
PARAMS = [(True, True), (True, False), (False, True)]


def _batches(shape, steps=3, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(*shape) * 2 + 1, rng.randn(*shape))
            for _ in range(steps)]


def _mask(mode, c, size):
    if mode == 'diagonal':
        return np.eye(size)
    if mode == 'unit_wise':  # entries of the same channel only
        i = np.arange(size)
        return (i[:, None] % c == i[None, :] % c).astype(float)
    return np.ones((size, size))


def reference(batches, c, use_gamma, use_beta, l2, mode, in_place=False,
              hp=HP):
    """Yields (F running average, kfgrad, gamma, beta) after each step.

    ``in_place``: the original's ``update_invs``, which adds the damping to
    the stored running average before inverting it."""
    gamma, beta = np.ones(c), np.zeros(c)
    size = c * (use_gamma + use_beta)
    v, ema = np.zeros(size), None
    lam = np.concatenate(
        [np.full(c, hp['stab_coeff'] * max(hp['damping'], l2[0]))] *
        use_gamma +
        [np.full(c, hp['stab_coeff'] * max(hp['damping'], l2[1]))] *
        use_beta)
    for x, target in batches:
        n = x.shape[0]
        axis, spatial = ((0, 2, 3), (2, 3)) if x.ndim == 4 else ((0,), ())
        bshape = (1, c) + (1,) * (x.ndim - 2)
        x_hat = (x - x.mean(axis=axis, keepdims=True)) / np.sqrt(
            x.var(axis=axis, keepdims=True) + 2e-5)
        y = gamma.reshape(bshape) * x_hat + beta.reshape(bshape)
        gy = (y - target) / n  # d/dy of sum((y - target)^2) / (2 n)
        per = [(gy * x_hat).sum(axis=spatial)] * use_gamma + \
            [gy.sum(axis=spatial)] * use_beta
        per = np.concatenate(per, axis=1)          # (n, size)
        s = n * per
        F_cur = s.T @ s / n * _mask(mode, c, size)
        r = hp['cov_ema_decay']
        ema = F_cur if ema is None or r == 1 else r * F_cur + (1 - r) * ema
        kfgrad = np.linalg.inv(ema + np.diag(lam)) @ per.sum(axis=0)
        if in_place:   # the original's diagonal F is a diagonal matrix
            ema = ema + np.diag(lam)
        v = hp['momentum'] * v - hp['lr'] * kfgrad
        params = np.concatenate([gamma] * use_gamma + [beta] * use_beta) + v
        if use_gamma:
            gamma = params[:c]
        if use_beta:
            beta = params[-c:]
        yield ema, kfgrad, gamma, beta


def _package_factor(block, mode, c, k):
    """The block's running average as the reference's full matrix."""
    (f,) = block.running_averages()
    if mode == 'diagonal':
        return np.diag(f)
    if mode == 'unit_wise':
        full = np.zeros((c * k, c * k))
        for ch in range(c):
            idx = [ch + j * c for j in range(k)]
            full[np.ix_(idx, idx)] = f[ch]
        return full
    return f


OPTIONS = {'full': {}, 'unit_wise': dict(bn_fisher='unit_wise'),
           'diagonal': dict(diagonalize=True)}


@pytest.mark.parametrize('mode', sorted(OPTIONS))
@pytest.mark.parametrize('shape', SHAPES)
@pytest.mark.parametrize('use_gamma, use_beta', PARAMS)
def test_three_steps_match_the_original_bn_block(mode, shape, use_gamma,
                                                 use_beta):
    c, k = shape[1], use_gamma + use_beta
    l2 = (0.1, 0.0) if use_gamma and use_beta else (0.0, 0.0)
    bn = L.BatchNormalization(c, dtype=np.float64, use_gamma=use_gamma,
                              use_beta=use_beta)
    if l2[0]:
        bn.gamma.l2_coef = l2[0]   # gamma damped with 16 * 0.1, beta 16 * d
    model = chainer.Sequential(bn)
    opt = KFAC(**HP, **OPTIONS[mode]).setup(model)
    (block,) = opt.blocks

    def lossfun(x, target):
        return F.sum(F.square(model(x) - target)) * 0.5 / len(x)

    batches = _batches(shape)
    for (x, target), want in zip(batches, reference(
            batches, c, use_gamma, use_beta, l2, mode), strict=True):
        opt.update(lossfun, x, target)
        ema, kfgrad, gamma, beta = want
        np.testing.assert_allclose(_package_factor(block, mode, c, k), ema,
                                   rtol=1e-9, atol=1e-12)
        got = np.concatenate([p.kfgrad for p in block.params()])
        np.testing.assert_allclose(got, kfgrad, rtol=1e-8)
        if use_gamma:
            np.testing.assert_allclose(bn.gamma.array, gamma, rtol=1e-9)
        if use_beta:
            np.testing.assert_allclose(bn.beta.array, beta, rtol=1e-9,
                                       atol=1e-12)
    assert opt.t == 3


def test_full_and_unit_wise_differ_when_channels_correlate():
    """The original's full matrix is not the per-channel approximation."""
    results = []
    for mode in ('full', 'unit_wise'):
        bn = L.BatchNormalization(3, dtype=np.float64)
        model = chainer.Sequential(bn)
        opt = KFAC(**HP, **OPTIONS[mode]).setup(model)
        x, target = _batches((8, 3))[0]
        x[:, 1] += 3 * x[:, 0]  # correlated channels
        opt.update(lambda x, t, model=model: F.sum(F.square(model(x) - t)),
                   x, target)
        results.append(bn.gamma.kfgrad.copy())
    assert not np.allclose(results[0], results[1], rtol=1e-3)
