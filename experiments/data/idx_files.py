"""LeCun's idx format, gzipped, as MNIST and Fashion-MNIST ship it: four
files (:data:`IDX_FILES`), a big-endian header (magic number 2051 for
images, 2049 for labels, then the dimensions) and uint8 bytes. Images come
back float32 (N, 1, 28, 28) scaled to [0, 1], labels int32; a file that is
missing, truncated, corrupt or of another kind, or labels that do not match
their images in number, raise
:class:`~experiments.dataset_error.DatasetError` naming it.
"""
import gzip
import os
import struct
import zlib

import numpy

import chainer

from experiments.data.dataset_error import DatasetError

IDX_FILES = {
    'train_images': 'train-images-idx3-ubyte.gz',
    'train_labels': 'train-labels-idx1-ubyte.gz',
    'test_images': 't10k-images-idx3-ubyte.gz',
    'test_labels': 't10k-labels-idx1-ubyte.gz',
}


def _read_idx(path: str, magic: int, header_ints: int) -> numpy.ndarray:
    try:
        with gzip.open(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError('{} is truncated or corrupt ({}: {}); install '
                           'or download the file again'.format(
                               path, type(e).__name__, e)) from e
    head = 4 * header_ints
    if len(raw) < head or struct.unpack('>i', raw[:4])[0] != magic:
        raise DatasetError('{} is not an idx file (magic number {} '
                           'expected)'.format(path, magic))
    dims = struct.unpack('>' + 'i' * (header_ints - 1), raw[4:head])
    body = numpy.frombuffer(raw, dtype=numpy.uint8, offset=head)
    if body.size != int(numpy.prod(dims)):
        raise DatasetError('{} is truncated: header says {} but holds {} '
                           'bytes'.format(path, dims, body.size))
    return body.reshape(dims)


def read_idx_images(path: str) -> numpy.ndarray:
    images = _read_idx(path, 2051, 4)
    return images[:, None].astype(numpy.float32) / 255.


def read_idx_labels(path: str) -> numpy.ndarray:
    return _read_idx(path, 2049, 2).astype(numpy.int32)


def read_folder(data_dir: str, dataset: str, fix: str,
                with_test: bool = True
                ) -> tuple[chainer.datasets.TupleDataset,
                           chainer.datasets.TupleDataset | None]:
    """(train, test) from the four :data:`IDX_FILES` in ``data_dir``; the
    errors start with ``dataset`` and a missing file's ends with ``fix``.
    ``with_test=False``: the two test files are neither needed nor read,
    and test is None."""
    splits = ('train', 'test') if with_test else ('train',)
    paths = {k: os.path.join(data_dir, v) for k, v in IDX_FILES.items()
             if k.split('_')[0] in splits}
    missing = [os.path.basename(p) for p in paths.values()
               if not os.path.isfile(p)]
    if missing:
        raise DatasetError('{}: missing {} in {}. {}'.format(
            dataset, ', '.join(missing), os.path.abspath(data_dir), fix))
    train = _read_split(paths, 'train', dataset, data_dir)
    test = _read_split(paths, 'test', dataset, data_dir) if with_test \
        else None
    return train, test


def _read_split(paths: dict[str, str], which: str, dataset: str,
                data_dir: str) -> chainer.datasets.TupleDataset:
    x = read_idx_images(paths[which + '_images'])
    t = read_idx_labels(paths[which + '_labels'])
    if len(x) != len(t):
        raise DatasetError('{}: {} has {} images but {} labels in {}'
                           .format(dataset, which, len(x), len(t), data_dir))
    return chainer.datasets.TupleDataset(x, t)
