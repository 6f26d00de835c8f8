"""Datasets of the study: CIFAR-10 (experiments/cifar10_data.py),
Fashion-MNIST, and a synthetic stand-in; MNIST and ImageNet
(experiments/mnist_data.py, imagenet_data.py) for the original's examples.

Every loader returns ``(train, test, info)`` where train/test are
:class:`chainer.datasets.TupleDataset` of (float32 image in [0, 1], int32
label), pixels scaled by 1/255 as Chainer's own loaders do, with no other
augmentation, and ``info`` says what was read from where (it goes to
``env.json``, with a sha256 fingerprint of the arrays that a resume
compares). A missing, truncated or corrupt dataset, or one without images
or with train and test images of other shapes, raises
:class:`DatasetError` saying where we looked and how to provide the files;
nothing ever falls back to synthetic data.
"""
import gzip
import hashlib
import os
import struct
import zlib

import numpy

import chainer

FASHION_MNIST_DEBIAN = '/usr/share/datasets/fashion-mnist'
FASHION_MNIST_FILES = {
    'train_images': 'train-images-idx3-ubyte.gz',
    'train_labels': 'train-labels-idx1-ubyte.gz',
    'test_images': 't10k-images-idx3-ubyte.gz',
    'test_labels': 't10k-labels-idx1-ubyte.gz',
}
CIFAR10_TARBALL = 'cifar-10-python.tar.gz'
CIFAR10_FOLDER = 'cifar-10-batches-py'


class DatasetError(RuntimeError):
    """The dataset is missing or unreadable (the message says how to fix)."""


#: The datasets :func:`load` knows (the config's ``dataset`` choices).
NAMES = ('cifar10', 'fashion-mnist', 'synthetic', 'mnist', 'imagenet')

#: Classes of each dataset that does not have 10.
N_CLASSES = {'imagenet': 1000}


def n_classes(name):
    return N_CLASSES.get(name, 10)


def load(name, data_dir=None, synthetic_size=(512, 256), imagenet=None):
    """Return ``(train, test, info)`` for ``name``, checked (images in both
    splits, of one shape) and with ``info['fingerprint']`` (``imagenet``:
    the config's ``imagenet`` section; its list files are checked line by
    line by experiments/imagenet_data.py and it has no fingerprint)."""
    if name == 'imagenet':
        from experiments import imagenet_data
        train, test, info = imagenet_data.load(imagenet or {})
        info['fingerprint'] = None
        return train, test, info
    if name == 'mnist':
        from experiments import mnist_data
        train, test, info = mnist_data.load_mnist(data_dir)
    elif name == 'cifar10':
        from experiments import cifar10_data
        train, test, info = cifar10_data.load_cifar10(data_dir)
    elif name == 'fashion-mnist':
        train, test, info = load_fashion_mnist(data_dir)
    elif name == 'synthetic':
        train, test, info = load_synthetic(*synthetic_size)
    else:
        raise DatasetError('unknown dataset {!r}: use {}'.format(
            name, ', '.join(repr(n) for n in NAMES)))
    check_images(train, test, info)
    info['fingerprint'] = fingerprint(train, test)
    return train, test, info


def check_images(train, test, info):
    """Both splits hold images, all of one (channels, height, width)
    shape: a wrong file fails here, not after an epoch of training."""
    where = '{} ({})'.format(info['dataset'], info.get('path') or
                             info.get('source'))
    shapes = {}
    for split, data in (('train', train), ('test', test)):
        images = data._datasets[0]
        if len(images) == 0:
            raise DatasetError('{}: the {} set has no images; the file is '
                               'empty or of another dataset'.format(where,
                                                                    split))
        shapes[split] = tuple(images.shape[1:])
        if len(shapes[split]) != 3:
            raise DatasetError('{}: {} images have shape {}, expected '
                               '(channels, height, width)'.format(
                                   where, split, shapes[split]))
    if shapes['train'] != shapes['test']:
        raise DatasetError('{}: train images are {} but test images are {} '
                           '(channels, height, width); one of the files is '
                           'of another dataset'.format(where, shapes['train'],
                                                       shapes['test']))


def fingerprint(train, test):
    """sha256 of both splits' arrays (shapes, dtypes, bytes): what the
    data was, recorded in env.json and compared on resume."""
    digest = hashlib.sha256()
    for data in (train, test):
        for array in data._datasets:
            array = numpy.ascontiguousarray(array)
            digest.update('{}{}'.format(array.shape,
                                        array.dtype.str).encode())
            digest.update(array.view(numpy.uint8).reshape(-1).data)
    return digest.hexdigest()


