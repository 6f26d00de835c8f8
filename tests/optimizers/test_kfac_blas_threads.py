"""K-FAC's own BLAS work (statistics, inverses) runs on K-FAC's thread
count, whatever the process uses, and the process's count comes back."""
import numpy as np

import chainer.links as L

import chainer_kfac
from chainer_kfac.fisher.kronecker import KroneckerFisherBlock
from chainer_kfac.fisher.convolution_2d import Convolution2DFisherBlock
from chainer_kfac.models import LeNet5
from chainer_kfac.runtime import blas


def spy(monkeypatch, owner, name, seen):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        seen.append(set(blas.blas_thread_counts().values()))
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, wrapper)


def one_update(monkeypatch, kfac_threads):
    seen_stats, seen_inv = [], []
    spy(monkeypatch, Convolution2DFisherBlock, 'compute_factors',
        seen_stats)
    spy(monkeypatch, KroneckerFisherBlock, 'invert', seen_inv)
    model = L.Classifier(LeNet5())
    opt = chainer_kfac.KFAC(lr=0.01)
    opt.setup(model)
    rng = np.random.RandomState(0)
    x = rng.rand(4, 3, 32, 32).astype(np.float32)
    t = rng.randint(0, 10, 4).astype(np.int32)
    limiter = blas.set_blas_threads(2)
    blas.set_kfac_blas_threads(kfac_threads)
    try:
        opt.update(model, x, t)
        after = set(blas.blas_thread_counts().values())
    finally:
        blas.set_kfac_blas_threads(1)
        limiter.restore_original_limits()
    return seen_stats, seen_inv, after


def test_kfac_work_runs_on_one_thread_in_a_two_thread_process(monkeypatch):
    stats, inv, after = one_update(monkeypatch, 1)
    assert len(stats) == 2 and len(inv) >= 4
    assert all(s == {1} for s in stats + inv)
    assert after == {2}


def test_kfac_count_none_keeps_the_process_count(monkeypatch):
    stats, inv, after = one_update(monkeypatch, None)
    assert stats and inv and all(s == {2} for s in stats + inv)
    assert after == {2}
