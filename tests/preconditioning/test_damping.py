import numpy as np
import pytest

from chainer_kfac.preconditioning import compute_pi
from chainer_kfac.preconditioning import damped_kronecker_inverses


def test_tracenorm_pi():
    A = np.diag([1., 2., 3.])          # tr/dim = 2
    G = np.diag([0.5, 0.5])            # tr/dim = 0.5
    assert compute_pi(A, G) == pytest.approx(2.0)
    assert compute_pi(A, G, None) == 1.0


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
