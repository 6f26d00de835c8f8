"""The damped-inverse forms against explicit float64 inverses."""
import numpy as np
import pytest

from chainer_kfac.preconditioning import CholeskyInverse
from chainer_kfac.preconditioning import DiagonalInverse
from chainer_kfac.preconditioning import ExplicitInverse
from chainer_kfac.preconditioning import NotPositiveDefiniteError
from chainer_kfac.preconditioning import UnitWiseInverse


def spd(n, seed=0, dtype=np.float32):
    rng = np.random.RandomState(seed)
    x = rng.randn(2 * n, n)
    return (x.T @ x / n + 0.1 * np.eye(n)).astype(dtype)


def precondition_kronecker(M, A_inv, G_inv):
    return G_inv.left(A_inv.right(M))


@pytest.mark.parametrize('dtype, rtol', [(np.float32, 2e-4),
                                         (np.float64, 1e-10)])
def test_solves_equal_products_with_the_inverse(dtype, rtol):
    F = spd(7, dtype=dtype)
    inv64 = np.linalg.inv(F.astype(np.float64))
    X = np.random.RandomState(1).randn(3, 7).astype(dtype)
    inv = CholeskyInverse.of(F)
    np.testing.assert_allclose(inv.right(X), X.astype(np.float64) @ inv64,
                               rtol=rtol, atol=rtol)
    np.testing.assert_allclose(inv.left(X.T), inv64 @ X.T.astype(np.float64),
                               rtol=rtol, atol=rtol)
    assert inv.right(X).dtype == dtype
    dense = inv.as_array()
    np.testing.assert_allclose(dense, inv64, rtol=rtol, atol=rtol)
    assert np.array_equal(dense, dense.T)
    np.testing.assert_array_equal(np.asarray(inv), dense)
    assert inv.shape == (7, 7) and inv.dtype == dtype


def test_input_is_left_alone_and_the_upper_factor_is_the_same_inverse():
    F = spd(5)
    before = F.copy()
    inv = CholeskyInverse.of(F)
    np.testing.assert_array_equal(F, before)
    X = np.ones((2, 5), dtype=np.float32)
    again = CholeskyInverse(inv.state().cholesky_upper.copy())
    np.testing.assert_array_equal(again.right(X), inv.right(X))


@pytest.mark.parametrize('bad', ['indefinite', 'nan'])
def test_no_factor_raises(bad):
    F = spd(4)
    if bad == 'indefinite':
        F[2, 2] = -1.0
    else:
        F[0, 0] = np.nan
    with pytest.raises(NotPositiveDefiniteError):
        CholeskyInverse.of(F)


def test_kronecker_preconditioning_mixes_forms():
    """G^-1 M A^-1 is the same whether each inverse is a CholeskyInverse,
    an explicit matrix or (for a diagonal) a vector."""
    A, G = spd(6, 1), spd(4, 2)
    M = np.random.RandomState(3).randn(4, 6).astype(np.float32)
    want = np.linalg.inv(G.astype(np.float64)) @ M @ \
        np.linalg.inv(A.astype(np.float64))
    got = precondition_kronecker(M, CholeskyInverse.of(A),
                                 CholeskyInverse.of(G))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    d = np.arange(1, 5, dtype=np.float32)
    got = precondition_kronecker(M, CholeskyInverse.of(A),
                                 DiagonalInverse(1 / d))
    np.testing.assert_allclose(
        got, (M / d[:, None]) @ np.linalg.inv(A.astype(np.float64)),
        rtol=1e-4, atol=1e-5)


def test_precondition_with_diagonal_inverses_is_the_matrix_product():
    rng = np.random.RandomState(0)
    M = rng.randn(3, 4)
    a, g = rng.rand(4) + 1, rng.rand(3) + 1
    full_g = rng.randn(3, 3)
    want = np.diag(g) @ M @ np.diag(a)
    np.testing.assert_allclose(precondition_kronecker(
        M, DiagonalInverse(a), DiagonalInverse(g)), want)
    np.testing.assert_allclose(precondition_kronecker(
        M, DiagonalInverse(a), ExplicitInverse(full_g)),
        full_g @ M @ np.diag(a))


def test_left_and_right_apply_every_form():
    """The three forms of a full or diagonal factor (Cholesky, explicit,
    diagonal) give the same products, for a 1-D vector too (BatchNorm's
    gradient)."""
    F = spd(5, 4)
    inv64 = np.linalg.inv(F.astype(np.float64))
    v = np.arange(1, 6, dtype=np.float32)
    X = np.random.RandomState(5).randn(3, 5).astype(np.float32)
    for form in (CholeskyInverse.of(F), ExplicitInverse.of(F),
                 ExplicitInverse.of(F, use_cholesky=False)):
        np.testing.assert_allclose(form.left(v), inv64 @ v,
                                   rtol=2e-4, atol=1e-5)
        np.testing.assert_allclose(form.right(X), X @ inv64,
                                   rtol=2e-4, atol=1e-5)
        assert form.state().inverse.shape == (5, 5)
    assert CholeskyInverse.of(F).state().cholesky_upper.shape == (5, 5)
    assert ExplicitInverse.of(F).state().cholesky_upper.size == 0
    np.testing.assert_allclose(DiagonalInverse.of(v).left(v), np.ones(5))
    with pytest.raises(NotPositiveDefiniteError, match='diagonal'):
        DiagonalInverse.of(-v)


@pytest.mark.parametrize('k, damping', [(2, [0.16, 0.5]), (2, 0.16),
                                        (1, [0.3])])
def test_unit_wise_inverse_and_product(k, damping):
    rng = np.random.RandomState(0)
    g = rng.randn(4, 5, k)
    F = np.einsum('cni,cnj->cij', g, g)
    lam = np.diag(np.broadcast_to(damping, (k,)))
    inv = UnitWiseInverse.of(F + lam)
    for c in range(4):
        np.testing.assert_allclose(inv.as_array()[c],
                                   np.linalg.inv(F[c] + lam), rtol=1e-10)
    grad = rng.randn(4, k)
    out = inv.left(grad)
    np.testing.assert_allclose(out[1], inv.as_array()[1] @ grad[1])
    np.testing.assert_allclose(inv.right(grad)[2],
                               grad[2] @ inv.as_array()[2])


def test_unit_wise_not_positive_definite_raises():
    with pytest.raises(NotPositiveDefiniteError, match='unit-wise'):
        UnitWiseInverse.of(-np.ones((3, 2, 2)) * np.eye(2) + 0.1 * np.eye(2))
