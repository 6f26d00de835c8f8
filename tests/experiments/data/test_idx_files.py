"""experiments/idx_files.py on idx files written here byte by byte (the
header packed with struct, not with the module's reader)."""
import gzip

import numpy as np
import pytest

from experiments.data import idx_files
from experiments.data.dataset_error import DatasetError
from tests.experiments.data.test_datasets import write_idx


def test_images_are_scaled_floats_with_a_channel_axis(tmp_path):
    path = str(tmp_path / 'images.gz')
    pixels = np.arange(2 * 3 * 4).reshape(2, 3, 4) * 10
    write_idx(path, pixels, 2051)
    images = idx_files.read_idx_images(path)
    assert images.shape == (2, 1, 3, 4) and images.dtype == np.float32
    np.testing.assert_allclose(images[:, 0], pixels / 255., rtol=1e-6)


def test_labels_are_int32(tmp_path):
    path = str(tmp_path / 'labels.gz')
    write_idx(path, np.array([3, 1, 4, 1, 5]), 2049)
    labels = idx_files.read_idx_labels(path)
    assert labels.dtype == np.int32 and labels.tolist() == [3, 1, 4, 1, 5]


def test_a_label_file_is_not_read_as_images(tmp_path):
    path = str(tmp_path / 'labels.gz')
    write_idx(path, np.array([3, 1, 4]), 2049)
    with pytest.raises(DatasetError, match='labels.gz is not an idx file '
                                           r'\(magic number 2051'):
        idx_files.read_idx_images(path)


def test_a_short_body_and_a_broken_gzip_name_the_file(tmp_path):
    short = tmp_path / 'short.gz'
    write_idx(str(short), np.zeros((4, 2, 2)), 2051)
    with gzip.open(str(short), 'rb') as f:
        raw = f.read()
    with gzip.open(str(short), 'wb') as f:
        f.write(raw[:-3])
    with pytest.raises(DatasetError, match=r'short.gz is truncated: header '
                                           r'says \(4, 2, 2\) but holds 13'):
        idx_files.read_idx_images(str(short))
    broken = tmp_path / 'broken.gz'
    broken.write_bytes(b'\x1f\x8b not really gzip')
    with pytest.raises(DatasetError, match='broken.gz is truncated or '
                                           'corrupt.*download the file'):
        idx_files.read_idx_labels(str(broken))


def test_the_four_file_names_are_lecuns():
    assert sorted(idx_files.IDX_FILES.values()) == [
        't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz',
        'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']


def write_folder(folder, n_train=5, n_test=2, n_test_labels=2):
    names = idx_files.IDX_FILES
    write_idx(str(folder / names['train_images']),
              np.zeros((n_train, 28, 28)), 2051)
    write_idx(str(folder / names['train_labels']),
              np.arange(n_train) % 10, 2049)
    write_idx(str(folder / names['test_images']),
              np.full((n_test, 28, 28), 255), 2051)
    write_idx(str(folder / names['test_labels']),
              np.arange(n_test_labels) % 10, 2049)


def test_a_folder_reads_as_train_and_test_pairs(tmp_path):
    write_folder(tmp_path)
    train, test = idx_files.read_folder(str(tmp_path), 'Some-MNIST', 'fix')
    assert len(train) == 5 and len(test) == 2
    x, t = test[1]
    assert x.shape == (1, 28, 28) and float(x.max()) == 1.0 and t == 1


def test_a_folder_with_a_gap_or_a_mismatch_says_which(tmp_path):
    write_folder(tmp_path, n_test_labels=3)
    with pytest.raises(DatasetError, match='Some-MNIST: test has 2 images '
                                           'but 3 labels'):
        idx_files.read_folder(str(tmp_path), 'Some-MNIST', 'fix')
    (tmp_path / idx_files.IDX_FILES['train_labels']).unlink()
    with pytest.raises(DatasetError, match='Some-MNIST: missing '
                                           'train-labels-idx1-ubyte.gz in '
                                           '.*Do this'):
        idx_files.read_folder(str(tmp_path), 'Some-MNIST', 'Do this')
