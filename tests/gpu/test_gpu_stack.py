"""The GPU stack and the GPU paths of issue 14, checked on a real GPU."""
import os

import numpy as np
import pytest

import chainer

from chainer_kfac.distributed import host_staging
from chainer_kfac.preconditioning import inverse_spd
from chainer_kfac.preconditioning import NotPositiveDefiniteError
from experiments.train import devices
from experiments.train import gpu_info

pytestmark = pytest.mark.gpu


def test_tf32_is_pinned_off_for_parity():
    assert os.environ.get('NVIDIA_TF32_OVERRIDE') == '0'


def test_cudnn_is_on_with_cupy_13():
    import cupy
    info = gpu_info.gpu_stack()
    if int(cupy.__version__.split('.')[0]) >= 14:
        pytest.skip('CuPy 14 has no cuDNN; Chainer uses its own kernels')
    assert info['cudnn_enabled'], (
        'cuDNN is off ({}): put the nvidia-cudnn-cu12 lib folder on '
        'LD_LIBRARY_PATH (README.md, "GPU stack")'.format(
            info.get('cudnn_missing')))


def test_cholesky_runs_and_failure_raises_on_gpu():
    import cupy
    m = cupy.asarray(np.diag([4.0, 1.0, 2.0]).astype(np.float32))
    cupy.testing.assert_allclose(inverse_spd(m), np.diag([0.25, 1, 0.5]),
                                 rtol=1e-6)
    with pytest.raises(NotPositiveDefiniteError):
        inverse_spd(cupy.asarray(np.diag([1.0, -1.0]).astype(np.float32)))
    with pytest.raises(NotPositiveDefiniteError):
        inverse_spd(cupy.asarray(np.diag([1.0, -1.0]).astype(np.float32)),
                    use_cholesky=False)


def test_staging_and_synchronize_on_cupy_arrays():
    import cupy
    a = cupy.arange(4, dtype=cupy.float32)
    assert host_staging.is_device_array(a)
    staged = host_staging.to_mpi(a, cuda_aware=False)
    assert type(staged) is np.ndarray
    staged += 1
    host_staging.from_mpi(staged, a)
    cupy.testing.assert_array_equal(a, [1, 2, 3, 4])
    assert host_staging.to_mpi(a, cuda_aware=True) is a  # synchronises


def test_cuda_device_maps_to_an_existing_gpu():
    device = devices.get_device('cuda')
    assert str(device) == '@cupy:0'
    count = devices.visible_gpu_count()
    with pytest.raises(devices.DeviceError, match='does not exist'):
        devices.get_device(count)
    assert chainer.get_device('@cupy:0') == device
