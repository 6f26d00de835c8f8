"""CIFAR-10 (Chainer_K-FAC's examples/cifar10; the study's other dataset):
the python version's tarball (``cifar-10-python.tar.gz``) or its extracted
``cifar-10-batches-py/`` folder in ``data_dir``, or Chainer's
downloader/cache when ``data_dir`` is None. Images are float32 (3, 32, 32)
in [0, 1], labels int32; a missing, truncated or corrupt file raises
:class:`~experiments.dataset_error.DatasetError` saying how to provide it.
"""
import os
import tarfile
import zlib
from typing import IO, cast

import numpy

import chainer

from experiments.data.data_info import Loaded
from experiments.data.dataset_error import DatasetError
from experiments.folders import safe_files

#: (images uint8 (N, 3072), labels int32 (N,)) of one batch file
Batch = tuple[numpy.ndarray, numpy.ndarray]

CIFAR10_TARBALL = 'cifar-10-python.tar.gz'
CIFAR10_FOLDER = 'cifar-10-batches-py'


def load_cifar10(data_dir: str | None = None, with_test: bool = True
                 ) -> Loaded:
    """CIFAR-10 from ``data_dir`` (the tarball or its extracted folder), or
    Chainer's downloader/cache when ``data_dir`` is None; with
    ``with_test=False`` the test batch is not read (test is None)."""
    if data_dir is None:
        root = chainer.dataset.get_dataset_directory('pfnet/chainer/cifar',
                                                     create_directory=False)
        try:
            train, test = chainer.datasets.get_cifar10(withlabel=True,
                                                       scale=1.0)
        except Exception as e:
            raise DatasetError(
                'CIFAR-10: Chainer could not download it or find it in its '
                'cache ({}): {}: {}. Offline? Download {} elsewhere and set '
                '`data_dir:` to the folder holding it (or its extracted {}/ '
                'folder)'.format(root, type(e).__name__, e, CIFAR10_TARBALL,
                                 CIFAR10_FOLDER)) from e
        return train, test if with_test else None, {
                             'dataset': 'cifar10',
                             'source': 'chainer.datasets.get_cifar10',
                             'path': root}
    batches, where = _cifar10_batches(data_dir, with_test)
    train = chainer.datasets.TupleDataset(*_cifar_concat(
        [batches['data_batch_%d' % i] for i in range(1, 6)], where))
    test = chainer.datasets.TupleDataset(*_cifar_concat(
        [batches['test_batch']], where)) if with_test else None
    return train, test, {'dataset': 'cifar10', 'source': 'local',
                         'path': where}


def _cifar10_batches(data_dir: str, with_test: bool = True
                     ) -> tuple[dict[str, Batch], str]:
    """Every batch (``with_test=False``: but the test batch) of the
    extracted folder (first) or the tarball in ``data_dir``, and which of
    the two was read."""
    names = ['data_batch_%d' % i for i in range(1, 6)] + (
        ['test_batch'] if with_test else [])
    candidates = [data_dir, os.path.join(data_dir, CIFAR10_TARBALL)]
    tarball = next((c for c in candidates if os.path.isfile(c)), None)
    folder = next((f for f in (os.path.join(data_dir, CIFAR10_FOLDER),
                               data_dir)
                   if os.path.isfile(os.path.join(f, names[-1]))), None)
    hint = ('put {} (from https://www.cs.toronto.edu/~kriz/cifar.html) or '
            'its extracted {}/ folder there, or set `data_dir:`'.format(
                CIFAR10_TARBALL, CIFAR10_FOLDER))
    if folder is not None:
        return _folder_batches(folder, names, hint), folder
    if tarball is None:
        raise DatasetError('CIFAR-10: found neither {} nor {}/ in {}; '
                           '{}'.format(CIFAR10_TARBALL, CIFAR10_FOLDER,
                                       os.path.abspath(data_dir), hint))
    return _tarball_batches(tarball, names, hint), tarball


def _folder_batches(folder: str, names: list[str], hint: str
                    ) -> dict[str, Batch]:
    out = {}
    for name in names:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise DatasetError('CIFAR-10: {} is missing; {}'.format(
                path, hint))
        with open(path, 'rb') as f:
            out[name] = _unpickle(f, path, hint)
    return out


def _tarball_batches(tarball: str, names: list[str], hint: str
                     ) -> dict[str, Batch]:
    out = {}
    try:
        with tarfile.open(tarball, 'r:gz') as tar:
            members = {os.path.basename(m.name): m for m in tar.getmembers()
                       if m.isfile()}
            for name in names:
                if name not in members:
                    raise DatasetError(
                        'CIFAR-10: {} has no {}: not the python version of '
                        'CIFAR-10? {}'.format(tarball, name, hint))
                # a regular file's member always has a file object
                member = cast(IO[bytes], tar.extractfile(members[name]))
                out[name] = _unpickle(member, tarball + ':' + name, hint)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DatasetError('CIFAR-10: {} is truncated or corrupt ({}: {}); '
                           'download it again. {}'.format(
                               tarball, type(e).__name__, e, hint)) from e
    return out


def _unpickle(f: IO[bytes], where: str, hint: str) -> Batch:
    try:
        d = safe_files.load_pickle(f, where, encoding='bytes')
        data = numpy.asarray(d[b'data'], dtype=numpy.uint8)
        labels = numpy.asarray(d[b'labels'], dtype=numpy.int32)
    except safe_files.UnsafeFile:
        raise
    except Exception as e:
        raise DatasetError('CIFAR-10: cannot read {} ({}: {}); the file is '
                           'truncated or corrupt: {}'.format(
                               where, type(e).__name__, e, hint)) from e
    if data.ndim != 2 or data.shape[1] != 3072 or \
            len(data) != len(labels):
        raise DatasetError('CIFAR-10: {} has data of shape {} and {} labels '
                           '(expected N x 3072 and N); {}'.format(
                               where, data.shape, len(labels), hint))
    return data, labels


def _cifar_concat(parts: list[Batch], where: str) -> Batch:
    """The batches' images as float32 (N, 3, 32, 32) in [0, 1], and their
    labels."""
    x = numpy.concatenate([p[0] for p in parts])
    t = numpy.concatenate([p[1] for p in parts])
    x = x.reshape(-1, 3, 32, 32).astype(numpy.float32) / 255.
    return x, t
