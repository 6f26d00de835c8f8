"""Loaders on small files in the real formats, made here."""
import gzip
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

from experiments.data import datasets


def make_cifar_batches(folder, per_batch=4):
    os.makedirs(folder)
    rng = np.random.RandomState(0)
    expected = {}
    for name in ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']:
        data = rng.randint(0, 256, (per_batch, 3072)).astype(np.uint8)
        labels = list(rng.randint(0, 10, per_batch))
        with open(os.path.join(folder, name), 'wb') as f:
            pickle.dump({b'data': data, b'labels': labels,
                         b'batch_label': name.encode()}, f)
        expected[name] = (data, labels)
    return expected


def make_cifar_tarball(tmp_path):
    src = tmp_path / 'src'
    expected = make_cifar_batches(str(src / 'cifar-10-batches-py'))
    tarball = tmp_path / 'cifar-10-python.tar.gz'
    with tarfile.open(str(tarball), 'w:gz') as tar:
        tar.add(str(src / 'cifar-10-batches-py'),
                arcname='cifar-10-batches-py')
    return tarball, expected


def test_cifar10_from_tarball(tmp_path):
    tarball, expected = make_cifar_tarball(tmp_path)
    for where in (str(tmp_path), str(tarball)):
        train, test, info = datasets.load('cifar10', where)
        assert len(train) == 20 and len(test) == 4
        x, t = train[5]
        data, labels = expected['data_batch_2']
        np.testing.assert_allclose(
            x, data[1].reshape(3, 32, 32).astype(np.float32) / 255.)
        assert t == labels[1] and x.dtype == np.float32
        assert info['source'] == 'local'


def test_cifar10_from_extracted_folder(tmp_path):
    expected = make_cifar_batches(str(tmp_path / 'cifar-10-batches-py'))
    train, test, _ = datasets.load('cifar10', str(tmp_path))
    np.testing.assert_allclose(
        test[3][0], expected['test_batch'][0][3].reshape(3, 32, 32) / 255.,
        rtol=1e-6)


def test_cifar10_truncated_tarball(tmp_path):
    tarball, _ = make_cifar_tarball(tmp_path)
    raw = tarball.read_bytes()
    tarball.write_bytes(raw[:len(raw) // 2])
    with pytest.raises(datasets.DatasetError,
                       match='truncated or corrupt.*download it again'):
        datasets.load('cifar10', str(tmp_path))


def test_cifar10_missing(tmp_path):
    with pytest.raises(datasets.DatasetError,
                       match=r'found neither cifar-10-python\.tar\.gz.*'
                             r'data_dir'):
        datasets.load('cifar10', str(tmp_path))


def write_idx(path, array, magic):
    header = struct.pack('>i', magic) + b''.join(
        struct.pack('>i', d) for d in array.shape)
    with gzip.open(path, 'wb') as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_fashion(folder, n_train=6, n_test=3):
    rng = np.random.RandomState(0)
    out = {}
    for key, n in (('train', n_train), ('t10k', n_test)):
        images = rng.randint(0, 256, (n, 28, 28))
        labels = rng.randint(0, 10, n)
        write_idx(os.path.join(folder, key + '-images-idx3-ubyte.gz'),
                  images, 2051)
        write_idx(os.path.join(folder, key + '-labels-idx1-ubyte.gz'),
                  labels, 2049)
        out[key] = (images, labels)
    return out


def test_fashion_mnist_from_idx_files(tmp_path):
    expected = make_fashion(str(tmp_path))
    train, test, info = datasets.load('fashion-mnist', str(tmp_path))
    assert len(train) == 6 and len(test) == 3
    x, t = test[2]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], expected['t10k'][0][2] / 255.,
                               rtol=1e-6)
    assert t == expected['t10k'][1][2]
    assert info['path'] == str(tmp_path)


def test_fashion_mnist_truncated_and_missing(tmp_path):
    make_fashion(str(tmp_path))
    path = tmp_path / 'train-images-idx3-ubyte.gz'
    with gzip.open(str(path), 'rb') as f:
        raw = f.read()
    with gzip.open(str(path), 'wb') as f:
        f.write(raw[:-100])
    with pytest.raises(datasets.DatasetError, match='truncated'):
        datasets.load('fashion-mnist', str(tmp_path))
    os.remove(str(path))
    with pytest.raises(datasets.DatasetError,
                       match='missing train-images-idx3-ubyte.gz.*'
                             'dataset-fashion-mnist'):
        datasets.load('fashion-mnist', str(tmp_path))


def test_synthetic_is_named_and_unknown_is_an_error():
    train, test, info = datasets.load('synthetic', None, (20, 10))
    assert info['dataset'] == 'synthetic' and len(train) == 20
    with pytest.raises(datasets.DatasetError, match='unknown dataset'):
        datasets.load('svhn')
