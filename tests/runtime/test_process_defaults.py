"""What entry points apply by default, and when they leave things alone."""
import pytest

from chainer_kfac.runtime import blas
from chainer_kfac.runtime import malloc
from chainer_kfac.runtime import process_defaults as pd


@pytest.fixture
def restore_threads():
    before = blas.blas_thread_counts()
    limiter = blas.set_blas_threads(min(before.values()))
    yield
    limiter.restore_original_limits()
    assert blas.blas_thread_counts() == before


@pytest.fixture
def clean_env(monkeypatch):
    for k in pd.THREAD_VARIABLES:
        monkeypatch.delenv(k, raising=False)
    for k in list(malloc.malloc_env_settings()):
        monkeypatch.delenv(k)
    return monkeypatch


def test_default_is_one_blas_thread_and_kept_memory(restore_threads,
                                                    clean_env):
    blas.set_blas_threads(2)
    record = pd.apply_process_defaults()
    assert set(record['blas']['threads'].values()) == {1}
    assert set(blas.blas_thread_counts().values()) == {1}
    assert record['blas']['source'] == 'default: 1 per process'
    assert record['blas']['kfac_work_threads'] == 1
    if malloc.glibc_mallopt() is not None:
        assert record['malloc']['applied'] == malloc.KEEP_FREED_MEMORY
    assert pd.runtime_record()['malloc'] == record['malloc']


def test_exported_thread_count_is_respected(restore_threads, clean_env):
    clean_env.setenv('OMP_NUM_THREADS', '2')
    blas.set_blas_threads(2)
    record = pd.apply_blas_threads('auto')
    assert set(record['threads'].values()) == {2}
    assert record['source'] == 'environment (OMP_NUM_THREADS=2)'


def test_explicit_count_wins_over_the_environment(restore_threads,
                                                  clean_env):
    clean_env.setenv('OPENBLAS_NUM_THREADS', '1')
    record = pd.apply_blas_threads(2)
    assert set(blas.blas_thread_counts().values()) == {2}
    assert record['source'] == 'requested'


def test_malloc_opt_out_and_exported_variables(clean_env):
    assert pd.apply_malloc_tuning(False) == {
        'applied': {}, 'source': "opted out: glibc's defaults"}
    clean_env.setenv('MALLOC_TOP_PAD_', '0')
    record = pd.apply_malloc_tuning(True)
    assert record['applied'] == {}
    assert record['env'] == {'MALLOC_TOP_PAD_': '0'}