# -- Fashion-MNIST ---------------------------------------------------------
def load_fashion_mnist(data_dir=None):
    """Fashion-MNIST from the four idx ``.gz`` files in ``data_dir``; by
    default Debian's /usr/share/datasets/fashion-mnist when present, else
    Chainer's downloader."""
    if data_dir is None and os.path.isdir(FASHION_MNIST_DEBIAN):
        data_dir = FASHION_MNIST_DEBIAN
    if data_dir is None:
        try:
            train, test = chainer.datasets.get_fashion_mnist(ndim=3,
                                                             scale=1.0)
        except Exception as e:
            raise DatasetError(
                'Fashion-MNIST: {} does not exist and Chainer could not '
                'download the dataset ({}: {}). Install it with `apt-get '
                'install dataset-fashion-mnist`, or set `data_dir:` to a '
                'folder with {}'.format(FASHION_MNIST_DEBIAN,
                                        type(e).__name__, e,
                                        ', '.join(FASHION_MNIST_FILES.values(
                                        )))) from e
        return train, test, {'dataset': 'fashion-mnist',
                             'source': 'chainer.datasets.get_fashion_mnist',
                             'path': chainer.dataset.get_dataset_directory(
                                 'pfnet/chainer/fashion-mnist',
                                 create_directory=False)}
    paths = {k: os.path.join(data_dir, v)
             for k, v in FASHION_MNIST_FILES.items()}
    missing = [p for p in paths.values() if not os.path.isfile(p)]
    if missing:
        raise DatasetError(
            'Fashion-MNIST: missing {} in {}. Install Debian\'s '
            'dataset-fashion-mnist (files in {}) or set `data_dir:` to a '
            'folder with the four idx .gz files'.format(
                ', '.join(os.path.basename(m) for m in missing),
                os.path.abspath(data_dir), FASHION_MNIST_DEBIAN))
    train_x = read_idx_images(paths['train_images'])
    train_t = read_idx_labels(paths['train_labels'])
    test_x = read_idx_images(paths['test_images'])
    test_t = read_idx_labels(paths['test_labels'])
    for x, t, which in ((train_x, train_t, 'train'),
                        (test_x, test_t, 't10k')):
        if len(x) != len(t):
            raise DatasetError('Fashion-MNIST: {} has {} images but {} '
                               'labels in {}'.format(which, len(x), len(t),
                                                     data_dir))
    return (chainer.datasets.TupleDataset(train_x, train_t),
            chainer.datasets.TupleDataset(test_x, test_t),
            {'dataset': 'fashion-mnist', 'source': 'local',
             'path': os.path.abspath(data_dir)})


def _read_idx(path, magic, header_ints):
    try:
        with gzip.open(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError('Fashion-MNIST: {} is truncated or corrupt '
                           '({}: {}); reinstall dataset-fashion-mnist or '
                           'download the file again'.format(
                               path, type(e).__name__, e)) from e
    head = 4 * header_ints
    if len(raw) < head or struct.unpack('>i', raw[:4])[0] != magic:
        raise DatasetError('Fashion-MNIST: {} is not an idx file (magic '
                           'number {} expected)'.format(path, magic))
    dims = struct.unpack('>' + 'i' * (header_ints - 1), raw[4:head])
    body = numpy.frombuffer(raw, dtype=numpy.uint8, offset=head)
    if body.size != int(numpy.prod(dims)):
        raise DatasetError('Fashion-MNIST: {} is truncated: header says {} '
                           'but holds {} bytes'.format(path, dims,
                                                       body.size))
    return body.reshape(dims)


def read_idx_images(path):
    images = _read_idx(path, 2051, 4)
    return images[:, None].astype(numpy.float32) / 255.


def read_idx_labels(path):
    return _read_idx(path, 2049, 2).astype(numpy.int32)


# -- synthetic -------------------------------------------------------------
def load_synthetic(n_train=512, n_test=256, shape=(1, 28, 28), classes=10,
                   seed=0):
    """Generated images: a fixed random template per class plus noise. For
    tests and smoke runs only; every output names it 'synthetic'."""
    rng = numpy.random.RandomState(seed)
    templates = rng.rand(classes, *shape).astype(numpy.float32)

    def make(n):
        t = rng.randint(0, classes, n).astype(numpy.int32)
        x = 0.6 * templates[t] + 0.4 * rng.rand(n, *shape).astype(
            numpy.float32)
        return chainer.datasets.TupleDataset(x, t)

    return make(n_train), make(n_test), {
        'dataset': 'synthetic', 'source': 'generated (seed {})'.format(seed),
        'path': None}
