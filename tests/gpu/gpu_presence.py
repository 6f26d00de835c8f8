"""Is there a GPU, and is the stack on it usable? Skip vs fail for tests/gpu.

- No NVIDIA device (no /dev/nvidia0, no GPU from ``nvidia-smi -L``) and
  Chainer's CUDA backend unavailable: skip (a CPU machine).
- A device is present but Chainer's CUDA backend (``chainer.backends.cuda
  .available``: CuPy imports) is not, or CuPy sees no device: FAIL -- the
  stack is broken, and silently skipping would hide it.
"""
import os
import shutil
import subprocess


def nvidia_device_present():
    if os.path.exists('/dev/nvidia0'):
        return True
    smi = shutil.which('nvidia-smi')
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, '-L'], capture_output=True, text=True,
                             timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return 'GPU ' in out


def stack_problem():
    """None if Chainer can use a GPU, else what is wrong."""
    from chainer.backends import cuda
    if not cuda.available:
        return 'chainer.backends.cuda is not available: {!r}'.format(
            getattr(cuda, '_resolution_error', None))
    try:
        count = cuda.cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        return 'CuPy cannot count GPUs: {!r}'.format(e)
    return None if count > 0 else 'CuPy sees no GPU'


def gpu_state():
    """``'usable'``, ``'absent'`` or ``'broken: <why>'``."""
    problem = stack_problem()
    if problem is None:
        return 'usable'
    return 'broken: ' + problem if nvidia_device_present() else 'absent'
