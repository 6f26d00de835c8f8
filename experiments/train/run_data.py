"""The splits a run trains and is judged on: the training set, the test
set and, for tuning, a held-out split of the training set.

Rank 0 reads the dataset (experiments/data/datasets.py) and checks its
labels and that it holds one global batch. With ``holdout.enabled`` it
holds out, of the training set T, a subset H with round(f |T_c|) examples
of each class c (f = ``holdout.fraction``, drawn with ``holdout.seed``,
experiments/data/holdout.py); the run trains on T \\ H and evaluates on H
under the log key ``holdout/`` (``holdout/main/accuracy``), beside the test
set's ``validation/`` keys as before. With ``holdout.test_set: false`` no
test file is read at all and the log has no ``validation/`` key: a tuning
run cannot see the test set (experiments/tune/). Under MPI every rank gets
its shard of each split. Images a model cannot take (a side other than
the one it was built for, or not square: 14x56 for 28x28) are refused
when read, naming the shape the model expects, not in the first step.
"""
from typing import Any, NamedTuple

import numpy

import chainer

from chainer_kfac import models
from chainer_kfac.distributed import KFACCommunicator
from experiments.data import datasets
from experiments.data import holdout
from experiments.data import imagenet as imagenet_data
from experiments.data.data_info import DataInfo
from experiments.train.config_file import Config
from experiments.train.config_file import ConfigError

Comm = KFACCommunicator | None
#: The log key prefix of the held-out evaluation (the Evaluator's name).
HOLDOUT = 'holdout'
#: (channels, height, width) of each dataset's own images.
SHAPES = {'mnist': (1, 28, 28), 'fashion-mnist': (1, 28, 28),
          'synthetic': (1, 28, 28), 'cifar10': (3, 32, 32)}


class RunData(NamedTuple):
    """This rank's share of each split; ``test`` is None when the test set
    is not read, ``held_out`` when nothing is held out."""
    train: Any
    test: Any
    held_out: Any
    info: DataInfo


def check(config: Config) -> None:
    """Raise ConfigError for a ``holdout:`` section that cannot work."""
    section = config['holdout']
    if not section['test_set'] and not section['enabled']:
        raise ConfigError(
            '`holdout.test_set: false` with `holdout.enabled: false` leaves '
            'the run nothing to be evaluated on: enable holdout or read the '
            'test set')
    if section['enabled'] and config['dataset'] == 'imagenet':
        raise ConfigError(
            '`holdout.enabled` splits a dataset held in memory ({}); '
            'ImageNet is read from its list files: make a held-out list '
            'file and name it `imagenet.val_list` instead'.format(', '.join(
                n for n in datasets.NAMES if n != 'imagenet')))


def load_data(config: Config, comm: Comm) -> RunData:
    """Rank 0 reads and splits the dataset; under MPI every rank gets its
    shard of each split (and rank 0's ``info``)."""
    if comm is None or comm.rank == 0:
        data = _read(config)
    else:             # rank 0's info comes in the broadcast
        data = RunData(None, None, None, DataInfo())
    if comm is None:
        return data
    import chainermn
    section = config['holdout']
    return RunData(
        chainermn.scatter_dataset(data.train, comm, shuffle=True,
                                  seed=config['seed']),
        chainermn.scatter_dataset(data.test, comm)
        if section['test_set'] else None,
        chainermn.scatter_dataset(data.held_out, comm)
        if section['enabled'] else None,
        comm.bcast_obj(data.info))


def _read(config: Config) -> RunData:
    """Rank 0: the dataset read, checked and split."""
    section = config['holdout']
    train, test, info = datasets.load(
        config['dataset'], config['data_dir'],
        tuple(config['synthetic_size']), config['imagenet'],
        with_test=section['test_set'])
    check_labels(train, test, info, datasets.n_classes(config['dataset']))
    check_shape(train, info, config['model'])
    held_out = None
    if section['enabled']:
        split = holdout.stratified_split(_labels(train), section['fraction'],
                                         section['seed'])
        train, held_out = subset(train, split.train), \
            subset(train, split.held_out)
        info['held_out'] = len(held_out)
    check_one_batch(train, info, config['batch_size'])
    return RunData(train, test, held_out, info)


def subset(dataset: Any, indices: numpy.ndarray) -> Any:
    """The examples ``indices`` of an in-memory TupleDataset, as one."""
    return chainer.datasets.TupleDataset(
        *(numpy.asarray(array)[indices] for array in dataset._datasets))


def check_labels(train: Any, test: Any, info: DataInfo,
                 n_classes: int = 10) -> None:
    """Every label is a class of the model: 0 <= t < n_classes (test: when
    read)."""
    for split, data in (('train', train), ('test', test)):
        if data is None:
            continue
        labels = _labels(data)
        bad = numpy.flatnonzero((labels < 0) | (labels >= n_classes))
        if bad.size:
            raise datasets.DatasetError(
                '{} {} set ({}): {} label(s) outside 0..{}, e.g. {} at index '
                '{}; the label file is corrupt or of another dataset'.format(
                    info.get('dataset'), split, info.get('path', 'generated'),
                    bad.size, n_classes - 1, labels[bad[0]], bad[0]))


def check_shape(train: Any, info: DataInfo, model: str) -> None:
    """The images (train and test are of one shape, datasets.py checks)
    are of a shape ``model`` takes: square, and of the side it was built
    for if it has one (chainer_kfac.models.MODELS)."""
    spec = models.MODELS.get(model)
    if spec is None or not isinstance(train, chainer.datasets.TupleDataset):
        return                  # ImageNet: the crop gives the shape
    channels, height, width = numpy.shape(train._datasets[0])[1:]
    side = spec.in_size
    if height == width and side in (None, width):
        return
    name = info.get('dataset')
    own = SHAPES.get(str(name))
    raise datasets.DatasetError(
        '{} ({}): the images are {}x{}x{} (channels x height x width), '
        'model `{}` ({}) takes {}{}: the image files are of another '
        'dataset or were written in another shape; provide {}\'s own '
        'files, or choose a model for this shape'.format(
            name, info.get('path') or info.get('source'), channels, height,
            width, model, spec.description, 'square images CxSxS' if side is
            None else 'Cx{0}x{0} images'.format(side), '' if own is None else
            ' ({}\'s own are {}x{}x{})'.format(name, *own), name))


def check_one_batch(train: Any, info: DataInfo, batch_size: int) -> None:
    """The training set (less what is held out) holds at least one global
    batch (else every epoch would be one short step)."""
    if len(train) < batch_size:
        raise datasets.DatasetError(
            '{} ({}) has {} training examples{}, fewer than one global '
            'batch (batch_size {}): every epoch would be a single short '
            'step. Lower batch_size to at most {}, or use more data'.format(
                info.get('dataset'), info.get('path') or info.get('source'),
                len(train), ' after the held-out split' if 'held_out' in info
                else '', batch_size, len(train)))


def _labels(data: Any) -> numpy.ndarray:
    if isinstance(data, imagenet_data.CroppingImageDataset):
        return data.labels      # without reading the images
    if isinstance(data, chainer.datasets.TupleDataset):
        return numpy.asarray(data._datasets[1])
    return numpy.asarray([t for _, t in data])
