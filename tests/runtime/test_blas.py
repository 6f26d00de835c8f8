"""BLAS thread limits really reach NumPy's and SciPy's OpenBLAS, and go."""
import pytest
import threadpoolctl

from chainer_kfac.runtime import blas


def counts_seen_by_threadpoolctl():
    """Thread counts as a fresh threadpoolctl controller reads them."""
    return {lib['filepath']: lib['num_threads'] for lib in
            threadpoolctl.ThreadpoolController().info()
            if lib['user_api'] == 'blas'}


def other_count():
    current = set(counts_seen_by_threadpoolctl().values())
    return 2 if current == {1} else 1


def test_both_numpy_and_scipy_blas_are_controlled():
    names = ' '.join(blas.blas_thread_counts())
    assert 'openblas' in names and 'scipy' in names


def test_context_applies_the_limit_and_restores_it():
    before = counts_seen_by_threadpoolctl()
    n = other_count()
    with blas.blas_threads(n):
        assert set(counts_seen_by_threadpoolctl().values()) == {n}
        assert set(blas.blas_thread_counts().values()) == {n}
    assert counts_seen_by_threadpoolctl() == before


def test_context_restores_after_an_exception():
    before = counts_seen_by_threadpoolctl()
    with pytest.raises(KeyError):
        with blas.blas_threads(other_count()):
            raise KeyError('x')
    assert counts_seen_by_threadpoolctl() == before


def test_none_leaves_counts_alone():
    before = counts_seen_by_threadpoolctl()
    with blas.blas_threads(None):
        assert counts_seen_by_threadpoolctl() == before


def test_set_blas_threads_returns_a_restorable_limiter():
    before = counts_seen_by_threadpoolctl()
    n = other_count()
    limiter = blas.set_blas_threads(n)
    try:
        assert set(counts_seen_by_threadpoolctl().values()) == {n}
    finally:
        limiter.restore_original_limits()
    assert counts_seen_by_threadpoolctl() == before


@pytest.mark.parametrize('bad', [0, -1, 1.5, '2', True])
def test_bad_counts_are_refused(bad):
    with pytest.raises(ValueError, match='integer >= 1'):
        blas.set_blas_threads(bad)
    with pytest.raises(ValueError, match='integer >= 1'):
        blas.set_kfac_blas_threads(bad)


def test_kfac_work_uses_the_kfac_count():
    assert blas.kfac_blas_threads() == 1  # the library's default
    n = other_count()
    try:
        blas.set_kfac_blas_threads(n)
        with blas.kfac_work():
            assert set(counts_seen_by_threadpoolctl().values()) == {n}
    finally:
        blas.set_kfac_blas_threads(1)



def test_context_at_the_current_count_builds_no_limiter(monkeypatch):
    """Entering blas_threads(n) when every library already runs n threads
    is a no-op (K-FAC enters it a dozen times a step), not a
    threadpoolctl limit/restore; another count still gets a limiter."""
    n = other_count()
    with blas.blas_threads(n):          # now every library runs n threads
        calls = []
        real = blas.set_blas_threads
        monkeypatch.setattr(blas, 'set_blas_threads',
                            lambda k: calls.append(k) or real(k))
        with blas.blas_threads(n):
            assert set(counts_seen_by_threadpoolctl().values()) == {n}
        assert calls == []
        m = 1 if n == 2 else 2
        with blas.blas_threads(m):
            assert set(counts_seen_by_threadpoolctl().values()) == {m}
        assert calls == [m]
        assert set(counts_seen_by_threadpoolctl().values()) == {n}
