"""Every test in tests/gpu: skipped on machines without a GPU, failed (not
skipped) where a GPU is present but CuPy/Chainer cannot use it."""
import pytest

from tests.gpu.gpu_presence import gpu_state

STATE = gpu_state()


@pytest.fixture(autouse=True)
def _usable_gpu():
    if STATE == 'absent':
        pytest.skip('no NVIDIA GPU on this machine')
    if STATE != 'usable':
        pytest.fail('a GPU is present but the stack is broken ({}); see '
                    'README.md, "GPU stack"'.format(STATE))
