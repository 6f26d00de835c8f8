"""KFAC's options beyond the update formula: loss_scale / float16 (as
Chainer_K-FAC), keyword-only hyperparameters declared once, the refusals."""
import dataclasses
import inspect

import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac import KFAC
from chainer_kfac.optimizers.kfac import KFACBlockOptions
from chainer_kfac.optimizers.kfac import KFACHyperparameters

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03)


def _net(seed=0, dtype=np.float32):
    np.random.seed(seed)
    with chainer.using_config('dtype', dtype):
        return chainer.Sequential(
            L.Convolution2D(2, 3, ksize=3, pad=1), L.BatchNormalization(3),
            F.relu, L.Linear(3 * 4 * 4, 4))


def _batches(steps, dtype=np.float32, n=8, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, 2, 4, 4).astype(dtype),
             rng.randint(0, 4, n).astype(np.int32)) for _ in range(steps)]


def _train(opt_kwargs, dtype=np.float32, fp32_update=False, steps=3):
    model = L.Classifier(_net(dtype=dtype))
    opt = KFAC(**dict(HP, **opt_kwargs)).setup(model)
    if fp32_update:
        opt.use_fp32_update()
    for x, t in _batches(steps, dtype):
        opt.update(model, x, t)
    return model, opt


def _params(model):
    return {n: p.array.astype(np.float64) for n, p in model.namedparams()}


def _assert_close(a, b, rtol, atol=0):
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=rtol, atol=atol,
                                   err_msg=name)


def test_static_loss_scale_gives_the_unscaled_updates():
    # Without unscaling, G would carry s^2 and kfgrad s: a different step.
    plain, _ = _train({})
    scaled, opt = _train({'loss_scale': 1024.0})
    assert opt._loss_scale == 1024.0
    _assert_close(_params(plain), _params(scaled), rtol=1e-4, atol=1e-6)


def test_float16_model_with_loss_scale_and_fp32_update_tracks_float32():
    ref, _ = _train({})
    half, opt = _train({'loss_scale': 256.0}, dtype=np.float16,
                       fp32_update=True)
    for block in opt.blocks:
        assert all(f.dtype == np.float32
                   for f in block.running_averages()), block.name
    got = _params(half)
    want = _params(ref)
    for name in want:
        err = np.abs(got[name] - want[name]).max()
        assert err < 2e-2 * max(1.0, np.abs(want[name]).max()), (name, err)


def test_hyperparameters_are_keyword_only_and_declared_once():
    names = [f.name for f in dataclasses.fields(KFACHyperparameters)]
    opt = KFAC()
    for name in names:
        assert getattr(opt, name) == getattr(opt.hyperparam, name)
    assert opt.lr_pre == opt.lr == 0.001
    assert KFAC(lr=0.2).lr_pre == 0.2       # lr_pre defaults to lr
    sig = inspect.signature(KFAC)
    # loss_scale and the block options (fixed at setup) are not hyperparameters
    assert [p for p in sig.parameters if p not in ['loss_scale'] + [
        f.name for f in dataclasses.fields(KFACBlockOptions)]] == names
    assert all(p.kind is p.KEYWORD_ONLY for p in sig.parameters.values())
    with pytest.raises(TypeError):
        KFAC(0.1)                           # positional: refused
    with pytest.raises(TypeError, match='lrr.*hyperparameters: lr, lr_pre'):
        KFAC(lrr=0.1)


def test_config_defaults_are_kfacs():
    from experiments.train import config
    section = config.SCHEMA['kfac']
    declared = [KFACHyperparameters(), KFACBlockOptions()]
    for name, (_, default) in section.items():
        owner = next(d for d in declared if hasattr(d, name))
        assert default == getattr(owner, name), name
    assert set(section) == {f.name for d in declared
                            for f in dataclasses.fields(d)} - {
        'lr', 'lr_pre', 'momentum'}
    assert {'bn_fisher', 'diagonalize',
            'damping_in_running_average'} <= set(section)
