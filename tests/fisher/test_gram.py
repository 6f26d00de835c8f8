import numpy as np
import pytest

from chainer_kfac.fisher.gram import add_gram_upper, gram


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('order', ['C', 'F', 'strided'])
def test_gram_equals_xtx(dtype, order):
    rng = np.random.RandomState(0)
    x = rng.randn(50, 7).astype(dtype)
    if order == 'F':
        x = np.asfortranarray(x)
    elif order == 'strided':
        x = rng.randn(50, 14).astype(dtype)[:, ::2]
    out = gram(x, 0.5)
    np.testing.assert_allclose(out, 0.5 * x.T @ x, rtol=1e-5, atol=1e-6)
    assert out.dtype == dtype
    assert np.array_equal(out, out.T)


@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16])
def test_add_gram_upper_sums_chunks_on_the_upper_triangle(dtype):

    rng = np.random.RandomState(3)
    x = rng.randn(23, 5).astype(dtype)
    upper = np.zeros((5, 5), dtype=dtype, order='F')
    for start in (0, 10, 20):
        upper = add_gram_upper(upper, np.asfortranarray(x[start:start + 10]),
                               0.5)
    expected = 0.5 * x.astype(np.float64).T @ x.astype(np.float64)
    tol = 1e-2 if dtype == np.float16 else 1e-5
    np.testing.assert_allclose(np.triu(upper), np.triu(expected), rtol=tol,
                               atol=tol)
    assert not np.tril(upper, -1).any()
