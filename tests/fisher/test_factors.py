"""Factors: running averages, damping a copy, and the inverse's form."""
import numpy as np
import pytest

import chainer

from chainer_kfac.fisher.factors import DenseFactor
from chainer_kfac.fisher.factors import DiagonalFactor
from chainer_kfac.fisher.factors import UnitWiseFactor
from chainer_kfac.preconditioning import CholeskyInverse
from chainer_kfac.preconditioning import Damping
from chainer_kfac.preconditioning import ExplicitInverse
from chainer_kfac.preconditioning import NotPositiveDefiniteError


def _factor(array):
    """The factor holding ``array`` (1-D: a diagonal)."""
    return (DiagonalFactor if array.ndim == 1 else DenseFactor)(array)


def damped_kronecker_inverses(A, G, d, pi_type='tracenorm',
                              use_cholesky=True):
    """``(A_d^-1, G_d^-1, pi)`` as a Kronecker block computes them."""
    fa, fg = _factor(A), _factor(G)
    pi, shift_a, shift_g = Damping(d, pi_type=pi_type).kronecker(
        fa.mean_diagonal(), fg.mean_diagonal(), None)
    return (fa.invert(shift_a, use_cholesky),
            fg.invert(shift_g, use_cholesky), pi)


def _spd(n, dtype, seed=0):
    a = np.random.RandomState(seed).randn(n, n)
    return (a @ a.T + n * np.eye(n)).astype(dtype)


def test_damped_inverses_leave_factors_untouched():
    A = np.diag([1., 2., 3.]).astype(np.float32)
    G = np.diag([0.5, 0.5]).astype(np.float32)
    A0, G0 = A.copy(), G.copy()
    A_inv, G_inv, pi = damped_kronecker_inverses(A, G, 0.04)
    assert np.array_equal(A, A0) and np.array_equal(G, G0)
    np.testing.assert_allclose(np.diag(A_inv), 1 / (np.diag(A) + 2 * 0.2),
                               rtol=1e-6)
    np.testing.assert_allclose(np.diag(G_inv), 1 / (0.5 + 0.2 / 2),
                               rtol=1e-6)


def test_diagonal_factors_are_held_by_their_diagonal():
    A = np.array([1., 2., 3.])
    G = np.diag([0.5, 0.5])
    assert DiagonalFactor(A).mean_diagonal() == \
        pytest.approx(4 * DenseFactor(G).mean_diagonal())
    A_inv, G_inv, pi = damped_kronecker_inverses(A, np.array([0.5, 0.5]),
                                                 0.04)
    assert pi == pytest.approx(2.0)
    np.testing.assert_allclose(A_inv, 1 / (A + 2 * 0.2))
    np.testing.assert_allclose(G_inv, 1 / (0.5 + 0.2 / 2) * np.ones(2))


def test_damped_inverse_of_full_and_diagonal_factors():
    m = _spd(4, np.float64)
    lam = np.array([0.1, 0.2, 0.3, 0.4])
    before = m.copy()
    np.testing.assert_allclose(DenseFactor(m).invert(lam),
                               np.linalg.inv(m + np.diag(lam)))
    assert np.array_equal(m, before)
    d = np.array([1., 2., 3., 4.])
    np.testing.assert_allclose(DiagonalFactor(d).invert(lam), 1 / (d + lam))
    with pytest.raises(NotPositiveDefiniteError, match='diagonal'):
        DiagonalFactor(-d).invert(lam)


def test_dense_form_follows_use_cholesky():
    m = _spd(3, np.float32)
    assert isinstance(DenseFactor(m).invert(0.1), CholeskyInverse)
    lu = DenseFactor(m).invert(0.1, use_cholesky=False)
    assert isinstance(lu, ExplicitInverse)
    np.testing.assert_allclose(lu, np.linalg.inv(m + 0.1 * np.eye(3)),
                               rtol=1e-5)


@pytest.mark.parametrize('k, shift', [(2, [0.16, 0.5]), (2, 0.16),
                                      (1, [0.3])])
def test_unit_wise_shift_goes_on_each_blocks_diagonal(k, shift):
    g = np.random.RandomState(0).randn(4, 5, k)
    F = np.einsum('cni,cnj->cij', g, g)
    lam = np.diag(np.broadcast_to(shift, (k,)))
    inv = UnitWiseFactor(F.copy()).invert(shift)
    for c in range(4):
        np.testing.assert_allclose(np.asarray(inv)[c],
                                   np.linalg.inv(F[c] + lam), rtol=1e-10)
    assert UnitWiseFactor(F).mean_diagonal() == pytest.approx(
        np.trace(F, axis1=1, axis2=2).sum() / (4 * k))


def test_running_average_weights_the_current_factor():
    """Chainer_K-FAC's convention: F <- r F_cur + (1 - r) F; first: F_cur."""
    f = DenseFactor()
    cur0, cur1 = np.eye(2, dtype=np.float32), 3 * np.eye(2, dtype=np.float32)
    f.update(cur0, 0.9)
    assert f.value is not cur0 and np.array_equal(f.value, cur0)
    f.update(cur1, 0.9)
    np.testing.assert_allclose(f.value, (0.9 * 3 + 0.1) * np.eye(2),
                               rtol=1e-6)


@pytest.mark.parametrize('make, use_cholesky, form', [
    (lambda: DenseFactor(_spd(3, np.float32)), True, CholeskyInverse),
    (lambda: DenseFactor(_spd(3, np.float32)), False, ExplicitInverse),
    (lambda: DiagonalFactor(np.arange(1, 4, dtype=np.float32)), True,
     None)])
def test_state_round_trip(make, use_cholesky, form):
    factor = make()
    factor.inverse = factor.invert(0.1, use_cholesky)
    saved = {}
    factor.serialize(chainer.serializers.DictionarySerializer(saved), 'F',
                     lambda a: a)
    assert sorted(saved) == ['F', 'F_inv', 'F_inv_cholesky']
    loaded = make()
    loaded.value = None
    loaded.serialize(chainer.serializers.NpzDeserializer(saved), 'F',
                     lambda a: a)
    np.testing.assert_array_equal(loaded.value, factor.value)
    assert type(loaded.inverse) is type(factor.inverse)
    if form is not None:
        assert isinstance(loaded.inverse, form)
    x = np.ones((2, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded.inverse.right(x),
                                  factor.inverse.right(x))
