import numpy as np
import pytest

import chainer

from chainer_kfac.optimizers import KFACUpdateRule
from chainer_kfac.optimizers.hyperparameters import _default_hyperparam
from chainer_kfac.preconditioning import kfgrad


def _param(grad, direction=None, dtype=np.float32):
    p = chainer.Parameter(np.zeros(3, dtype))
    p.grad = np.asarray(grad, dtype)
    if direction is not None:
        p.kfgrad = np.asarray(direction, dtype)
    return p


def _rule(**kw):
    rule = KFACUpdateRule(_default_hyperparam)
    rule.hyperparam.lr = rule.hyperparam.lr_pre = 0.1
    rule.hyperparam.momentum = 0.9
    for k, v in kw.items():
        setattr(rule.hyperparam, k, v)
    return rule


def test_uses_kfgrad_when_present_else_grad():
    rule = _rule()
    p = _param([1, 1, 1], direction=[2, 0, -2])
    rule.update(p)
    np.testing.assert_allclose(p.array, [-0.2, 0, 0.2], rtol=1e-6)
    q = _param([1, 1, 1])
    _rule().update(q)
    np.testing.assert_allclose(q.array, [-0.1] * 3, rtol=1e-6)


def _reference_velocities(schedule, mu, adjust, grad=1.0):
    """Chainer_K-FAC's rule written out: schedule = [(lr, lr_pre), ...];
    mu_t = mu * lr / lr_pre only if adjust and lr < lr_pre."""
    v, out, mus = 0.0, [], []
    for lr, lr_pre in schedule:
        m = mu * lr / lr_pre if adjust and lr < lr_pre else mu
        v = m * v - lr * grad
        out.append(v)
        mus.append(m)
    return out, mus


def _run(schedule, adjust):
    rule = _rule(adjust_momentum=adjust)
    p = _param([1, 1, 1])
    velocities = []
    for lr, lr_pre in schedule:
        rule.hyperparam.lr, rule.hyperparam.lr_pre = lr, lr_pre
        before = p.array.copy()
        rule.update(p)
        velocities.append(float((p.array - before)[0]))
    return velocities


# (lr, lr_pre) per step, as a schedule that sets lr_pre <- lr before each
# change leaves them.
DECREASING = [(0.1, 0.1), (0.05, 0.1), (0.05, 0.05), (0.01, 0.05),
              (0.005, 0.01)]
WARM_UP = [(0.01, 0.01), (0.02, 0.01), (0.04, 0.02), (0.08, 0.04),
           (0.08, 0.08)]
# A drop while nobody updates lr_pre (it stays at the constructor's lr):
# every step after the drop is adjusted.
DROP_LR_PRE_UNTOUCHED = [(0.1, 0.1), (0.02, 0.1), (0.02, 0.1), (0.02, 0.1)]


@pytest.mark.parametrize('schedule', [DECREASING, WARM_UP,
                                      DROP_LR_PRE_UNTOUCHED])
@pytest.mark.parametrize('adjust', [True, False])
def test_adjust_momentum_matches_the_original_formula(schedule, adjust):
    expected, mus = _reference_velocities(schedule, 0.9, adjust)
    np.testing.assert_allclose(_run(schedule, adjust), expected, rtol=1e-5)
    assert max(mus) <= 0.9 < 1


def test_adjust_momentum_never_raises_mu_in_a_warm_up():
    adjusted = _run(WARM_UP, True)
    plain = _run(WARM_UP, False)
    np.testing.assert_allclose(adjusted, plain, rtol=1e-6)


def test_drop_with_lr_pre_untouched_adjusts_every_later_step():
    v = _run(DROP_LR_PRE_UNTOUCHED, True)
    mu = 0.9 * 0.02 / 0.1
    np.testing.assert_allclose(v[2], mu * v[1] - 0.02, rtol=1e-5)
    np.testing.assert_allclose(v[3], mu * v[2] - 0.02, rtol=1e-5)


def test_loss_scale_is_removed_from_kfgrad_and_grad():
    rule = _rule()
    p = _param([4, 4, 4], direction=[8, 0, -8])
    p._loss_scale = 4.0
    rule.update(p)
    np.testing.assert_allclose(p.array, [-0.2, 0, 0.2], rtol=1e-6)
    q = _param([4, 4, 4])
    q._loss_scale = 4.0
    _rule().update(q)
    np.testing.assert_allclose(q.array, [-0.1] * 3, rtol=1e-6)


def test_fp32_update_of_a_float16_parameter_uses_the_kfgrad():
    rule = _rule()
    rule.use_fp32_update()
    p = _param([1, 1, 1], direction=[2e-4, 0, -2e-4], dtype=np.float16)
    p._loss_scale = 2.0
    for _ in range(3):
        rule.update(p)
    # float32 master copy: kfgrad / 2 = 1e-4, v1 = -1e-5, v2 = -1.9e-5,
    # v3 = -2.71e-5: w = -5.61e-5 (2e-4 in float16: 3 digits)
    master = rule._fp32_param
    assert master.dtype == np.float32 and p.dtype == np.float16
    np.testing.assert_allclose(master.array, [-5.61e-5, 0, 5.61e-5],
                               rtol=1e-3)
    np.testing.assert_allclose(p.array, master.array.astype(np.float16))
    assert kfgrad.get(master) is None
