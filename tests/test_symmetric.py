"""symmetrize_upper against numpy.triu + its transpose."""
import numpy as np
import pytest

from chainer_kfac import symmetric


@pytest.mark.parametrize('n', [1, 5, 9, 23])
@pytest.mark.parametrize('order', ['C', 'F'])
@pytest.mark.parametrize('out', [False, True])
def test_symmetric_from_the_upper_triangle(n, order, out, monkeypatch):
    monkeypatch.setattr(symmetric, 'TILE', 4)  # n > 8 takes the tiles
    rng = np.random.RandomState(n)
    upper = np.asarray(np.triu(rng.randn(n, n)), dtype=np.float32,
                       order=order)
    expected = upper + np.triu(upper, 1).T
    buffer = np.full((n + 1, n + 1), np.nan, np.float32) if out else None
    result = symmetric.symmetrize_upper(
        upper, None if buffer is None else buffer[:n, :n])
    np.testing.assert_array_equal(result, expected)
    if out:
        assert np.shares_memory(result, buffer)
        assert np.isnan(buffer[n]).all()
    else:
        assert result.flags.c_contiguous
