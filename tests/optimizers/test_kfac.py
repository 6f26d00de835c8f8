"""KFAC against the NumPy re-derivation in tests/kfac_reference.py."""
import warnings

import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac import KFAC
from chainer_kfac.optimizers.kfac import KFACError
from tests import kfac_reference as ref

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03)


def _mlp(seed=0):
    np.random.seed(seed)
    return chainer.Sequential(L.Linear(6, 5), F.relu, L.Linear(5, 4))


def _convnet(seed=0):
    np.random.seed(seed)
    return chainer.Sequential(L.Convolution2D(2, 3, ksize=3, pad=1), F.relu,
                              L.Linear(3 * 4 * 4, 4))


def _ref_layers(net):
    layers = []
    for link in net.children():
        layer = dict(W=link.W.array.astype(np.float64),
                     b=link.b.array.astype(np.float64))
        if isinstance(link, L.Convolution2D):
            layer.update(type='conv', k=link.ksize, pad=link.pad[0])
        else:
            layer.update(type='linear')
        layers.append(layer)
    return layers


def _batches(shape, steps, n=8, classes=4, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, *shape).astype(np.float32),
             rng.randint(0, classes, n).astype(np.int32))
            for _ in range(steps)]


@pytest.mark.parametrize('make, shape', [(_mlp, (6,)), (_convnet, (2, 4, 4))])
def test_three_steps_match_numpy_recomputation(make, shape):
    net = make()
    model = L.Classifier(net)
    opt = KFAC(**HP).setup(model)
    reference = ref.RefKFAC(ref.RefNet(_ref_layers(net)), **HP)
    tol = dict(rtol=2e-3, atol=2e-5)
    for x, t in _batches(shape, 3):
        # The gradient-side quantities (kfgrad) are checked before the
        # update; the current factors are what the hook collected.
        ref_loss = reference.step(x.astype(np.float64), t)
        opt.update(model, x, t)
        np.testing.assert_allclose(float(model.loss.array), ref_loss, **tol)
        for block, want in zip(opt.blocks, reference.log[-1], strict=True):
            A, G = block.running_averages()
            np.testing.assert_allclose(A, want['ema_A'], **tol)
            np.testing.assert_allclose(G, want['ema_G'], **tol)
            assert block.pi == pytest.approx(want['pi'], rel=2e-3)
            A_inv, G_inv = block.inverses
            np.testing.assert_allclose(A_inv, want['A_inv'], **tol)
            np.testing.assert_allclose(G_inv, want['G_inv'], **tol)
            np.testing.assert_allclose(block.link.W.kfgrad, want['kW'], **tol)
            np.testing.assert_allclose(block.link.b.kfgrad, want['kb'], **tol)
            np.testing.assert_allclose(block.link.W.array, want['W'], **tol)
            np.testing.assert_allclose(block.link.b.array, want['b'], **tol)


def test_one_example_kronecker_product_is_exact_fisher_block():
    np.random.seed(3)
    link = L.Linear(5, 3)
    model = L.Classifier(chainer.Sequential(link))
    opt = KFAC(lr=0.0).setup(model)
    x = np.random.randn(1, 5).astype(np.float32)
    t = np.array([2], dtype=np.int32)
    opt.update(model, x, t)
    A, G = opt.blocks[0].running_averages()
    M = np.concatenate([link.W.grad, link.b.grad[:, None]], axis=1)
    g = M.reshape(-1, order='F').astype(np.float64)  # vec(M), column-major
    np.testing.assert_allclose(np.kron(A, G), np.outer(g, g), rtol=1e-5,
                               atol=1e-7)


def _classification(n=2048, dim=16, classes=5, seed=0):
    rng = np.random.RandomState(seed)
    means = rng.randn(classes, dim).astype(np.float32)
    t = rng.randint(0, classes, n).astype(np.int32)
    x = means[t] + 0.5 * rng.randn(n, dim).astype(np.float32)
    # Badly scaled features: the curvature K-FAC's factor A corrects for.
    scale = np.logspace(-1.5, 0.5, dim).astype(np.float32)
    return x * scale, t


def _train(opt, steps=40, batch=64):
    x, t = _classification()
    np.random.seed(0)
    model = L.Classifier(chainer.Sequential(
        L.Linear(16, 32), F.relu, L.Linear(32, 5)))
    opt.setup(model)
    rng = np.random.RandomState(0)
    for _ in range(steps):
        idx = rng.randint(0, len(x), batch)
        opt.update(model, x[idx], t[idx])
    with chainer.using_config('train', False), chainer.no_backprop_mode():
        return float(model(x, t).array)  # loss on the whole training set


