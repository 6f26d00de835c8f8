import numpy as np
import pytest

from chainer_kfac.fisher.gram import gram


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
