"""A stand-in for CuPy arrays on a machine without a GPU.

:class:`FakeDeviceArray` behaves like a NumPy array for arithmetic, but
announces device memory the way CuPy does (``__cuda_array_interface__``) and
offers CuPy's host-transfer API (``get``/``set``) and ``device.synchronize``,
recording every call. :class:`StrictMpi` wraps an mpi4py communicator and
refuses a device array in any buffer, as a non-CUDA-aware MPI must.
"""
import numpy as np


class FakeDevice(object):
    def __init__(self):
        self.synchronized = 0

    def synchronize(self):
        self.synchronized += 1


DEVICE = FakeDevice()
LOG = {'get': 0, 'set': 0}


class FakeDeviceArray(np.ndarray):

    @property
    def __cuda_array_interface__(self):
        # The host address: tests/distributed/local_world.py's FakeNccl
        # reads and writes through it as NCCL would on the device.
        return {'shape': self.shape, 'typestr': self.dtype.str,
                'data': (self.ctypes.data, False), 'version': 3}

    @property
    def device(self):
        return DEVICE

    def get(self):
        LOG['get'] += 1
        return np.array(self, copy=True).view(np.ndarray)

    def set(self, host):
        assert type(host) is np.ndarray
        LOG['set'] += 1
        self.view(np.ndarray)[...] = host


def on_device(array):
    return np.ascontiguousarray(array).view(FakeDeviceArray)


def _buffers(spec):
    if isinstance(spec, (list, tuple)):
        for item in spec:
            yield from _buffers(item)
    elif isinstance(spec, np.ndarray):
        yield spec


class StrictMpi(object):
    """mpi4py communicator that fails like MPI on a device pointer."""

    def __init__(self, comm):
        self._comm = comm
        self.seen_device_buffer = False

    def __getattr__(self, name):
        attr = getattr(self._comm, name)
        if not name[:1].isupper() or not callable(attr):
            return attr

        def checked(*args, **kwargs):
            for buf in _buffers(list(args) + list(kwargs.values())):
                if hasattr(type(buf), '__cuda_array_interface__'):
                    self.seen_device_buffer = True
                    if not getattr(self, 'cuda_aware', False):
                        raise AssertionError(
                            'device array handed to a non-CUDA-aware '
                            'MPI_{}'.format(name))
            return attr(*args, **kwargs)
        return checked
