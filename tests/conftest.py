import os
import sys

# Pin GPU float32 numerics before CUDA libraries load: no TF32 in cuDNN/cuBLAS
# (Ampere+ would otherwise round convolution inputs to 10-bit mantissas and
# CPU-vs-GPU parity fails; docs/results/README.md). No effect on CPUs.
os.environ.setdefault('NVIDIA_TF32_OVERRIDE', '0')
os.environ.setdefault('CUPY_TF32', '0')

# The package's compatibility layer must be imported before Chainer.
import chainer_kfac  # NOQA: F401

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
