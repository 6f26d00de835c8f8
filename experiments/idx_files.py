"""LeCun's idx format, gzipped, as MNIST and Fashion-MNIST ship it: four
files (:data:`IDX_FILES`), a big-endian header (magic number 2051 for
images, 2049 for labels, then the dimensions) and uint8 bytes. Images come
back float32 (N, 1, 28, 28) scaled to [0, 1], labels int32; a file that is
truncated, corrupt or of another kind raises
:class:`~experiments.dataset_error.DatasetError` naming it.
"""
import gzip
import struct
import zlib

import numpy

from experiments.dataset_error import DatasetError

IDX_FILES = {
    'train_images': 'train-images-idx3-ubyte.gz',
    'train_labels': 'train-labels-idx1-ubyte.gz',
    'test_images': 't10k-images-idx3-ubyte.gz',
    'test_labels': 't10k-labels-idx1-ubyte.gz',
}


def _read_idx(path, magic, header_ints):
    try:
        with gzip.open(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError('{} is truncated or corrupt ({}: {}); install '
                           'or download the file again'.format(
                               path, type(e).__name__, e)) from e
    head = 4 * header_ints
    if len(raw) < head or struct.unpack('>i', raw[:4])[0] != magic:
        raise DatasetError('{} is not an idx file (magic '
                           'number {} expected)'.format(path, magic))
    dims = struct.unpack('>' + 'i' * (header_ints - 1), raw[4:head])
    body = numpy.frombuffer(raw, dtype=numpy.uint8, offset=head)
    if body.size != int(numpy.prod(dims)):
        raise DatasetError('{} is truncated: header says {} but holds {} '
                           'bytes'.format(path, dims,
                                                       body.size))
    return body.reshape(dims)


def read_idx_images(path):
    images = _read_idx(path, 2051, 4)
    return images[:, None].astype(numpy.float32) / 255.


def read_idx_labels(path):
    return _read_idx(path, 2049, 2).astype(numpy.int32)
