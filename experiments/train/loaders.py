"""The training and test iterators' kind: serial, thread or process.

``loader.iterator`` picks Chainer's SerialIterator, MultithreadIterator or
MultiprocessIterator with ``loader.workers`` threads or processes (the
original ImageNet script's ``--iterator``/``--loaderjob``). Worker processes
are started with the ``forkserver`` method: a process that has initialised
MPI over InfiniBand may crash when it forks (Open MPI's FAQ, "fork
warning"; the original sets it for the same reason), and forkserver forks
from a clean helper process instead.
"""
import multiprocessing
from typing import Any

import numpy

import chainer

KINDS = ('serial', 'thread', 'process')
START_METHOD = 'forkserver'


def use_fork_safe_start() -> None:
    """Make multiprocessing start workers with forkserver. Chainer's
    MultiprocessIterator uses the global start method, so it is set (with
    force: a library may already have fixed the platform default). The
    server imports chainer_kfac first, so that its NumPy 2 compatibility
    layer is in place before a worker unpickles anything that imports
    Chainer (chainer_kfac/_compat.py)."""
    multiprocessing.set_forkserver_preload(['chainer_kfac'])
    if multiprocessing.get_start_method(allow_none=True) != START_METHOD:
        multiprocessing.set_start_method(START_METHOD, force=True)


def make_iterator(dataset: Any, batch_size: int, kind: str, workers: int,
                  repeat: bool = True, shuffle: bool = True,
                  seed: int | None = None) -> Any:
    """An iterator of ``kind`` (one of :data:`KINDS`) over ``dataset``;
    with ``shuffle`` its order comes from a RandomState(``seed``)."""
    common: dict[str, Any]
    if shuffle:
        common = dict(repeat=repeat, order_sampler=chainer.iterators.
                      ShuffleOrderSampler(numpy.random.RandomState(seed)))
    else:
        common = dict(repeat=repeat, shuffle=False)
    if kind == 'serial':
        return chainer.iterators.SerialIterator(dataset, batch_size,
                                                **common)
    if kind == 'thread':
        return chainer.iterators.MultithreadIterator(
            dataset, batch_size, n_threads=workers, **common)
    if kind == 'process':
        use_fork_safe_start()
        return chainer.iterators.MultiprocessIterator(
            dataset, batch_size, n_processes=workers, **common)
    raise ValueError('loader.iterator must be one of {}, not {!r}'.format(
        ', '.join(KINDS), kind))
