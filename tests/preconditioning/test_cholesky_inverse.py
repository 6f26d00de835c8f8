"""CholeskyInverse: triangular solves against an explicit float64 inverse."""
import numpy as np
import pytest

from chainer_kfac.preconditioning import NotPositiveDefiniteError
from chainer_kfac.preconditioning import precondition_kronecker
from chainer_kfac.preconditioning.cholesky_inverse import CholeskyInverse


def spd(n, seed=0, dtype=np.float32):
    rng = np.random.RandomState(seed)
    x = rng.randn(2 * n, n)
    return (x.T @ x / n + 0.1 * np.eye(n)).astype(dtype)


@pytest.mark.parametrize('dtype, rtol', [(np.float32, 2e-4),
                                         (np.float64, 1e-10)])
def test_solves_equal_products_with_the_inverse(dtype, rtol):
    F = spd(7, dtype=dtype)
    inv64 = np.linalg.inv(F.astype(np.float64))
    X = np.random.RandomState(1).randn(3, 7).astype(dtype)
    inv = CholeskyInverse(F)
    np.testing.assert_allclose(inv.right(X), X.astype(np.float64) @ inv64,
                               rtol=rtol, atol=rtol)
    np.testing.assert_allclose(inv.left(X.T), inv64 @ X.T.astype(np.float64),
                               rtol=rtol, atol=rtol)
    assert inv.right(X).dtype == dtype
    dense = inv.dense()
    np.testing.assert_allclose(dense, inv64, rtol=rtol, atol=rtol)
    assert np.array_equal(dense, dense.T)
    np.testing.assert_array_equal(np.asarray(inv), dense)
    assert inv.shape == (7, 7) and inv.dtype == dtype


def test_input_is_left_alone_and_from_upper_is_the_same_inverse():
    F = spd(5)
    before = F.copy()
    inv = CholeskyInverse(F)
    np.testing.assert_array_equal(F, before)
    X = np.ones((2, 5), dtype=np.float32)
    again = CholeskyInverse.from_upper(inv.upper.copy())
    np.testing.assert_array_equal(again.right(X), inv.right(X))


@pytest.mark.parametrize('bad', ['indefinite', 'nan'])
def test_no_factor_raises(bad):
    F = spd(4)
    if bad == 'indefinite':
        F[2, 2] = -1.0
    else:
        F[0, 0] = np.nan
    with pytest.raises(NotPositiveDefiniteError):
        CholeskyInverse(F)


def test_kronecker_preconditioning_mixes_forms():
    """G^-1 M A^-1 is the same whether each inverse is a CholeskyInverse,
    an explicit matrix or (for a diagonal) a vector."""
    A, G = spd(6, 1), spd(4, 2)
    M = np.random.RandomState(3).randn(4, 6).astype(np.float32)
    want = np.linalg.inv(G.astype(np.float64)) @ M @ \
        np.linalg.inv(A.astype(np.float64))
    got = precondition_kronecker(M, CholeskyInverse(A), CholeskyInverse(G))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    d = np.arange(1, 5, dtype=np.float32)
    got = precondition_kronecker(M, CholeskyInverse(A), 1 / d)
    np.testing.assert_allclose(
        got, (M / d[:, None]) @ np.linalg.inv(A.astype(np.float64)),
        rtol=1e-4, atol=1e-5)


def test_left_and_right_multiply_apply_every_form():
    """damped.invert's three forms (diagonal, explicit, CholeskyInverse)
    give the same products through left_multiply / right_multiply, for a
    1-D vector too (BatchNorm's gradient)."""
    from chainer_kfac.preconditioning.damped import invert, left_multiply, \
        right_multiply
    F = spd(5, 4)
    inv64 = np.linalg.inv(F.astype(np.float64))
    v = np.arange(1, 6, dtype=np.float32)
    X = np.random.RandomState(5).randn(3, 5).astype(np.float32)
    for form in (invert(F), invert(F, use_cholesky=False)):
        np.testing.assert_allclose(left_multiply(form, v), inv64 @ v,
                                   rtol=2e-4, atol=1e-5)
        np.testing.assert_allclose(right_multiply(X, form), X @ inv64,
                                   rtol=2e-4, atol=1e-5)
    assert isinstance(invert(F), CholeskyInverse)
    assert isinstance(invert(F, use_cholesky=False), np.ndarray)
    np.testing.assert_allclose(left_multiply(1 / v, v), np.ones(5))
