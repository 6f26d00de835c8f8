"""The runtime settings a training or benchmark process starts with.

Entry points (``experiments/train.py``, ``scripts/bench_step_time.py``) call
:func:`apply_process_defaults` once, before the first step, so that a user
who exports nothing gets the fast configuration:

* BLAS threads: ``usable cores // ranks on this node`` (one per rank when
  the ranks fill the node), unless ``OMP_NUM_THREADS`` or
  ``OPENBLAS_NUM_THREADS`` was exported (then that count stays) or a count
  is given explicitly.
* glibc malloc keeps freed memory (:mod:`chainer_kfac.runtime.malloc`),
  unless ``MALLOC_*`` variables were exported or ``malloc_tuning=False``.

The returned record says what is in force and where it came from; it goes
into ``env.json`` and the benchmark's output.
"""
import os

from chainer_kfac.runtime import blas_threads as blas
from chainer_kfac.runtime import malloc

THREAD_VARIABLES = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS')


def default_blas_threads(local_ranks):
    """Usable cores shared out among the ranks on this node, at least 1."""
    return max(1, blas.usable_cores() // max(1, local_ranks))


def apply_blas_threads(threads='auto', local_ranks=1):
    """Set the process's BLAS thread count; return its record."""
    exported = {k: os.environ[k] for k in THREAD_VARIABLES
                if k in os.environ}
    if threads == 'auto' and exported:
        source = 'environment ({})'.format(', '.join(
            '{}={}'.format(k, v) for k, v in sorted(exported.items())))
    elif threads == 'auto':
        blas.set_blas_threads(default_blas_threads(local_ranks))
        source = 'default: {} usable cores // {} rank(s) on this node'.format(
            blas.usable_cores(), local_ranks)
    else:
        blas.set_blas_threads(threads)
        source = 'requested'
    return {'threads': blas.blas_thread_counts(), 'source': source}


def apply_malloc_tuning(enabled=True):
    """Keep freed memory (mallopt) unless disabled or MALLOC_* exported."""
    exported = malloc.malloc_env_settings()
    if exported:
        return {'applied': {}, 'source': 'environment', 'env': exported}
    if not enabled:
        return {'applied': {}, 'source': "opted out: glibc's defaults"}
    record = malloc.keep_freed_memory()
    record['source'] = 'default (mallopt in-process)'
    return record


def apply_process_defaults(threads='auto', local_ranks=1,
                           malloc_tuning=True):
    """Both of the above; returns ``{'blas': ..., 'malloc': ...}``."""
    return {'blas': apply_blas_threads(threads, local_ranks),
            'malloc': apply_malloc_tuning(malloc_tuning)}
