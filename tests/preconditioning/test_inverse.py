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
