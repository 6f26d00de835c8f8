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


def test_diagonal_factors_are_held_by_their_diagonal():
    A = np.array([1., 2., 3.])
    G = np.diag([0.5, 0.5])
    assert compute_pi(A, G) == pytest.approx(2.0)
    A_inv, G_inv, pi = damped_kronecker_inverses(A, np.array([0.5, 0.5]),
                                                 0.04)
    np.testing.assert_allclose(A_inv, 1 / (A + 2 * 0.2))
    np.testing.assert_allclose(G_inv, 1 / (0.5 + 0.2 / 2) * np.ones(2))


def test_precondition_with_diagonal_inverses_is_the_matrix_product():
    from chainer_kfac.preconditioning import precondition_kronecker
    rng = np.random.RandomState(0)
    M = rng.randn(3, 4)
    a, g = rng.rand(4) + 1, rng.rand(3) + 1
    full_g = rng.randn(3, 3)
    want = np.diag(g) @ M @ np.diag(a)
    np.testing.assert_allclose(precondition_kronecker(M, a, g), want)
    np.testing.assert_allclose(precondition_kronecker(M, a, full_g),
                               full_g @ M @ np.diag(a))
