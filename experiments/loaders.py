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

import numpy

import chainer

KINDS = ('serial', 'thread', 'process')
START_METHOD = 'forkserver'


def use_fork_safe_start():
    """Make multiprocessing start workers with forkserver (once)."""
    current = multiprocessing.get_start_method(allow_none=True)
    if current is None:
        multiprocessing.set_start_method(START_METHOD)
    elif current != START_METHOD:
        raise RuntimeError(
            'loader.iterator: process: multiprocessing already uses the {!r} '
            'start method; the process iterator needs {!r} (fork-safe under '
            'MPI). Use loader.iterator: thread instead'.format(
                current, START_METHOD))


def make_iterator(dataset, batch_size, kind, workers, repeat=True,
                  shuffle=True, seed=None):
    """An iterator of ``kind`` (one of :data:`KINDS`) over ``dataset``;
    with ``shuffle`` its order comes from a RandomState(``seed``)."""
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
