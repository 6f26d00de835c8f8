"""The runtime settings a training or benchmark process starts with.

Entry points (``experiments/train.py``, ``scripts/bench_step_time.py``) call
:func:`apply_process_defaults` once, before the first step, so that a user
who exports nothing gets the fast configuration:

* BLAS threads: one per process (per rank under MPI), unless
  ``OMP_NUM_THREADS`` or ``OPENBLAS_NUM_THREADS`` was exported (then that
  count stays) or a count is given explicitly. Measured on the 2-core VM
  (docs/results/README.md), one thread is faster than two for momentum SGD
  as well as for K-FAC, at batch 128 and 2048; on a machine with many cores
  per rank, ask for more (``--blas-threads N``).
* glibc malloc keeps freed memory (:mod:`chainer_kfac.runtime.malloc`),
  unless ``MALLOC_*`` variables were exported or ``malloc_tuning=False``.

The returned record says what is in force and where it came from; it goes
into ``env.json`` and the benchmark's output.
"""
import os
from typing import Any, Dict, Literal, Union

from chainer_kfac.runtime import blas
from chainer_kfac.runtime import malloc

THREAD_VARIABLES = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')
DEFAULT_BLAS_THREADS = 1
#: the records of the last apply_process_defaults(): 'blas', 'malloc'.
_applied: Dict[str, Dict[str, Any]] = {}


def apply_blas_threads(threads: Union[Literal['auto'], int] = 'auto'
                       ) -> Dict[str, Any]:
    """Set the process's BLAS thread count; return its record."""
    exported = {k: os.environ[k] for k in THREAD_VARIABLES
                if k in os.environ}
    if threads == 'auto' and exported:
        source = 'environment ({})'.format(', '.join(
            '{}={}'.format(k, v) for k, v in sorted(exported.items())))
    elif threads == 'auto':
        blas.set_blas_threads(DEFAULT_BLAS_THREADS)
        source = 'default: {} per process'.format(DEFAULT_BLAS_THREADS)
    else:
        blas.set_blas_threads(threads)
        source = 'requested'
    return {'threads': blas.blas_thread_counts(), 'source': source}


def apply_malloc_tuning(enabled: bool = True) -> Dict[str, Any]:
    """Keep freed memory (mallopt) unless disabled or MALLOC_* exported."""
    exported = malloc.malloc_env_settings()
    if exported:
        return {'applied': {}, 'source': 'environment', 'env': exported}
    if not enabled:
        return {'applied': {}, 'source': "opted out: glibc's defaults"}
    record = malloc.keep_freed_memory()
    record['source'] = 'default (mallopt in-process)'
    return record


def apply_process_defaults(threads: Union[Literal['auto'], int] = 'auto',
                           malloc_tuning: bool = True
                           ) -> Dict[str, Dict[str, Any]]:
    """Both of the above; returns ``{'blas': ..., 'malloc': ...}``.

    ``threads``: ``'auto'`` or a count; ``blas.kfac_blas_threads()`` (K-FAC's
    own work) is recorded beside the process's count.
    """
    _applied.update(
        blas=dict(apply_blas_threads(threads),
                  kfac_work_threads=blas.kfac_blas_threads()),
        malloc=apply_malloc_tuning(malloc_tuning))
    return dict(_applied)


def runtime_record() -> Dict[str, Any]:
    """What is in force now (for env.json): BLAS thread counts, K-FAC's
    own count, and the malloc record of :func:`apply_process_defaults`."""
    return {'blas_threads': blas.blas_thread_counts(),
            'kfac_work_threads': blas.kfac_blas_threads(),
            'blas_source': _applied.get('blas', {}).get(
                'source', 'not set by chainer_kfac'),
            'malloc': _applied.get('malloc', {
                'applied': {}, 'source': 'not set by chainer_kfac'})}
