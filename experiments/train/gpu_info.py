"""What the GPU stack of a run is: for env.json and the run's first line.

Chainer 7.8.1 turns cuDNN on (``chainer.backends.cuda.cudnn_enabled``) only
when ``import cupy.cudnn`` works; CuPy 13 finds a pip-installed cuDNN only
through LD_LIBRARY_PATH, and CuPy 14 has no cuDNN support at all, so without
this report a run silently uses Chainer's own (slower, differently rounded)
convolution kernels. TF32 (Ampere and newer): cuDNN may use it for float32
convolutions unless NVIDIA_TF32_OVERRIDE=0; CuPy's matmuls use it only with
CUPY_TF32=1. Both settings are recorded.
"""
import os
from typing import Any


def gpu_stack() -> dict[str, Any]:
    """A dict: CUDA available, cuDNN on, its version, TF32 settings."""
    from chainer.backends import cuda
    import chainer
    info: dict[str, Any] = {'cuda_available': bool(cuda.available),
            'cudnn_enabled': bool(cuda.available and cuda.cudnn_enabled),
            'use_cudnn': chainer.config.use_cudnn,
            'NVIDIA_TF32_OVERRIDE': os.environ.get('NVIDIA_TF32_OVERRIDE'),
            'CUPY_TF32': os.environ.get('CUPY_TF32'),
            'CHAINER_CUDNN': os.environ.get('CHAINER_CUDNN')}
    if info['cudnn_enabled']:
        info['cudnn_version'] = int(cuda.libcudnn.getVersion())
    elif cuda.available:
        info['cudnn_missing'] = 'disabled by CHAINER_CUDNN=0' if getattr(
            cuda, '_cudnn_disabled_by_user', False) else repr(getattr(
                cuda, '_resolution_error', None))
    return info


def describe(device: object) -> str:
    """Short text for the first line: the device and whether cuDNN is on."""
    if str(device) == '@numpy':
        return str(device)
    info = gpu_stack()
    if info['cudnn_enabled']:
        cudnn = 'cuDNN {} on'.format(info['cudnn_version'])
    else:
        cudnn = 'cuDNN OFF: {}'.format(info.get('cudnn_missing'))
    tf32 = info['NVIDIA_TF32_OVERRIDE']
    return '{} ({}; NVIDIA_TF32_OVERRIDE={})'.format(
        device, cudnn, 'unset' if tf32 is None else tf32)
