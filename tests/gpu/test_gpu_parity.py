"""CPU vs GPU parity (skipped where no GPU is present, as in CI; failed
where a GPU is present but the stack is broken: tests/gpu/conftest.py).

TF32 is off (tests/conftest.py sets NVIDIA_TF32_OVERRIDE=0 before CUDA loads),
so float32 tolerances apply. Never run in this repository's CI: see
docs/results/README.md for what has and has not been verified on a GPU.
"""
import numpy as np
import pytest

import chainer
import chainer.links as L

import chainer_kfac
from chainer_kfac.models import LeNet5

pytestmark = pytest.mark.gpu


def _run(device, steps=3, **kwargs):
    np.random.seed(0)
    model = L.Classifier(LeNet5())
    model.to_device(device)
    opt = chainer_kfac.KFAC(lr=0.01, cov_ema_decay=0.8, **kwargs).setup(
        model)
    rng = np.random.RandomState(0)
    for _ in range(steps):
        x = rng.rand(16, 3, 32, 32).astype(np.float32)
        t = rng.randint(0, 10, 16).astype(np.int32)
        opt.update(model, device.send(x), device.send(t))
    return model, opt


def test_three_kfac_steps_on_cpu_and_gpu_agree():
    cpu, _ = _run(chainer.get_device('@numpy'))
    gpu, opt = _run(chainer.get_device('@cupy:0'))
    for (n, a), (_, b) in zip(sorted(cpu.namedparams()),
                              sorted(gpu.namedparams()), strict=True):
        np.testing.assert_allclose(a.array, chainer.backend.CpuDevice().send(
            b.array), rtol=1e-3, atol=1e-5, err_msg=n)


def test_gpu_inverse_leaves_running_averages_untouched():
    import cupy
    from tests.fisher.test_factors import damped_kronecker_inverses
    A = cupy.asarray(np.diag([1., 2., 3.]).astype(np.float32))
    G = cupy.asarray(np.diag([0.5, 0.5]).astype(np.float32))
    A0, G0 = A.copy(), G.copy()
    damped_kronecker_inverses(A, G, 0.04)
    assert bool((A == A0).all()) and bool((G == G0).all())


def _bn_run(device, **options):
    import chainer.functions as F
    np.random.seed(0)
    net = chainer.Sequential(L.Convolution2D(3, 4, 3), L.BatchNormalization(4),
                             F.relu, L.Linear(4 * 30 * 30, 10))
    model = L.Classifier(net)
    model.to_device(device)
    opt = chainer_kfac.KFAC(lr=0.01, cov_ema_decay=0.8, **options).setup(
        model)
    rng = np.random.RandomState(0)
    for _ in range(3):
        x = device.send(rng.rand(8, 3, 32, 32).astype(np.float32))
        t = device.send(rng.randint(0, 10, 8).astype(np.int32))
        opt.update(model, x, t)
    return model


@pytest.mark.parametrize('options', [{}, dict(bn_fisher='unit_wise'),
                                     dict(diagonalize=True)])
def test_gpu_batchnorm_blocks_agree_with_cpu(options):
    cpu = _bn_run(chainer.get_device('@numpy'), **options)
    gpu = _bn_run(chainer.get_device('@cupy:0'), **options)
    for (n, a), (_, b) in zip(sorted(cpu.namedparams()),
                              sorted(gpu.namedparams()), strict=True):
        np.testing.assert_allclose(a.array, chainer.backend.CpuDevice().send(
            b.array), rtol=1e-3, atol=1e-5, err_msg=n)


def test_distributed_kfac_two_ranks_on_one_gpu():
    from tests.distributed.mpi_helper import run_mpi
    env_out = run_mpi(2, 'gpu_equivalence.py').stdout
    assert 'gpu equivalence OK' in env_out