def test_kfac_reaches_lower_loss_than_momentum_sgd():
    sgd = _train(chainer.optimizers.MomentumSGD(lr=0.01, momentum=0.9))
    kfac = _train(KFAC(lr=0.01, momentum=0.9))
    print('training loss after 40 steps: sgd', sgd, 'kfac', kfac)
    assert kfac < 0.8 * sgd, (kfac, sgd)


def _run(steps, opt_kwargs, batches, save_at=None, path=None):
    net = _convnet()
    model = L.Classifier(net)
    opt = KFAC(**opt_kwargs).setup(model)
    for i, (x, t) in enumerate(batches[:steps]):
        if save_at is not None and i == save_at:
            chainer.serializers.save_npz(path + '.opt', opt)
            chainer.serializers.save_npz(path + '.model', model)
            model = L.Classifier(_convnet(seed=99))
            opt = KFAC(**opt_kwargs).setup(model)
            chainer.serializers.load_npz(path + '.model', model)
            chainer.serializers.load_npz(path + '.opt', opt)
        opt.update(model, x, t)
    return model, opt


@pytest.mark.parametrize('kwargs', [
    dict(HP), dict(HP, acc_iters=2), dict(HP, inv_update_freq=3,
                                          cov_update_freq=2,
                                          adjust_momentum=True),
    dict(HP, damping_in_running_average=True, inv_update_freq=2)])
def test_save_load_mid_run_is_bit_identical(tmp_path, kwargs):
    batches = _batches((2, 4, 4), 7)
    path = str(tmp_path / 'snap')
    a, opt_a = _run(7, kwargs, batches)
    b, opt_b = _run(7, kwargs, batches, save_at=3, path=path)
    assert opt_a.t == opt_b.t
    for (na, pa), (nb, pb) in zip(sorted(a.namedparams()),
                                  sorted(b.namedparams()), strict=True):
        assert na == nb
        assert np.array_equal(pa.array, pb.array), na


def test_acc_iters_equals_larger_batch():
    batches = _batches((2, 4, 4), 3, n=16)
    big, _ = _run(3, HP, batches)
    halves = [b for x, t in batches for b in ((x[:8], t[:8]), (x[8:], t[8:]))]
    acc, opt = _run(6, dict(HP, acc_iters=2), halves)
    assert opt.t == 3
    for (_, pa), (_, pb) in zip(sorted(big.namedparams()),
                                sorted(acc.namedparams()), strict=True):
        np.testing.assert_allclose(pa.array, pb.array, rtol=1e-4, atol=1e-6)


def test_weight_decay_hook_acts_before_preconditioning():
    batches = _batches((6,), 1)
    x, t = batches[0]
    net = _mlp()
    model = L.Classifier(net)
    opt = KFAC(**HP).setup(model)
    opt.add_hook(chainer.optimizer_hooks.WeightDecay(0.1))
    opt.update(model, x, t)
    link = net[0]
    block = opt.blocks[0]
    A_inv, G_inv = block.inverses
    # link.W.grad now holds grad + 0.1 W_old; kfgrad must precondition it.
    M = np.concatenate([link.W.grad, link.b.grad[:, None]], axis=1)
    np.testing.assert_allclose(link.W.kfgrad, (G_inv @ M @ A_inv)[:, :-1],
                               rtol=1e-4, atol=1e-6)


def test_cov_and_inv_update_freq_reuse_inverses():
    batches = _batches((6,), 4)
    model = L.Classifier(_mlp())
    opt = KFAC(**dict(HP, cov_update_freq=2, inv_update_freq=4)).setup(model)
    seen = []
    for x, t in batches:
        opt.update(model, x, t)
        seen.append((opt.blocks[0].factors[0].value.copy(),
                     opt.blocks[0].inverses[0]))
    # factors change at steps 0 and 2 only; inverses only at step 0.
    assert np.array_equal(seen[0][0], seen[1][0])
    assert not np.array_equal(seen[1][0], seen[2][0])
    assert all(s[1] is seen[0][1] for s in seen)


