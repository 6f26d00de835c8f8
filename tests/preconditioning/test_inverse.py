import numpy as np
import pytest

from chainer_kfac.preconditioning import inverse_spd
from chainer_kfac.preconditioning import NotPositiveDefiniteError


def _spd(n, dtype, seed=0):
    a = np.random.RandomState(seed).randn(n, n)
    return (a @ a.T + n * np.eye(n)).astype(dtype)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('use_cholesky', [True, False])
def test_inverse_and_input_untouched(dtype, use_cholesky):
    m = _spd(9, dtype)
    before = m.copy()
    inv = inverse_spd(m, use_cholesky)
    assert np.array_equal(m, before)          # never modified in place
    assert inv.dtype == dtype
    np.testing.assert_allclose(inv @ m, np.eye(9), atol=1e-4)
    np.testing.assert_allclose(inv, inv.T, atol=1e-6)


def test_not_positive_definite_raises():
    with pytest.raises(NotPositiveDefiniteError):
        inverse_spd(-np.eye(3, dtype=np.float32))


def test_damped_inverse_of_full_and_diagonal_factors():
    from chainer_kfac.preconditioning.damped import damped_inverse
    m = _spd(4, np.float64)
    lam = np.array([0.1, 0.2, 0.3, 0.4])
    before = m.copy()
    np.testing.assert_allclose(damped_inverse(m, lam),
                               np.linalg.inv(m + np.diag(lam)))
    assert np.array_equal(m, before)
    d = np.array([1., 2., 3., 4.])
    np.testing.assert_allclose(damped_inverse(d, lam), 1 / (d + lam))
    with pytest.raises(NotPositiveDefiniteError, match='diagonal'):
        damped_inverse(-d, lam)
