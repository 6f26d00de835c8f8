"""GPU arrays through an MPI that cannot read GPU memory: host staging.

A *device array* is one that exposes ``__cuda_array_interface__`` (CuPy's
ndarray does; NumPy's does not). MPI may be handed a device array only when
it is CUDA-aware; otherwise the array is copied to host memory
(``array.get()``), the collective runs on the copy, and the result is copied
back (``array.set(host)``). Both are CuPy's ndarray API; ``get`` waits for
the copy, so the host buffer is complete before MPI reads it.

When MPI reads device memory directly, every kernel that writes the array
must have finished first: :func:`synchronize` waits for the array's device
(``cupy.cuda.Device.synchronize``; Chainer's ``GpuDevice`` has no such
method, its ``.device`` is the CuPy device).
"""
from typing import Any


def is_device_array(array: Any) -> bool:
    """True for arrays in GPU memory (those with a CUDA array interface)."""
    return hasattr(type(array), '__cuda_array_interface__')


def synchronize(array: Any) -> None:
    """Wait until all work on ``array``'s GPU has finished."""
    array.device.synchronize()


def to_mpi(array: Any, cuda_aware: bool) -> Any:
    """The buffer to hand to MPI for ``array``: the array itself (NumPy, or
    a device array under a CUDA-aware MPI, after synchronising), else a
    host copy."""
    if not is_device_array(array):
        return array
    if cuda_aware:
        synchronize(array)
        return array
    return array.get()


def from_mpi(buffer: Any, array: Any) -> Any:
    """Copy a staged result back into ``array``; returns ``array``."""
    if buffer is not array:
        array.set(buffer)
    return array


def contains_device_array(value: Any) -> bool:
    """True if ``value`` is, or (in a tuple or list) holds, a device
    array."""
    if isinstance(value, (tuple, list)):
        return any(contains_device_array(v) for v in value)
    return is_device_array(value)


class DeviceArrayGuard(object):
    """Mix-in: ChainerMN's array collectives that hand raw device pointers to
    MPI refuse device arrays unless the MPI is CUDA-aware (this package does
    not use them; it stages its own collectives). Without it they would
    crash inside MPI with a segmentation fault."""

    cuda_aware: bool

    def _refuse_device_arrays(self, name: str, value: Any) -> None:
        if not self.cuda_aware and contains_device_array(value):
            raise TypeError(
                '{}.{}: got a GPU array, but this MPI is not CUDA-aware and '
                "ChainerMN's {} passes device pointers to MPI. Move the "
                'array to the host (chainer.backend.CpuDevice().send), or '
                "use create_communicator('mpi', cuda_aware=True) with a "
                'CUDA-aware MPI, or the pure_nccl communicator'.format(
                    type(self).__name__, name, name))

    def _chainermn(self) -> Any:
        """The next class in the MRO: ChainerMN's communicator."""
        return super(DeviceArrayGuard, self)

    def alltoall(self, xs: Any) -> Any:
        self._refuse_device_arrays('alltoall', xs)
        return self._chainermn().alltoall(xs)

    def send(self, data: Any, dest: int, tag: int) -> Any:
        self._refuse_device_arrays('send', data)
        return self._chainermn().send(data, dest, tag)

    def bcast(self, x: Any, root: int = 0) -> Any:
        self._refuse_device_arrays('bcast', x)
        return self._chainermn().bcast(x, root)

    def gather(self, x: Any, root: int = 0) -> Any:
        self._refuse_device_arrays('gather', x)
        return self._chainermn().gather(x, root)

    def allgather(self, x: Any) -> Any:
        self._refuse_device_arrays('allgather', x)
        return self._chainermn().allgather(x)

    def allreduce(self, x: Any) -> Any:
        self._refuse_device_arrays('allreduce', x)
        return self._chainermn().allreduce(x)

    def scatter(self, xs: Any, root: int = 0) -> Any:
        self._refuse_device_arrays('scatter', xs)
        return self._chainermn().scatter(xs, root)
