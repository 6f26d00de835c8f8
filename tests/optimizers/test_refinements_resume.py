"""Every refinement resumes exactly: 3 steps, a snapshot, 3 more in a new
process's objects equal 6 steps in one go, bit for bit; and all options
off is the optimizer as it was."""
import numpy as np
import pytest

import chainer

from chainer_kfac import KFAC
from tests.optimizers.refinement_cases import batches
from tests.optimizers.refinement_cases import HP
from tests.optimizers.refinement_cases import mlp_classifier
from tests.optimizers.refinement_cases import params

VARIANTS = {
    'mc': dict(fisher='mc', mc_samples=2, mc_seed=3),
    'stale': dict(stale_tolerance=0.5),
    'adaptive damping': dict(damping_adaptation_interval=2),
    'kl clip': dict(kl_clip=1e-4),
    'all': dict(fisher='mc', stale_tolerance=0.5,
                damping_adaptation_interval=2, kl_clip=1e-4),
}


def run(data, options, model=None, opt=None):
    model = model or mlp_classifier()
    opt = opt or KFAC(**dict(HP, **options)).setup(model)
    for x, t in data:
        opt.update(model, x, t)
    return model, opt


@pytest.mark.parametrize('name', sorted(VARIANTS))
def test_checkpoint_and_resume_is_exact(name, tmp_path):
    options = VARIANTS[name]
    data = batches((6,), 8)
    whole, whole_opt = run(data, options)
    first, first_opt = run(data[:4], options)
    path = str(tmp_path / 'snapshot.npz')
    chainer.serializers.save_npz(path, _Pair(first, first_opt))
    model = mlp_classifier(seed=9)
    opt = KFAC(**dict(HP, **options)).setup(model)
    chainer.serializers.load_npz(path, _Pair(model, opt))
    run(data[4:], options, model, opt)
    for key, value in params(whole).items():
        np.testing.assert_array_equal(params(model)[key], value,
                                      err_msg=name + ' ' + key)
    assert opt.damping == whole_opt.damping
    if whole_opt.stale is not None:
        assert opt.stale.schedules(opt.stale.factors) == \
            whole_opt.stale.schedules(whole_opt.stale.factors)


class _Pair(object):
    def __init__(self, model, opt):
        self.model, self.opt = model, opt

    def serialize(self, serializer):
        self.model.serialize(serializer['model'])
        self.opt.serialize(serializer['opt'])


def test_every_option_off_is_the_optimizer_as_it_was():
    data = batches((6,), 4)
    a, _ = run(data, {})
    b, _ = run(data, dict(fisher='empirical', mc_samples=3, mc_seed=7,
                          stale_tolerance=None,
                          damping_adaptation_interval=None, kl_clip=None))
    for key, value in params(a).items():
        np.testing.assert_array_equal(params(b)[key], value)


@pytest.mark.parametrize('name', sorted(VARIANTS))
def test_each_variant_changes_the_trajectory(name):
    """So that the resume test compares something that differs from the
    plain optimizer (and the options are not silently ignored)."""
    data = batches((6,), 8)
    plain, _ = run(data, {})
    variant, _ = run(data, VARIANTS[name])
    assert any(not np.array_equal(params(variant)[k], v)
               for k, v in params(plain).items())
