"""``python -m experiments fetch-data`` (experiments/data/fetch.py): which
source it used, and the fix when none works (Debian's package and
Chainer's downloader faked unavailable)."""
import urllib.error

import chainer
import pytest

from experiments.data import fashion_mnist as fashion_mnist_data
from experiments.data import fetch as fetch_data
from experiments.data.dataset_error import DatasetError
from experiments.data.idx_files import IDX_FILES
from tests.experiments.data.test_datasets import make_fashion


@pytest.fixture
def no_debian(tmp_path, monkeypatch):
    """No Debian folder, no apt-get on PATH."""
    monkeypatch.setattr(fashion_mnist_data, 'FASHION_MNIST_DEBIAN',
                        str(tmp_path / 'usr-share-datasets-fashion-mnist'))
    empty = tmp_path / 'empty-bin'
    empty.mkdir()
    monkeypatch.setenv('PATH', str(empty))
    monkeypatch.setattr(chainer.dataset.download, '_dataset_root',
                        str(tmp_path / 'chainer'))


def test_neither_source_fails_with_the_exact_fix(no_debian, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError('offline')

    monkeypatch.setattr(chainer.datasets, 'get_fashion_mnist', offline)
    with pytest.raises(DatasetError) as e:
        fetch_data.fetch_fashion_mnist()
    message = str(e.value)
    assert 'no apt-get on this machine' in message
    assert 'URLError' in message and 'offline' in message
    assert 'sudo apt-get install dataset-fashion-mnist' in message
    assert 'make quick DATA_DIR=DIR' in message
    for name in IDX_FILES.values():
        assert name in message
    assert fetch_data.FASHION_URL in message


def test_chainer_downloader_when_apt_is_unavailable(no_debian, monkeypatch,
                                                    tmp_path):
    calls = []
    monkeypatch.setattr(chainer.datasets, 'get_fashion_mnist',
                        lambda: calls.append(1))
    line = fetch_data.fetch_fashion_mnist()
    assert calls == [1]
    assert line == ("Fashion-MNIST: Chainer's downloader, cached in {} "
                    "(Debian's package: no apt-get on this machine)".format(
                        tmp_path / 'chainer' / 'pfnet' / 'chainer' /
                        'fashion-mnist'))


def test_debian_folder_is_used_first(tmp_path, monkeypatch):
    folder = tmp_path / 'debian'
    folder.mkdir()
    make_fashion(str(folder))
    monkeypatch.setattr(fashion_mnist_data, 'FASHION_MNIST_DEBIAN',
                        str(folder))
    monkeypatch.setattr(chainer.datasets, 'get_fashion_mnist', None)
    assert fetch_data.fetch_fashion_mnist() == \
        "Fashion-MNIST: Debian's dataset-fashion-mnist in {}".format(folder)


def test_data_dir_is_checked(tmp_path):
    make_fashion(str(tmp_path))
    assert fetch_data.fetch_fashion_mnist(str(tmp_path)) == \
        'Fashion-MNIST: the idx files in {}'.format(tmp_path)
    with pytest.raises(DatasetError, match='missing train-images'):
        fetch_data.fetch_fashion_mnist(str(tmp_path / 'nowhere'))
