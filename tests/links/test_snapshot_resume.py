"""A run resumed from a snapshot in the middle equals the uninterrupted run
bit for bit, with every stateful recipe feature on: running mixup (its
kept batch and random stream), random erasing (its stream), the
weight-norm hook's adaptive skip interval (NormalizeWeightState), and a
float16 model with float32 master copies under dynamic loss scaling."""
import warnings

import numpy as np
import pytest

import chainer
import chainer.functions as F
import chainer.links as L
from chainer import training

from chainer_kfac import KFAC
from chainer_kfac.hooks import add_normalize_weight
from chainer_kfac.links import RandomErasing
from chainer_kfac.links import RecipeClassifier
from chainer_kfac.links import RunningMixup

STEPS, BREAK = 10, 5


def _trainer(out, stop, dtype):
    np.random.seed(0)
    with chainer.using_config('dtype', dtype):
        predictor = chainer.Sequential(
            L.Convolution2D(3, 4, 3, pad=1), L.BatchNormalization(4),
            F.tanh, L.Linear(4 * 6 * 6, 3))
    model = RecipeClassifier(predictor, RunningMixup(0.4, 3, seed=1),
                             RandomErasing(0.5, seed=2))
    opt = KFAC(lr=0.05, damping=0.03, cov_ema_decay=0.7).setup(model)
    if dtype == np.float16:
        opt.use_fp32_update()
        opt.loss_scaling(interval=3)
    state = add_normalize_weight(opt, skip_scale_comp=True)
    rng = np.random.RandomState(3)
    data = chainer.datasets.TupleDataset(
        (rng.randn(24, 3, 6, 6) * 3).astype(dtype),
        rng.randint(0, 3, 24).astype(np.int32))
    it = chainer.iterators.SerialIterator(data, 4, shuffle=False)
    trainer = training.Trainer(training.updaters.StandardUpdater(it, opt),
                               (stop, 'iteration'), out=out)
    trainer.extend(state)
    return trainer, model, opt, state


def _run(trainer):
    with warnings.catch_warnings(), np.errstate(all='ignore'):
        warnings.simplefilter('ignore')
        trainer.run()


@pytest.mark.parametrize('dtype', [np.float32, np.float16])
def test_resumed_run_equals_the_uninterrupted_one(tmp_path, dtype):
    whole, model, opt, state = _trainer(str(tmp_path / 'a'), STEPS, dtype)
    _run(whole)
    first, _, _, _ = _trainer(str(tmp_path / 'b'), BREAK, dtype)
    _run(first)
    path = str(tmp_path / 'snapshot.npz')
    chainer.serializers.save_npz(path, first)
    second, resumed, opt2, state2 = _trainer(str(tmp_path / 'c'), STEPS,
                                             dtype)
    chainer.serializers.load_npz(path, second)
    _run(second)
    for (name, p), (_, q) in zip(sorted(model.namedparams()),
                                 sorted(resumed.namedparams()), strict=True):
        np.testing.assert_array_equal(p.array, q.array, err_msg=name)
    for path_, hook in state.hooks.items():
        other = state2.hooks[path_]
        assert (hook.t_last, hook.t_next, hook.scale) == (
            other.t_last, other.t_next, other.scale), path_
    assert any(h.t_next - h.t_last > 1 for h in state.hooks.values())
    np.testing.assert_array_equal(model.mixup.prior_x, resumed.mixup.prior_x)
    assert opt._loss_scale == opt2._loss_scale
