"""Snapshots written before factors owned their damped inverses still load.

The fixtures in ``data/old_snapshots/`` were written by
``data/make_old_snapshots.py`` with the package at commit ac90948 (keys
``<F>``, ``<F>_inv``, ``<F>_inv_cholesky``, ``<F>_acc`` of every block): a
Conv2D-BN-relu-Linear net after two steps, and its parameters after a third
step taken by the old code with the held inverses (``inv_update_freq=3``).
Loaded here, the third step must give the same parameters, so the inverses
were restored in the form they were saved in.
"""
import os

import numpy as np
import pytest

import chainer
import chainer.links as L

import chainer_kfac
from chainer_kfac.preconditioning import CholeskyInverse
from chainer_kfac.preconditioning import DiagonalInverse
from chainer_kfac.preconditioning import ExplicitInverse
from chainer_kfac.preconditioning import UnitWiseInverse
from tests.optimizers.data import make_old_snapshots as old

DATA = os.path.join(os.path.dirname(__file__), 'data', 'old_snapshots')

#: Per case: the inverse forms of the blocks' factors in name order
#: (Sequential names its links 0, 1, 2): conv A, G; fc A, G; BN F.
FORMS = {
    'cholesky': [CholeskyInverse] * 5,
    'lu_unit_wise': [ExplicitInverse] * 4 + [UnitWiseInverse],
    'diagonal': [CholeskyInverse, DiagonalInverse, DiagonalInverse,
                 DiagonalInverse, DiagonalInverse],
}


@pytest.mark.parametrize('case', sorted(old.CASES))
def test_old_layout_snapshot_resumes_the_same_step(case):
    prefix = os.path.join(DATA, case)
    model = L.Classifier(old.make_net(seed=99))
    opt = chainer_kfac.KFAC(**old.CASES[case]).setup(model)
    chainer.serializers.load_npz(prefix + '.model.npz', model)
    chainer.serializers.load_npz(prefix + '.opt.npz', opt)
    assert opt.t == 2
    forms = [type(i) for b in opt.blocks for i in b.inverses]
    assert forms == FORMS[case]
    with np.load(prefix + '.after.npz') as after:
        opt.update(model, after['x2'], after['t2'])
        for name, param in model.namedparams():
            np.testing.assert_allclose(param.array, after['param' + name],
                                       rtol=1e-6, atol=1e-7, err_msg=name)


def test_fixture_batches_are_the_generators():
    """The stored batches are those make_old_snapshots.py makes (so the
    fixture and the generator cannot drift apart unnoticed)."""
    with np.load(os.path.join(DATA, 'cholesky.after.npz')) as after:
        for i, (x, t) in enumerate(old.batches()):
            np.testing.assert_array_equal(after['x{}'.format(i)], x)
            np.testing.assert_array_equal(after['t{}'.format(i)], t)
