"""The ``device`` key of a config: which specifiers exist, and which GPU a
rank uses.

Accepted (Chainer's own specifiers plus ``cuda``):

========================  =====================================================
``-1``, ``'@numpy'``      the CPU (NumPy)
``N``, ``'@cupy:N'``      GPU N of the visible ones (N >= 0)
``'cuda'``                one GPU per rank: GPU ``intra_rank % device_count``,
                          so ranks share GPUs round-robin when a node has
                          more ranks than GPUs (only with communicator
                          ``mpi``; NCCL cannot put two ranks on one GPU)
========================  =====================================================

:func:`parse` checks the spelling (config loading calls it, before any output
is written); :func:`check_available` checks that CuPy imports and the GPU
exists; :func:`get_device` returns the Chainer device of this rank.
"""
import re
from typing import Any, NamedTuple

from chainer_kfac.distributed import KFACCommunicator
from experiments.errors import StudyError


class DeviceSpec(NamedTuple):
    """kind: 'cpu', 'gpu' (``gpu`` is the number) or 'per_rank'
    (``cuda``)."""
    kind: str
    gpu: int | None

HELP = ("use -1 or '@numpy' (CPU), N or '@cupy:N' (GPU N), or 'cuda' (the "
        'GPU intra_rank % device_count of each rank)')


class DeviceError(StudyError, ValueError):
    """A device that is misspelt or not present; the message says which."""


def parse(spec: object) -> DeviceSpec:
    """The :class:`DeviceSpec` of a config value; raises DeviceError."""
    if isinstance(spec, bool):
        raise DeviceError('device {!r}: {}'.format(spec, HELP))
    if spec in (-1, '-1', '@numpy'):
        return DeviceSpec('cpu', None)
    if spec == 'cuda':
        return DeviceSpec('per_rank', None)
    if isinstance(spec, int) and spec >= 0:
        return DeviceSpec('gpu', spec)
    match = re.match(r'^(?:@cupy:)?([0-9]+)$', spec) \
        if isinstance(spec, str) else None
    if match:
        return DeviceSpec('gpu', int(match.group(1)))
    raise DeviceError('device {!r}: {}'.format(spec, HELP))


def gpu_for_rank(intra_rank: int, device_count: int) -> int:
    """The GPU of the rank ``intra_rank`` of a node with ``device_count``
    visible GPUs."""
    if device_count < 1:
        raise DeviceError("device 'cuda': no GPU visible (check nvidia-smi "
                          'and CUDA_VISIBLE_DEVICES)')
    return intra_rank % device_count


def visible_gpu_count() -> int:
    """Number of GPUs CuPy sees; DeviceError if CuPy or CUDA is missing."""
    try:
        import cupy
    except ImportError as e:
        raise DeviceError('a GPU device needs CuPy ({}); see README.md, '
                          '"GPU stack"'.format(e)) from e
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception as e:  # CUDARuntimeError: no driver, no device
        raise DeviceError('CuPy cannot reach a GPU: {}'.format(e)) from e


def chainer_name(spec: DeviceSpec, intra_rank: int = 0,
                 device_count: int | None = None) -> str:
    """``'@numpy'`` or ``'@cupy:N'`` for ``spec`` on rank ``intra_rank``;
    ``device_count`` defaults to :func:`visible_gpu_count`."""
    if spec.kind == 'cpu':
        return '@numpy'
    count = visible_gpu_count() if device_count is None else device_count
    gpu = spec.gpu if spec.kind == 'gpu' and spec.gpu is not None else \
        gpu_for_rank(intra_rank, count)
    if gpu >= count:
        raise DeviceError('device {}: GPU {} does not exist ({} visible; '
                          'CUDA_VISIBLE_DEVICES renumbers them from 0)'
                          .format(spec.gpu, gpu, count))
    return '@cupy:{}'.format(gpu)


def check_available(value: object,
                    comm: KFACCommunicator | None = None) -> None:
    """Raise DeviceError now if the device of config value ``value`` cannot
    be used on this rank."""
    chainer_name(parse(value), 0 if comm is None else comm.intra_rank)


def get_device(value: object, comm: KFACCommunicator | None = None) -> Any:
    """The Chainer device of config value ``value`` on this rank, made
    current."""
    import chainer
    name = chainer_name(parse(value), 0 if comm is None else comm.intra_rank)
    device = chainer.get_device(name)
    device.use()
    return device
