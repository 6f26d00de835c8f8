"""glibc malloc told, from inside the process, to keep freed memory.

Chainer allocates and frees hundreds of MB of temporaries every step (at
batch 2048 the conv1 im2col alone is ~0.5 GB). With glibc's defaults every
block above the mmap threshold (128 KiB, rising to at most 32 MiB) is
``mmap``-ed, returned to the kernel when freed and faulted in again on the
next step, and the top of the heap is trimmed. ``mallopt`` (called through
ctypes) changes that for this process alone:

    M_MMAP_THRESHOLD = 2**31 - 1   blocks below 2 GiB come from the heap
    M_TRIM_THRESHOLD = 2**31 - 1   free heap top kept up to 2 GiB
    M_TOP_PAD        = 2**30       grow the heap in 1 GiB (virtual) steps

(``mallopt`` takes a C ``int``: 2**31 - 1 is the largest value.) The same
effect as the environment variables ``MALLOC_MMAP_THRESHOLD_`` etc., but with
nothing to export. Peak memory is unchanged (freed memory is kept for reuse,
not added to); the process's resident size stays at its peak.

On a C library other than glibc there is no ``mallopt``: the functions here
then change nothing and say so in their result.
"""
import ctypes
import ctypes.util
import os
import platform
from typing import Any, Callable, Dict, Mapping, Optional

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

KEEP_FREED_MEMORY = {'M_MMAP_THRESHOLD': 2 ** 31 - 1,
                     'M_TRIM_THRESHOLD': 2 ** 31 - 1,
                     'M_TOP_PAD': 2 ** 30}
_PARAMS = {'M_MMAP_THRESHOLD': M_MMAP_THRESHOLD,
           'M_TRIM_THRESHOLD': M_TRIM_THRESHOLD, 'M_TOP_PAD': M_TOP_PAD}


def glibc_mallopt() -> Optional[Callable[[int, int], int]]:
    """glibc's ``mallopt`` function, or ``None`` on another C library."""
    if platform.libc_ver()[0] != 'glibc':
        return None
    libc = ctypes.CDLL(ctypes.util.find_library('c') or None)
    mallopt = getattr(libc, 'mallopt', None)
    if mallopt is not None:
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
    return mallopt


def malloc_env_settings() -> Dict[str, str]:
    """The ``MALLOC_*`` variables this process was started with."""
    return {k: v for k, v in os.environ.items() if k.startswith('MALLOC_')}


def keep_freed_memory(settings: Optional[Mapping[str, int]] = None
                      ) -> Dict[str, Any]:
    """Apply ``settings`` (default :data:`KEEP_FREED_MEMORY`) with mallopt.

    Returns ``{'applied': {name: value}}`` on glibc, or ``{'applied': {},
    'note': why not}``. Raises ``OSError`` naming the parameter if glibc
    refuses one.
    """
    settings = dict(KEEP_FREED_MEMORY if settings is None else settings)
    mallopt = glibc_mallopt()
    if mallopt is None:
        return {'applied': {}, 'note': 'not glibc ({}): mallopt not '
                'available, the C library\'s defaults are in force'.format(
                    platform.libc_ver()[0] or 'unknown libc')}
    for name, value in settings.items():
        if mallopt(_PARAMS[name], value) != 1:
            raise OSError('chainer_kfac.runtime.malloc: glibc refused '
                          'mallopt({}, {})'.format(name, value))
    return {'applied': settings}
