"""Datasets of the study: CIFAR-10 (experiments/cifar10_data.py),
Fashion-MNIST (fashion_mnist_data.py) and a synthetic stand-in; MNIST
and ImageNet (mnist_data.py, imagenet_data.py) for the original's examples.
This module dispatches on the config's ``dataset`` name and checks what a
loader returns.

Every loader returns ``(train, test, info)`` where train/test are
:class:`chainer.datasets.TupleDataset` of (float32 image in [0, 1], int32
label), pixels scaled by 1/255 as Chainer's own loaders do, with no other
augmentation, and ``info`` says what was read from where (it goes to
``env.json``, with a sha256 fingerprint of the arrays that a resume
compares). A missing, truncated or corrupt dataset, or one without images
or with train and test images of other shapes, raises
:class:`DatasetError` saying where we looked and how to provide the files;
nothing ever falls back to synthetic data. ``with_test=False`` (a tuning
run, experiments/tune/) reads no test file at all: test is None, and the
fingerprint covers the training set only.
"""
import hashlib
from collections.abc import Mapping
from typing import Any

import numpy

import chainer

from experiments.data import cifar10 as cifar10_data
from experiments.data import fashion_mnist as fashion_mnist_data
from experiments.data import imagenet as imagenet_data
from experiments.data import mnist as mnist_data
from experiments.data.data_info import DataInfo
from experiments.data.data_info import Loaded
from experiments.data.dataset_error import DatasetError

#: The datasets :func:`load` knows (the config's ``dataset`` choices).
NAMES = ('cifar10', 'fashion-mnist', 'synthetic', 'mnist', 'imagenet')

#: Classes of each dataset that does not have 10.
N_CLASSES = {'imagenet': 1000}


def n_classes(name: str) -> int:
    return N_CLASSES.get(name, 10)


def load(name: str, data_dir: str | None = None,
         synthetic_size: tuple[int, int] = (512, 256),
         imagenet: Mapping[str, Any] | None = None,
         with_test: bool = True) -> Loaded:
    """Return ``(train, test, info)`` for ``name``, checked (images in both
    splits, of one shape) and with ``info['fingerprint']`` (``imagenet``:
    the config's ``imagenet`` section; its list files are checked line by
    line by experiments/imagenet_data.py and it has no fingerprint)."""
    if name == 'imagenet':
        if not with_test:
            raise DatasetError('ImageNet is always read with its '
                               'validation list: a run without the test '
                               'set (holdout.test_set: false) needs another '
                               'dataset')
        train, test, info = imagenet_data.load(imagenet or {})
        info['fingerprint'] = None
        return train, test, info
    if name == 'mnist':
        train, test, info = mnist_data.load_mnist(data_dir, with_test)
    elif name == 'cifar10':
        train, test, info = cifar10_data.load_cifar10(data_dir, with_test)
    elif name == 'fashion-mnist':
        train, test, info = fashion_mnist_data.load_fashion_mnist(
            data_dir, with_test)
    elif name == 'synthetic':
        train, test, info = load_synthetic(*synthetic_size)
        test = test if with_test else None
    else:
        raise DatasetError('unknown dataset {!r}: use {}'.format(
            name, ', '.join(repr(n) for n in NAMES)))
    check_images(train, test, info)
    info['fingerprint'] = fingerprint(train, test)
    return train, test, info


def check_images(train: Any, test: Any, info: DataInfo) -> None:
    """Both splits (test: when read) hold images, all of one (channels,
    height, width) shape: a wrong file fails here, not after an epoch of
    training."""
    where = '{} ({})'.format(info['dataset'], info.get('path') or
                             info.get('source'))
    shapes = {}
    for split, data in _present(train, test):
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
    if shapes.get('test', shapes['train']) != shapes['train']:
        raise DatasetError('{}: train images are {} but test images are {} '
                           '(channels, height, width); one of the files is '
                           'of another dataset'.format(where, shapes['train'],
                                                       shapes['test']))


def fingerprint(train: Any, test: Any) -> str:
    """sha256 of both splits' arrays (shapes, dtypes, bytes; test: when
    read): what the data was, recorded in env.json and compared on
    resume."""
    digest = hashlib.sha256()
    for _, data in _present(train, test):
        for array in data._datasets:
            array = numpy.ascontiguousarray(array)
            digest.update('{}{}'.format(array.shape,
                                        array.dtype.str).encode())
            digest.update(array.view(numpy.uint8).reshape(-1).data)
    return digest.hexdigest()


def _present(train: Any, test: Any) -> list[tuple[str, Any]]:
    """``[('train', train), ('test', test)]`` less a test set not read."""
    return [('train', train)] + ([] if test is None else [('test', test)])


# -- synthetic -------------------------------------------------------------
def load_synthetic(n_train: int = 512, n_test: int = 256,
                   shape: tuple[int, ...] = (1, 28, 28), classes: int = 10,
                   seed: int = 0) -> Loaded:
    """Generated images: a fixed random template per class plus noise. For
    tests and smoke runs only; every output names it 'synthetic'."""
    rng = numpy.random.RandomState(seed)
    templates = rng.rand(classes, *shape).astype(numpy.float32)

    def make(n: int) -> Any:
        t = rng.randint(0, classes, n).astype(numpy.int32)
        x = 0.6 * templates[t] + 0.4 * rng.rand(n, *shape).astype(
            numpy.float32)
        return chainer.datasets.TupleDataset(x, t)

    return make(n_train), make(n_test), {
        'dataset': 'synthetic', 'source': 'generated (seed {})'.format(seed),
        'path': None}
