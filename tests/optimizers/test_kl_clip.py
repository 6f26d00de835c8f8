"""KL-clip (chainer_kfac/optimizers/kl_clip.py): the scale is recomputed
here from the unclipped step's kfgrads and gradients, independently."""
import math

import numpy as np
import pytest

from chainer_kfac.optimizers import kl_clip
from chainer_kfac.preconditioning import kfgrad
from tests.optimizers.refinement_cases import batches
from tests.optimizers.refinement_cases import mlp_classifier
from tests.optimizers.refinement_cases import params
from tests.optimizers.refinement_cases import train

LR = 0.05


def kfgrads_and_grads(model):
    return {name: (kfgrad.get(p).copy(), p.grad.copy())
            for name, p in model.namedparams()}


def expected_scale(pairs, kappa, lr=LR):
    vg = sum(float((v.astype(np.float64) * g).sum())
             for v, g in pairs.values())
    return min(1.0, math.sqrt(kappa / (lr * lr * abs(vg))))


@pytest.mark.parametrize('kappa', [1e-6, 1e-4])
def test_clipped_kfgrads_are_the_unclipped_times_nu(kappa):
    data = batches((6,), 1)
    free = mlp_classifier()
    train(free, data)
    unclipped = kfgrads_and_grads(free)
    nu = expected_scale(unclipped, kappa)
    assert nu < 1, 'the case must clip'
    clipped_model = mlp_classifier()
    train(clipped_model, data, kl_clip=kappa)
    clipped = kfgrads_and_grads(clipped_model)
    for name, (v, g) in unclipped.items():
        np.testing.assert_allclose(clipped[name][0], nu * v, rtol=1e-5)
        np.testing.assert_array_equal(clipped[name][1], g)
    # The scaled step v' = nu v has the quadratic size
    # lr^2 v'^T F v' = lr^2 nu v'^T g = kappa (the bound, reached).
    size = nu * LR * LR * sum(float((v.astype(np.float64) * g).sum())
                              for v, g in clipped.values())
    assert size == pytest.approx(kappa, rel=1e-5)


def test_a_loose_bound_changes_nothing():
    data = batches((6,), 3)
    a, b = mlp_classifier(), mlp_classifier()
    train(a, data)
    train(b, data, kl_clip=1e6)
    for name, value in params(a).items():
        np.testing.assert_array_equal(params(b)[name], value)


def test_loss_scale_does_not_change_the_clip():
    data = batches((6,), 3)
    a, b = mlp_classifier(), mlp_classifier()
    train(a, data, kl_clip=1e-5)
    train(b, data, kl_clip=1e-5, loss_scale=64.0)
    for name, value in params(a).items():
        np.testing.assert_allclose(params(b)[name], value, rtol=1e-5,
                                   atol=1e-7)


def test_scale_rule():
    assert kl_clip.scale(0.0, 0.1, 1e-3) == 1.0
    assert kl_clip.scale(-4.0, 1.0, 1.0) == pytest.approx(0.5)
    assert kl_clip.scale(4.0 * 9, 1.0, 1.0, loss_scale=3.0) == \
        pytest.approx(0.5)
    assert kl_clip.scale(1e-9, 1.0, 1.0) == 1.0
