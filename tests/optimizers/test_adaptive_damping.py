"""Adaptive damping (chainer_kfac/optimizers/adaptive_damping.py): the
Levenberg-Marquardt rule, the quadratic model against an explicit
Kronecker product, rho = 1 on a loss that is exactly the model, and the
optimizer's damping moving only by omega^(+-1) at every T-th step."""
import math

import numpy as np
import pytest

import chainer
import chainer.links as L

from chainer_kfac import KFAC
from chainer_kfac.fisher.linear import LinearFisherBlock
from chainer_kfac.optimizers import adaptive_damping as ad
from tests.optimizers.refinement_cases import batches
from tests.optimizers.refinement_cases import conv_classifier
from tests.optimizers.refinement_cases import HP
from tests.optimizers.refinement_cases import mlp_classifier


@pytest.mark.parametrize('rho, factor', [
    (0.9, 0.95 ** 5), (0.5, 1.0), (0.1, 0.95 ** -5), (-3.0, 0.95 ** -5),
    (float('nan'), 0.95 ** -5), (-math.inf, 0.95 ** -5)])
def test_levenberg_marquardt_rule(rho, factor):
    assert ad.adapted(0.01, rho, 5) == pytest.approx(0.01 * factor)


def test_bounds():
    assert ad.adapted(1e-8, 1.0, 1) == 1e-8
    assert ad.adapted(1e8, -1.0, 1) == 1e8


def test_no_predicted_decrease_is_minus_infinity():
    assert ad.reduction_ratio(1.0, 0.5, 0.0) == -math.inf
    assert ad.reduction_ratio(1.0, 0.5, -0.25) == pytest.approx(2.0)


def a_block_with_factors(seed=0):
    rng = np.random.RandomState(seed)
    link = L.Linear(3, 2)
    block = LinearFisherBlock('/l', link)
    a = rng.randn(4, 4)
    g = rng.randn(2, 2)
    A, G = a @ a.T + np.eye(4), g @ g.T + np.eye(2)
    block.update_running_average([A.astype(np.float32),
                                  G.astype(np.float32)], 1.0)
    link.W.grad = rng.randn(2, 3).astype(np.float32)
    link.b.grad = rng.randn(2).astype(np.float32)
    return link, block, A, G


def vec(link, arrays):
    """Column-major vec of [W | b] (the Kronecker convention)."""
    return np.concatenate([arrays[0], arrays[1][:, None]], 1).ravel('F')


def test_model_change_is_the_explicit_quadratic():
    link, block, A, G = a_block_with_factors()
    step = ad.AdaptationStep(loss_before=0.0, decay_rate=0.0)
    step.record([block], None)
    before = [link.W.array.copy(), link.b.array.copy()]
    rng = np.random.RandomState(1)
    link.W.array += rng.randn(2, 3).astype(link.W.dtype)
    link.b.array += rng.randn(2).astype(link.b.dtype)
    d = vec(link, [link.W.array - before[0], link.b.array - before[1]])
    g = vec(link, [link.W.grad, link.b.grad])
    expected = g @ d + 0.5 * d @ np.kron(A, G) @ d
    assert step.model_change() == pytest.approx(expected, rel=1e-5)


def test_rho_is_one_on_a_loss_that_is_the_quadratic_model():
    """h(theta) = g^T (theta - theta0) + 1/2 (.)^T (A (x) G) (.): its
    reduction ratio for any step is exactly 1 and the damping falls."""
    link, block, A, G = a_block_with_factors()
    theta0 = [link.W.array.copy(), link.b.array.copy()]
    g = vec(link, [link.W.grad, link.b.grad])

    def h():
        d = vec(link, [link.W.array - theta0[0], link.b.array - theta0[1]])
        return float(g @ d + 0.5 * d @ np.kron(A, G) @ d)
    step = ad.AdaptationStep(loss_before=h(), decay_rate=0.0)
    step.record([block], None)
    link.W.array -= 0.1 * link.W.grad.astype(link.W.dtype)
    link.b.array -= 0.1 * link.b.grad.astype(link.b.dtype)
    rho = ad.reduction_ratio(step.loss_before, h(), step.model_change())
    assert rho == pytest.approx(1.0, rel=1e-5)
    assert ad.adapted(0.1, rho, 3) == pytest.approx(0.1 * 0.95 ** 3)


def test_the_optimizer_adapts_every_t_steps():
    model = mlp_classifier()
    opt = KFAC(**dict(HP, damping_adaptation_interval=2)).setup(model)
    seen = []
    reporter = chainer.Reporter()
    reporter.add_observer('main', model)
    for x, t in batches((6,), 6):
        observation = {}
        with reporter.scope(observation):
            opt.update(model, x, t)
        seen.append(observation)
    adapted = [i for i, o in enumerate(seen) if 'damping' in o]
    assert adapted == [1, 3, 5]
    for i in adapted:
        assert np.isfinite(seen[i]['reduction_ratio']) or \
            seen[i]['reduction_ratio'] == -math.inf
    dampings = [0.03] + [seen[i]['damping'] for i in adapted]
    ratios = [b / a for a, b in zip(dampings, dampings[1:], strict=False)]
    for r in ratios:
        assert min(abs(r - 0.95 ** 2), abs(r - 1), abs(r - 0.95 ** -2)) \
            < 1e-9
    assert opt.damping == seen[5]['damping']


def test_the_extra_forward_leaves_batchnorm_statistics_alone():
    x, t = batches((2, 4, 4), 1)[0]
    plain, adapting = conv_classifier(batch_norm=True), \
        conv_classifier(batch_norm=True)
    KFAC(**HP).setup(plain).update(plain, x, t)
    KFAC(**dict(HP, damping_adaptation_interval=1)).setup(adapting).update(
        adapting, x, t)
    bn_plain, bn_adapting = plain.predictor[1], adapting.predictor[1]
    np.testing.assert_array_equal(bn_plain.avg_mean, bn_adapting.avg_mean)
    np.testing.assert_array_equal(bn_plain.avg_var, bn_adapting.avg_var)
    assert bn_plain.N == bn_adapting.N


def test_accumulated_steps_are_refused():
    with pytest.raises(ValueError, match='needs acc_iters=1'):
        KFAC(damping_adaptation_interval=2, acc_iters=2).setup(
            mlp_classifier())


def test_rho_is_one_with_weight_decay_in_the_loss():
    """h = q + 1/2 eta ||theta||^2 with q the quadratic model: the step's
    gradient carries eta theta (as after the WeightDecay hook) and the
    model 1/2 eta ||delta||^2."""
    eta = 0.3
    link, block, A, G = a_block_with_factors()
    theta0 = [link.W.array.copy(), link.b.array.copy()]
    g = vec(link, [link.W.grad, link.b.grad])

    def q():
        d = vec(link, [link.W.array - theta0[0], link.b.array - theta0[1]])
        return float(g @ d + 0.5 * d @ np.kron(A, G) @ d)
    link.W.grad += eta * link.W.array
    link.b.grad += eta * link.b.array
    step = ad.AdaptationStep(loss_before=q(), decay_rate=eta)
    step.record([block], None)
    link.W.array -= 0.1 * link.W.grad
    link.b.array -= 0.1 * link.b.grad
    rho = ad.reduction_ratio(step.loss_before, q() + step.norm_change(),
                             step.model_change())
    assert rho == pytest.approx(1.0, rel=1e-4)
    assert ad.weight_decay_rate(KFAC().setup(mlp_classifier())) == 0
    opt = KFAC().setup(mlp_classifier())
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(eta))
    assert ad.weight_decay_rate(opt) == eta
