"""``python -m experiments fetch-data``: make a dataset of the study
readable offline, and say where it came from.

    python -m experiments fetch-data fashion-mnist [--data-dir DIR]
    python -m experiments fetch-data cifar10   # on a cluster's login node

Fashion-MNIST: Debian's ``dataset-fashion-mnist`` (read from
/usr/share/datasets/fashion-mnist) when installed, or installed here with
``apt-get`` (as root or through ``sudo -n``); otherwise Chainer's own
downloader, into Chainer's dataset cache ($CHAINER_DATASET_ROOT), which
experiments/data/fashion_mnist.py reads when Debian's folder is absent.
With ``--data-dir`` only that folder's four idx files are checked.
CIFAR-10: Chainer's downloader. When no way works a
:class:`~experiments.data.dataset_error.DatasetError` gives the exact fix.
"""
import argparse
import os
import shutil
import subprocess
from collections.abc import Sequence

import chainer_kfac  # NOQA: E402,F401  (compatibility layer before Chainer)
import chainer  # NOQA: E402

from experiments.data import fashion_mnist as fashion_mnist_data  # NOQA: E402
from experiments.data.cifar10 import CIFAR10_TARBALL  # NOQA: E402
from experiments.data.dataset_error import DatasetError  # NOQA: E402
from experiments.data.idx_files import IDX_FILES  # NOQA: E402

FASHION_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'
APT_PACKAGE = 'dataset-fashion-mnist'


def apt_install(package: str = APT_PACKAGE) -> str | None:
    """Install a Debian package; return None, or why it could not be."""
    if shutil.which('apt-get') is None:
        return 'no apt-get on this machine'
    sudo = [] if os.geteuid() == 0 else ['sudo', '-n']
    if sudo and (shutil.which('sudo') is None or subprocess.call(
            ['sudo', '-n', 'true'], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) != 0):
        return 'not root, and sudo needs a password or is missing'
    for argv in (['apt-get', 'update', '-qq'],
                 ['apt-get', 'install', '-y', '-qq', package]):
        proc = subprocess.run(sudo + argv, capture_output=True, text=True)
        if proc.returncode != 0:
            return '`{}` failed: {}'.format(' '.join(sudo + argv),
                                            proc.stderr.strip()[-300:])
    return None


def chainer_download(name: str) -> tuple[str | None, str | None]:
    """Fetch with Chainer's downloader; return (folder, None) or (None,
    why)."""
    getter, folder = {
        'fashion-mnist': (chainer.datasets.get_fashion_mnist,
                          'pfnet/chainer/fashion-mnist'),
        'cifar10': (chainer.datasets.get_cifar10, 'pfnet/chainer/cifar'),
    }[name]
    try:
        getter()
    except Exception as e:  # any network or file error: reported below
        return None, '{}: {}'.format(type(e).__name__, e)
    return str(chainer.dataset.get_dataset_directory(
        folder, create_directory=False)), None


def debian_ready() -> bool:
    folder = fashion_mnist_data.FASHION_MNIST_DEBIAN
    return all(os.path.isfile(os.path.join(folder, f))
               for f in IDX_FILES.values())


def fashion_mnist_fix(apt_why: str, chainer_why: str | None) -> str:
    files = ', '.join(IDX_FILES.values())
    return (
        "Fashion-MNIST is not available: Debian's {pkg} could not be "
        "installed ({apt}) and Chainer's downloader failed ({dl}).\n"
        'Fix, either:\n'
        '  sudo apt-get install {pkg}        # Debian/Ubuntu, then `make '
        'quick`\n'
        'or download {files} from {url} (on any machine with internet '
        'access) into a folder DIR, then\n'
        '  make quick DATA_DIR=DIR'.format(
            pkg=APT_PACKAGE, apt=apt_why, dl=chainer_why, files=files,
            url=FASHION_URL))


def fetch_fashion_mnist(data_dir: str | None = None) -> str:
    """Return the line saying which source was used; DatasetError (with
    the fix) when none works."""
    if data_dir is not None:
        fashion_mnist_data.load_fashion_mnist(data_dir)
        return 'Fashion-MNIST: the idx files in {}'.format(data_dir)
    if debian_ready():
        return "Fashion-MNIST: Debian's {} in {}".format(
            APT_PACKAGE, fashion_mnist_data.FASHION_MNIST_DEBIAN)
    apt_why = apt_install()
    if apt_why is None and debian_ready():
        return "Fashion-MNIST: installed Debian's {} ({})".format(
            APT_PACKAGE, fashion_mnist_data.FASHION_MNIST_DEBIAN)
    apt_why = apt_why or 'installed, but {} lacks the files'.format(
        fashion_mnist_data.FASHION_MNIST_DEBIAN)
    folder, chainer_why = chainer_download('fashion-mnist')
    if folder is None:
        raise DatasetError(fashion_mnist_fix(apt_why, chainer_why))
    return ("Fashion-MNIST: Chainer's downloader, cached in {} (Debian's "
            'package: {})'.format(folder, apt_why))


def fetch_cifar10() -> str:
    folder, why = chainer_download('cifar10')
    if folder is None:
        raise DatasetError(
            "CIFAR-10: Chainer's downloader failed ({}). Fix: "
            'download https://www.cs.toronto.edu/~kriz/{} into a folder DIR '
            'and run with --set data_dir=DIR (job scripts: '
            'DATA_DIR=DIR)'.format(why, CIFAR10_TARBALL))
    return "CIFAR-10: Chainer's downloader, cached in {}".format(folder)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments fetch-data',
        description='Make a dataset of the study readable offline, and say '
                    'where it came from.')
    parser.add_argument('dataset', choices=['fashion-mnist', 'cifar10'])
    parser.add_argument('--data-dir', help='fashion-mnist: check the idx '
                        'files in this folder instead')
    args = parser.parse_args(argv)
    if args.dataset == 'cifar10':
        print(fetch_cifar10())
    else:
        print(fetch_fashion_mnist(args.data_dir))
    return 0
