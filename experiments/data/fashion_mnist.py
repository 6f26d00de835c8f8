"""Fashion-MNIST, the study's dataset here: the four idx ``.gz`` files
(experiments/idx_files.py) in ``data_dir``; by default Debian's
``dataset-fashion-mnist`` package in /usr/share/datasets/fashion-mnist when
present, else Chainer's downloader. Images are float32 (1, 28, 28) in
[0, 1], labels int32.
"""
import os

import chainer

from experiments.data.data_info import Loaded
from experiments.data.dataset_error import DatasetError
from experiments.data.idx_files import IDX_FILES, read_folder

FASHION_MNIST_DEBIAN = '/usr/share/datasets/fashion-mnist'


def load_fashion_mnist(data_dir: str | None = None,
                       with_test: bool = True) -> Loaded:
    """Fashion-MNIST from the four idx ``.gz`` files in ``data_dir``; by
    default Debian's /usr/share/datasets/fashion-mnist when present, else
    Chainer's downloader. ``with_test=False``: the test files are not read
    (test is None)."""
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
                                        ', '.join(IDX_FILES.values(
                                        )))) from e
        return train, test if with_test else None, {
                             'dataset': 'fashion-mnist',
                             'source': 'chainer.datasets.get_fashion_mnist',
                             'path': chainer.dataset.get_dataset_directory(
                                 'pfnet/chainer/fashion-mnist',
                                 create_directory=False)}
    train, test = read_folder(
        data_dir, 'Fashion-MNIST', 'Install Debian\'s dataset-fashion-mnist '
        '(files in {}) or set `data_dir:` to a folder with the four idx .gz '
        'files'.format(FASHION_MNIST_DEBIAN), with_test)
    return train, test, {'dataset': 'fashion-mnist', 'source': 'local',
                         'path': os.path.abspath(data_dir)}
