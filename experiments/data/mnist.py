"""MNIST (Chainer_K-FAC's examples/mnist): the four idx ``.gz`` files of
LeCun's site (the same names and format as Fashion-MNIST's) in
``data_dir``, or Chainer's downloader/cache when ``data_dir`` is None.
Images are float32 (1, 28, 28) in [0, 1], labels int32, as Fashion-MNIST
(experiments/fashion_mnist_data.py, idx_files.py).
"""
import os

import chainer

from experiments.data.data_info import Loaded
from experiments.data.dataset_error import DatasetError
from experiments.data.idx_files import IDX_FILES, read_folder


def load_mnist(data_dir: str | None = None, with_test: bool = True
               ) -> Loaded:
    """``(train, test, info)`` of MNIST (``with_test=False``: the test
    files are not read, test is None)."""
    if data_dir is None:
        try:
            train, test = chainer.datasets.get_mnist(ndim=3, scale=1.0)
        except Exception as e:
            raise DatasetError(
                'MNIST: Chainer could not download it or find it in its '
                'cache ({}: {}). Offline? Set `data_dir:` to a folder with '
                '{}'.format(type(e).__name__, e, ', '.join(
                    IDX_FILES.values()))) from e
        return train, test if with_test else None, {
            'dataset': 'mnist', 'source': 'chainer.datasets.get_mnist',
            'path': chainer.dataset.get_dataset_directory(
                'pfnet/chainer/mnist', create_directory=False)}
    train, test = read_folder(
        data_dir, 'MNIST', 'Set `data_dir:` to a folder with the four idx '
        '.gz files (or null for Chainer\'s downloader)', with_test)
    return train, test, {'dataset': 'mnist', 'source': 'local',
                         'path': os.path.abspath(data_dir)}