def test_uncovered_link_gets_plain_momentum_and_one_warning():
    class Net(chainer.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.embed = L.EmbedID(4, 6)
                self.fc = L.Linear(6, 3)

        def forward(self, x):
            return self.fc(self.embed(x))

    model = L.Classifier(Net())
    with pytest.warns(UserWarning, match='embed.*EmbedID'):
        opt = KFAC(lr=0.1, momentum=0.0).setup(model)
    x = np.array([0, 1, 2], dtype=np.int32)
    t = np.array([0, 1, 2], dtype=np.int32)
    before = model.predictor.embed.W.array.copy()
    opt.update(model, x, t)
    grad = model.predictor.embed.W.grad
    np.testing.assert_allclose(model.predictor.embed.W.array,
                               before - 0.1 * grad, rtol=1e-6)


def test_nonfinite_gradient_raises_naming_layer_and_step():
    model = L.Classifier(_mlp())
    opt = KFAC(**HP).setup(model)
    x, t = _batches((6,), 1)[0]
    opt.update(model, x, t)
    x = x.copy()
    x[0, 0] = np.nan
    with pytest.raises(KFACError, match=r"/0/W.*step 1"):
        opt.update(model, x, t)


def test_nonfinite_skip_warns_and_leaves_parameters():
    model = L.Classifier(_mlp())
    opt = KFAC(on_nonfinite='skip', **HP).setup(model)
    x, t = _batches((6,), 1)[0]
    x = x.copy()
    x[0, 0] = np.inf
    before = [p.array.copy() for p in model.params()]
    with pytest.warns(UserWarning, match='non-finite.*skipping'):
        opt.update(model, x, t)
    assert opt.t == 0 and opt.skipped_steps == 1
    for b, p in zip(before, model.params(), strict=True):
        assert np.array_equal(b, p.array)


def test_not_positive_definite_retries_with_ten_times_damping():
    model = L.Classifier(_mlp())
    opt = KFAC(**dict(HP, cov_update_freq=100)).setup(model)
    batches = _batches((6,), 3)
    opt.update(model, *batches[0])
    block = opt.blocks[0]
    dim_a = block.factors[0].value.shape[0]
    # sqrt(0.03) = 0.17 < 0.5 fails; sqrt(0.3) = 0.55 > 0.5 succeeds.
    block.factors[0].value = -0.5 * np.eye(dim_a, dtype=np.float32)
    block.factors[1].value = np.eye(block.factors[1].value.shape[0],
                                    dtype=np.float32)
    with pytest.warns(UserWarning, match="'/predictor/0'.*retrying with "
                                         "damping 0.3"):
        opt.update(model, *batches[1])
    assert np.isfinite(block.inverses[0]).all()
    block.factors[0].value = -1e6 * np.eye(dim_a, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(KFACError, match="'/predictor/0'.*step 2"):
            opt.update(model, *batches[2])


def test_update_without_lossfun_is_a_clear_error():
    opt = KFAC().setup(L.Classifier(_mlp()))
    with pytest.raises(TypeError, match='needs the loss function'):
        opt.update()


def test_invalid_hyperparameter_is_named():
    with pytest.raises(ValueError, match='pi_type'):
        KFAC(pi_type='frobenius')


def test_hyperparameters_are_proxies():
    opt = KFAC(lr=0.5)
    opt.lr = 0.25
    assert opt.hyperparam.lr == 0.25


def test_diagonalize_three_steps_match_numpy_recomputation(make, shape):
    """Linear: A and G diagonal; Conv: G diagonal, A full (the original)."""
    net = make()
    model = L.Classifier(net)
    opt = KFAC(diagonalize=True, **HP).setup(model)
    reference = ref.RefKFAC(ref.RefNet(_ref_layers(net)), diagonalize=True,
                            **HP)
    tol = dict(rtol=2e-3, atol=2e-5)
    for x, t in _batches(shape, 3):
        reference.step(x.astype(np.float64), t)
        opt.update(model, x, t)
        for block, want in zip(opt.blocks, reference.log[-1], strict=True):
            is_conv = isinstance(block.link, L.Convolution2D)
            A, G = block.running_averages()
            assert A.ndim == (2 if is_conv else 1) and G.ndim == 1
            np.testing.assert_allclose(
                A, want['ema_A'] if is_conv else np.diag(want['ema_A']),
                **tol)
            np.testing.assert_allclose(G, np.diag(want['ema_G']), **tol)
            assert block.pi == pytest.approx(want['pi'], rel=2e-3)
            np.testing.assert_allclose(block.link.W.kfgrad, want['kW'], **tol)
            np.testing.assert_allclose(block.link.b.kfgrad, want['kb'], **tol)
            np.testing.assert_allclose(block.link.W.array, want['W'], **tol)


test_diagonalize_three_steps_match_numpy_recomputation = \
    pytest.mark.parametrize('make, shape', [(_mlp, (6,)), (
        _convnet, (2, 4, 4))])(
        test_diagonalize_three_steps_match_numpy_recomputation)


def test_subclasses_of_covered_links_are_covered():
    """Coverage by isinstance, as the original's fblock_constructor."""
    class MyLinear(L.Linear):
        pass

    class MyConv(L.Convolution2D):
        pass

    class MyBN(L.BatchNormalization):
        pass

    np.random.seed(0)
    net = chainer.Sequential(MyConv(2, 3, 3, pad=1), MyBN(3), F.relu,
                             MyLinear(48, 4))
    model = L.Classifier(net)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # no "not covered" warning
        opt = KFAC(**HP).setup(model)
    assert sorted(type(b.link).__name__ for b in opt.blocks) == [
        'MyBN', 'MyConv', 'MyLinear']
    x, t = _batches((2, 4, 4), 1)[0]
    opt.update(model, x, t)
    for block in opt.blocks:
        assert block.factors is not None, block.name
        for p in block.params():
            assert p.kfgrad is not None and \
                not np.allclose(p.kfgrad, p.grad), (block.name, p.name)


def test_batchnorm_default_is_the_full_matrix():
    np.random.seed(0)
    net = chainer.Sequential(L.Convolution2D(2, 3, 3, pad=1),
                             L.BatchNormalization(3), F.relu,
                             L.Linear(48, 4))
    model = L.Classifier(net)
    opt = KFAC(**HP).setup(model)
    x, t = _batches((2, 4, 4), 1)[0]
    opt.update(model, x, t)
    bn = net[1]
    block = [b for b in opt.blocks if b.link is bn][0]
    (F_ema,) = block.running_averages()
    assert F_ema.shape == (6, 6)
    inv = np.linalg.inv(F_ema.astype(np.float64) + 16.0 * 0.03 * np.eye(6))
    want = inv @ np.concatenate([bn.gamma.grad, bn.beta.grad])
    np.testing.assert_allclose(bn.gamma.kfgrad, want[:3], rtol=1e-4)
    np.testing.assert_allclose(bn.beta.kfgrad, want[3:], rtol=1e-4)


def test_invalid_bn_fisher_is_named():
    with pytest.raises(ValueError, match='bn_fisher'):
        KFAC(bn_fisher='per_channel')


def test_grouped_convolution_and_parameterless_bn_are_not_covered():
    """Deliberate difference: the original builds a block for a grouped
    convolution (whose A does not match W's shape); here it is left to the
    plain momentum update. A BatchNorm without gamma and beta has no block
    (as the original)."""
    from chainer_kfac import fisher
    conv = L.Convolution2D(4, 4, 3, groups=2)
    bn = L.BatchNormalization(3, use_gamma=False, use_beta=False)
    assert fisher.create_block('/c', conv) is None
    assert fisher.create_block('/bn', bn) is None


def test_cpu_kronecker_inverses_are_cholesky_factors_and_old_snapshots_load(
        tmp_path):
    """On the CPU a Linear/Conv block holds CholeskyInverse objects (its
    inverses applied by triangular solves); a snapshot holds them as
    '<name>_inv_cholesky' beside the explicit '<name>_inv'. A snapshot
    without the Cholesky keys (written before they existed) loads with
    the explicit inverses, which precondition the same to float rounding."""
    from chainer_kfac.preconditioning import CholeskyInverse
    from chainer_kfac.preconditioning import ExplicitInverse
    kwargs = dict(HP, inv_update_freq=3)
    batches = _batches((2, 4, 4), 2)
    _, opt = _run(1, kwargs, batches)
    assert all(isinstance(i, CholeskyInverse)
               for b in opt.blocks for i in b.inverses)
    path = str(tmp_path / 'snap')
    chainer.serializers.save_npz(path, opt)
    with np.load(path, allow_pickle=True) as npz:
        keys = set(npz.files)
        assert any(k.endswith('A_inv_cholesky') for k in keys)
        old = {k: npz[k] for k in keys if not k.endswith('_inv_cholesky')}
    np.savez(path + '.old.npz', **old)
    resumed = {}
    for name, snap in (('new', path), ('old', path + '.old.npz')):
        model = L.Classifier(_convnet(seed=99))
        opt2 = KFAC(**kwargs).setup(model)
        chainer.serializers.load_npz(snap, opt2)
        block = opt2.blocks[0]
        kinds = {type(i) for i in block.inverses}
        assert kinds == ({CholeskyInverse} if name == 'new'
                         else {ExplicitInverse}), name
        resumed[name] = block.apply_inverses(
            np.ones((block.link.W.shape[0], block.factor_shapes()[0][0]),
                    dtype=np.float32))
    np.testing.assert_allclose(resumed['old'], resumed['new'], rtol=1e-4,
                               atol=1e-6)
