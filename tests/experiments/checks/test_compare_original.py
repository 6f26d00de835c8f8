"""``python -m experiments compare-original``: the helpers without the
original, and the whole comparison when CHAINERKFAC_ORIGINAL names a
checkout of tyohei/chainerkfac (the loader: test_original_kfac.py)."""
import os

import numpy as np
import pytest

import chainer_kfac
from experiments.checks import compare_original
from experiments.errors import run


def test_grid_covers_every_model_decay_and_variant():
    grid = compare_original.configurations()
    assert len(grid) == len(set(grid)) == 4 * 2 * 7 - 2
    for model in compare_original.MODELS:
        for r in (0.99, 1.0):
            variants = {c.variant for c in grid
                        if c.model == model and c.cov_ema_decay == r}
            want = set(compare_original.VARIANTS)
            if model == 'linear':   # the original's diagonal Linear fails
                want.discard('diagonalize')
            assert variants == want


def test_config_keywords_and_learning_rates():
    c = compare_original.Config('conv', 0.99, 'adjust_momentum')
    kw = c.kfac_kwargs()
    assert kw['adjust_momentum'] is True and kw['cov_ema_decay'] == 0.99
    assert kw['lr'] == c.learning_rates(5)[0]
    assert c.learning_rates(7) == [0.02, 0.05, 0.05, 0.02, 0.01, 0.01, 0.01]
    base = compare_original.Config('conv', 1.0, 'base')
    assert base.learning_rates(3) == [0.05] * 3
    assert compare_original.Config('conv', 1.0, 'pi_type=None') \
        .kfac_kwargs()['pi_type'] is None
    assert compare_original.Config('conv', 1.0, 'use_cholesky=False') \
        .kfac_kwargs()['use_cholesky'] is False
    acc = compare_original.Config('conv', 1.0, 'acc_iters=2')
    assert acc.kfac_kwargs()['acc_iters'] == 2 and acc.passes(5) == 10
    assert base.passes(5) == 5
    assert compare_original.Config('conv', 1.0, 'loss_scale=128') \
        .kfac_kwargs()['loss_scale'] == 128.0


def test_train_sets_lr_pre_to_the_old_rate_before_each_change():
    model = compare_original.build_model('linear')
    opt = chainer_kfac.KFAC(lr=0.02, adjust_momentum=True).setup(model)
    seen = []
    original_update = opt.update

    def update(*args):
        seen.append((opt.lr, opt.lr_pre))
        original_update(*args)

    opt.update = update
    compare_original.train(opt, model, compare_original.batches(5),
                           [0.02, 0.05, 0.05, 0.02, 0.01])
    assert seen == [(0.02, 0.02), (0.05, 0.02), (0.05, 0.02), (0.02, 0.05),
                    (0.01, 0.02)]


def test_models_are_built_from_the_global_generator_only_as_named():
    import chainer.links as L
    np.random.seed(0)
    a = compare_original.build_model('conv_bn')
    np.random.seed(0)
    b = compare_original.build_model('conv_bn')
    assert compare_original.relative_difference(a, b) == 0.0
    kinds = [type(link) for _, link in sorted(a.namedlinks())][2:]
    assert sorted(k.__name__ for k in kinds) == sorted(
        ['Convolution2D', 'BatchNormalization', 'Linear',
         'BatchNormalization', 'Linear'])
    assert L.BatchNormalization not in [
        type(x) for _, x in compare_original.build_model('conv').namedlinks()]
    resnet = compare_original.build_model('resnet')
    convs = [link for _, link in resnet.namedlinks()
             if isinstance(link, L.Convolution2D)]
    assert sorted((c.ksize, c.stride, c.b is None) for c in convs) == [
        (1, (2, 2), True), (3, (1, 1), True), (3, (1, 1), True),
        (3, (2, 2), True)]
    assert sum(isinstance(link, L.BatchNormalization)
               for _, link in resnet.namedlinks()) == 4
    x = np.zeros((2, 2, 4, 4), np.float32)
    assert resnet.predictor(x).shape == (2, 3)
    with pytest.raises(ValueError, match='model must be one of'):
        compare_original.build_model('resnet18')


def test_relative_difference_is_the_worst_parameter():
    a = compare_original.build_model('linear')
    b = compare_original.build_model('linear')
    b.copyparams(a)
    assert compare_original.relative_difference(a, b) == 0.0
    p = b.predictor[2].b
    p.array[...] = 2.0
    a.predictor[2].b.array[...] = 2.0
    a.predictor[2].b.array[0] = 2.5
    assert compare_original.relative_difference(a, b) == \
        pytest.approx(0.25)


def test_table_marks_pass_and_fail_at_the_tolerance():
    rows = compare_original.table_rows([
        (compare_original.Config('conv', 0.99, 'base'), (1e-5, 2e-4, 0.1))],
        tol=1e-4)
    assert rows[-1] == ('| conv | 0.99 | base | 1.0e-05 | PASS | 2.0e-04 | '
                        'FAIL | 1.0e-01 |')
    assert len(rows[0].split('|')) == len(rows[-1].split('|'))


def test_a_path_that_is_not_a_checkout_ends_the_command(tmp_path, capsys):
    assert run(compare_original.main, ['--original', str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: compare_original: {} is not a checkout '
                          'of tyohei/chainerkfac'.format(tmp_path))


@pytest.mark.slow
def test_port_equals_the_original_on_every_configuration(capsys):
    checkout = os.environ.get('CHAINERKFAC_ORIGINAL')
    if not checkout:
        pytest.skip('set CHAINERKFAC_ORIGINAL to the root of a checkout of '
                    'github.com/tyohei/chainerkfac to compare with it')
    with np.errstate(all='ignore'):
        status = compare_original.main(['--original', checkout])
    out = capsys.readouterr().out
    assert status == 0, out
    n = len(compare_original.configurations())
    assert '{0} of {0} configurations agree to 0.0001'.format(n) in out
