"""The Monte-Carlo Fisher (chainer_kfac/fisher/sampled_labels.py) against
its closed form: for y ~ softmax(s) the mean of gy gy^T is
J^T (diag(p) - p p^T) J / n^2 per example, computed here with NumPy from
the network's weights (no Chainer in the reference)."""
import numpy as np
import pytest

import chainer
import chainer.links as L

from chainer_kfac import KFAC
from chainer_kfac.fisher import sampled_labels
from chainer_kfac.links.mixup_classifier import MixupClassifier
from tests.optimizers.refinement_cases import HP
from tests.optimizers.refinement_cases import mlp_classifier

SAMPLES = 3000


def closed_form_gs(model, x):
    """(G of the first layer, G of the last) of the true Fisher."""
    (l1, l2) = [model.predictor[0], model.predictor[2]]
    W1, b1 = l1.W.array.astype(np.float64), l1.b.array.astype(np.float64)
    W2, b2 = l2.W.array.astype(np.float64), l2.b.array.astype(np.float64)
    h = np.tanh(x.astype(np.float64) @ W1.T + b1)
    s = h @ W2.T + b2
    p = np.exp(s - s.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    n = len(x)
    G1, G2 = 0, 0
    for i in range(n):
        cov = np.diag(p[i]) - np.outer(p[i], p[i])
        J = W2 * (1 - h[i] ** 2)[None, :]       # d s / d s1
        G2 = G2 + cov / n
        G1 = G1 + J.T @ cov @ J / n
    return G1, G2


def mc_factors(model, x, t, samples=SAMPLES, **extra):
    opt = KFAC(**dict(HP, cov_ema_decay=1.0, fisher='mc',
                      mc_samples=samples, **extra)).setup(model)
    opt.update(model, x, *t)
    return opt


@pytest.fixture
def batch():
    rng = np.random.RandomState(3)
    return (rng.randn(8, 6).astype(np.float32),
            rng.randint(0, 4, 8).astype(np.int32))


def relative(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


def test_mc_output_factors_converge_to_the_closed_form(batch):
    x, t = batch
    model = mlp_classifier()
    G1, G2 = closed_form_gs(model, x)
    opt = mc_factors(model, x, (t,))
    first, last = opt.blocks
    assert relative(last.factors[1].value, G2) < 0.05
    assert relative(first.factors[1].value, G1) < 0.05
    empirical = mlp_classifier()
    emp = KFAC(**dict(HP, cov_ema_decay=1.0)).setup(empirical)
    emp.update(empirical, x, t)      # the test tells the two apart
    assert relative(emp.blocks[1].factors[1].value, G2) > 0.2


def test_input_factors_and_gradients_are_those_of_the_real_loss(batch):
    """A and every gradient as the empirical K-FAC's; G another."""
    x, t = batch
    mc_model, emp_model = mlp_classifier(), mlp_classifier()
    mc = mc_factors(mc_model, x, (t,), samples=2)
    emp = KFAC(**dict(HP, cov_ema_decay=1.0)).setup(emp_model)
    emp.update(emp_model, x, t)
    for a, b in zip(mc.blocks, emp.blocks, strict=True):
        np.testing.assert_array_equal(a.factors[0].value, b.factors[0].value)
        assert relative(a.factors[1].value, b.factors[1].value) > 1e-3
    for (name, p), (_, q) in zip(sorted(mc_model.namedparams()),
                                 sorted(emp_model.namedparams()),
                                 strict=True):
        np.testing.assert_array_equal(p.grad, q.grad, err_msg=name)


def test_mixup_soft_targets_give_the_same_closed_form(batch):
    x, t = batch
    model = mlp_classifier()
    mixup = MixupClassifier(model.predictor)
    G1, G2 = closed_form_gs(model, x)
    rng = np.random.RandomState(4)
    t_b = rng.randint(0, 4, 8).astype(np.int32)
    lam = rng.uniform(size=8).astype(np.float32)
    opt = mc_factors(mixup, x, (t, t_b, lam))
    first, last = opt.blocks
    assert relative(last.factors[1].value, G2) < 0.05
    assert relative(first.factors[1].value, G1) < 0.05


def test_labels_are_a_function_of_seed_and_step(batch):
    x, t = batch
    a = mc_factors(mlp_classifier(), x, (t,), samples=1, mc_seed=5)
    b = mc_factors(mlp_classifier(), x, (t,), samples=1, mc_seed=5)
    c = mc_factors(mlp_classifier(), x, (t,), samples=1, mc_seed=6)
    np.testing.assert_array_equal(a.blocks[1].factors[1].value,
                                  b.blocks[1].factors[1].value)
    assert relative(a.blocks[1].factors[1].value,
                    c.blocks[1].factors[1].value) > 1e-3


def test_ranks_draw_the_rows_one_process_draws():
    whole = sampled_labels.Draw(seed=1, step=2, pass_index=0, rank=0, size=1)
    u = sampled_labels.uniforms(whole, 0, 6)
    parts = [sampled_labels.uniforms(sampled_labels.Draw(1, 2, 0, r, 3), 0,
                                     2) for r in range(3)]
    np.testing.assert_array_equal(np.concatenate(parts), u)


def test_inverse_cdf_sampling_frequencies():
    logits = np.log(np.array([[0.1, 0.2, 0.7]] * 20000, np.float32))
    u = np.random.RandomState(0).random_sample(20000)
    labels = sampled_labels.sample_labels(logits, u)
    assert labels.dtype == np.int32
    np.testing.assert_allclose(np.bincount(labels, minlength=3) / 20000,
                               [0.1, 0.2, 0.7], atol=0.01)


def test_a_model_without_logits_is_refused():
    net = chainer.Sequential(L.Linear(6, 4))
    with pytest.raises(TypeError, match="fisher='mc'.*Sequential.*"
                                        "Classifier"):
        KFAC(fisher='mc').setup(net)
