"""How many threads BLAS uses, set from inside the process (threadpoolctl).

K-FAC's own work is many small dense products and factorisations (for
LeNet-5, factors of 6 to 401 rows): a multi-threaded OpenBLAS spends more on
waking and synchronising its threads than on the work. NumPy and SciPy each
ship their own OpenBLAS, so both are loaded before the libraries are listed,
and every limit applies to both. ``OMP_NUM_THREADS`` and
``OPENBLAS_NUM_THREADS`` are read by OpenBLAS only when it loads; this module
changes the count afterwards, for the whole process or for one block of code.
"""
import contextlib
import os
from typing import Any, ContextManager, Dict, Iterator, List, Optional

import threadpoolctl

_controller: Any = None


def blas_controller() -> Any:
    """The process's ``ThreadpoolController`` over NumPy's and SciPy's
    BLAS (built once, after both are loaded)."""
    global _controller
    if _controller is None:
        import numpy  # NOQA: F401  (loads NumPy's OpenBLAS)
        import scipy.linalg  # NOQA: F401  (loads SciPy's OpenBLAS)
        _controller = threadpoolctl.ThreadpoolController().select(
            user_api='blas')
        if not _controller.lib_controllers:
            raise RuntimeError(
                'chainer_kfac.runtime.blas: threadpoolctl found no '
                'BLAS library in this process; NumPy/SciPy without a '
                'shared BLAS cannot have their thread count set')
    return _controller


def blas_thread_counts() -> Dict[str, int]:
    """{library file name: its current thread count}."""
    return {os.path.basename(lib['filepath']): lib['num_threads']
            for lib in blas_controller().info()}


def set_blas_threads(n: int) -> Any:
    """Use ``n`` BLAS threads from now on, in the whole process.

    Returns a ``threadpoolctl`` limiter: ``restore_original_limits()``
    undoes it.
    """
    _check_count(n)
    return blas_controller().limit(limits=n)


@contextlib.contextmanager
def blas_threads(n: Optional[int]) -> Iterator[None]:
    """Run the ``with`` block with ``n`` BLAS threads (``None``: as they
    are), then restore the previous counts."""
    if n is None or _all_at(n):
        yield  # nothing to change (the common case: 1 thread everywhere)
        return
    limiter = set_blas_threads(n)
    try:
        yield
    finally:
        limiter.restore_original_limits()


def _all_at(n: int) -> bool:
    """Whether every BLAS library already runs ``n`` threads (a cheap query
    of each library, not threadpoolctl's full limit/restore)."""
    return all(lib.num_threads == n
               for lib in blas_controller().lib_controllers)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _check_count(n: object) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError('BLAS thread count must be an integer >= 1, got '
                         '{!r}'.format(n))


# K-FAC's own small-matrix work (factor statistics, inverses,
# preconditioning) runs with this many BLAS threads, whatever the rest of
# the process uses: see the module docstring and docs/results/README.md.
_kfac_threads: List[Optional[int]] = [1]


def kfac_blas_threads() -> Optional[int]:
    """The BLAS thread count for K-FAC's own work (``None``: unchanged)."""
    return _kfac_threads[0]


def set_kfac_blas_threads(n: Optional[int]) -> None:
    """Run K-FAC's own work with ``n`` BLAS threads (``None``: with the
    process's count)."""
    if n is not None:
        _check_count(n)
    _kfac_threads[0] = n


def kfac_work() -> ContextManager[None]:
    """``with kfac_work():`` around K-FAC's own BLAS work."""
    return blas_threads(_kfac_threads[0])
