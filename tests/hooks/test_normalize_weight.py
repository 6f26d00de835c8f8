"""NormalizeWeight against Chainer_K-FAC's NormalizeWeightUR: by hand, and
against a transcription of the original's _normalize_weight."""
import math
import types

import numpy
import pytest

import chainer
import chainer.links as L

from chainer_kfac.hooks import NormalizeWeight
from chainer_kfac.hooks import add_normalize_weight
from chainer_kfac.hooks.normalize_weight import normalized_params


def _run(hook, growths, w0):
    """Apply the hook after each 'update' that multiplies W by g; return
    the norms after the hook and the steps where the norm was computed."""
    w = w0.copy()
    norms, computed = [], []
    for t, g in enumerate(growths, 1):
        w *= g
        before = hook.t_last
        hook(types.SimpleNamespace(t=t), types.SimpleNamespace(array=w))
        if hook.t_last != before or t == 1:
            computed.append(t)
        norms.append(numpy.linalg.norm(w))
    return norms, computed


def test_caps_the_norm_at_sqrt_2_cout_and_never_raises_it():
    w = numpy.ones((2, 4), 'f') * 3.0          # ||W|| = 3 sqrt(8) > 2
    hook = NormalizeWeight()
    hook(types.SimpleNamespace(t=1), types.SimpleNamespace(array=w))
    assert numpy.linalg.norm(w) == pytest.approx(2.0, rel=1e-6)
    small = numpy.full((2, 4), 0.1, 'f')       # ||W|| < 2: unchanged
    hook(types.SimpleNamespace(t=2), types.SimpleNamespace(array=small))
    assert numpy.all(small == numpy.float32(0.1))


def test_skip_intervals_by_hand_constant_growth():
    # W (2, 4): target sqrt(2*2) = 2; every update multiplies W by 1.25.
    # Then s = 0.8 at every computed step and s~ is always exact (e = 1):
    # the interval grows by one each time, up to 10. Computed at t = 1
    # (warm-up), 2 (warm-up ends: p = 1 -> 2), 4 (p = 2 -> 3), 7, 11, 16,
    # 22, 29, 37, 46 (interval 10), 56, 66. (The original divides by
    # log(1) = 0 here; see docs/faithfulness.md.)
    w0 = numpy.full((2, 4), 2 / math.sqrt(8), 'd')
    norms, computed = _run(NormalizeWeight(skip_scale_comp=True),
                           [1.25] * 70, w0)
    assert computed == [1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56, 66]
    numpy.testing.assert_allclose(norms, 2.0, rtol=1e-8)  # eps 1e-9


def test_first_intervals_by_hand():
    # t=1: ||W|| = 2.2 -> s = 2/2.2 = 0.90909, interval 1 (warm-up).
    # t=2: ||W|| = 2 * 1.101 -> s = 0.908265, p = 1: s~_new = s,
    #      e = 0.908265 / 0.909091 = 0.999092, log(0.98)/log(e) + 1 = 23.2
    #      -> n_max = 10, interval = min(10, p + 1) = 2: next at t = 4.
    # t=3: skipped, W *= 0.908265.
    hook = NormalizeWeight(skip_scale_comp=True)
    w0 = numpy.full((2, 4), 2 / math.sqrt(8), 'd')
    _run(hook, [1.1, 1.101, 1.0], w0)
    assert (hook.t_last, hook.t_next) == (2, 4)
    assert hook.scale == pytest.approx(2 / 2.202, rel=1e-12)


class _Original(object):
    """The original's NormalizeWeightUR._normalize_weight, transcribed."""

    def __init__(self):
        self._t = self._t_next = 0
        self._scale = None

    def __call__(self, t, w):
        if t < 2:
            calc_scale, calc_interval, pre_interval = True, False, 1
        elif t >= self._t_next:
            calc_scale, calc_interval = True, True
            pre_interval = self._t_next - self._t
        else:
            calc_scale = False
        if calc_scale:
            scale = math.sqrt(2.0 * w.shape[0]) / (
                numpy.linalg.norm(w) + 1e-9)
            if calc_interval:
                right = math.pow(scale * self._scale ** (pre_interval - 1),
                                 1 / pre_interval)
                err = self._scale / right
                if err > 1:
                    err = 1 / err
                max_interval = min(10, math.log(0.98, err) + 1)
                interval = int(min(max_interval, pre_interval + 1))
                self._scale = right
            else:
                interval = 1
                self._scale = scale
            self._t, self._t_next = t, t + interval
        else:
            scale = self._scale
        if scale < 1:
            w *= scale


def test_matches_the_original_on_noisy_growth():
    rng = numpy.random.RandomState(3)
    growths = 1.0 + 0.05 * rng.rand(200)       # e < 1 always
    w = rng.randn(4, 3, 3, 3)
    w_ref = w.copy()
    hook, original = NormalizeWeight(skip_scale_comp=True), _Original()
    intervals = set()
    for t, g in enumerate(growths, 1):
        w *= g
        w_ref *= g
        hook(types.SimpleNamespace(t=t), types.SimpleNamespace(array=w))
        original(t, w_ref)
        intervals.add(hook.t_next - hook.t_last)
        numpy.testing.assert_allclose(w, w_ref, rtol=1e-12)
    assert len(intervals) > 2          # the skip interval did change


def test_added_to_conv_and_linear_weights_only():
    model = chainer.Sequential(L.Convolution2D(1, 2, 3),
                               L.BatchNormalization(2), L.Linear(8, 3))
    opt = chainer.optimizers.MomentumSGD()
    opt.setup(model)
    state = add_normalize_weight(opt)
    params = state.params
    assert params == normalized_params(model)
    names = sorted(p.name + str(p.shape) for p in params)
    assert names == ['W(2, 1, 3, 3)', 'W(3, 8)']
    # One update with zero gradients: only the hook changes anything.
    for p in model.params():
        p.array[...] = 100.0
        p.grad = numpy.zeros_like(p.array)
    opt.update()
    assert numpy.linalg.norm(model[0].W.array) == pytest.approx(2.0)
    assert numpy.linalg.norm(model[2].W.array) == pytest.approx(
        math.sqrt(6.0))
    for p in (model[0].b, model[1].gamma, model[1].beta, model[2].b):
        assert numpy.all(p.array == 100.0)
