"""ImageNet as Chainer_K-FAC's examples/imagenet/datasets.py reads it.

A *list file* has one ``relative/path.JPEG label`` pair per line (paths
relative to a root folder, integer labels); ``mean.npy`` is a (3, H, W)
float array (H, W >= the crop). An example is read with Pillow, converted
to RGB, and, if a side is shorter than the crop, resized so that its
shorter side equals the crop (the longer one rounded up). Then, as (C, H, W)
float32:

- training: a random crop (top ~ U{0..max(H - crop - 1, 0)}, likewise
  left: the original's bounds) of the image flipped left-right with
  probability 1/2;
- validation: the centre crop (top = (H - crop) // 2, left likewise);

minus the top-left crop x crop of the mean, times 1/255.

A missing, unreadable or malformed line or image raises
:class:`~experiments.dataset_error.DatasetError` naming the list file, the line
number and the path.
"""
import math
import os
import random
from collections.abc import Mapping
from typing import Any

import numpy

from experiments.data.data_info import Loaded
from experiments.data.dataset_error import DatasetError

Image: Any
try:
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow is a test requirement
    Image = None

#: (path relative to the root, label, line number in the list file)
Pair = tuple[str, int, int]


def read_pairs(list_path: str) -> list[Pair]:
    """[(path, label, line number)] of ``list_path``."""
    if not os.path.isfile(list_path):
        raise DatasetError('ImageNet: list file {} does not exist; set '
                           '`imagenet.train_list` / `imagenet.val_list` to '
                           'files of "path label" lines'.format(list_path))
    pairs = []
    with open(list_path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not _is_int(fields[1]):
                raise DatasetError(
                    'ImageNet: {} line {}: expected "path label" (a path '
                    'without spaces and an integer), got {!r}'.format(
                        list_path, number, line.rstrip('\n')))
            pairs.append((fields[0], int(fields[1]), number))
    if not pairs:
        raise DatasetError('ImageNet: list file {} has no "path label" '
                           'lines'.format(list_path))
    return pairs


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def load_mean(path: str, crop: int) -> numpy.ndarray:
    """The mean image of ``path``, float32 (3, H, W) with H, W >= crop."""
    try:
        mean = numpy.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise DatasetError(
            'ImageNet: cannot read the mean image {} ({}: {}); set '
            '`imagenet.mean` to a .npy file of shape (3, H, W)'.format(
                path, type(e).__name__, e)) from e
    if mean.ndim != 3 or mean.shape[0] != 3 or min(mean.shape[1:]) < crop:
        raise DatasetError('ImageNet: the mean image {} has shape {}; it '
                           'must be (3, H, W) with H, W >= the crop '
                           '{}'.format(path, mean.shape, crop))
    return mean.astype(numpy.float32)


class CroppingImageDataset(object):
    """Dataset of (float32 (3, crop, crop) image, int32 label) from the
    pairs of one list file; ``train`` picks the random crop and flip,
    else the centre crop. ``rng`` (default: the module ``random``, one
    stream per worker process) draws the crops and flips."""

    def __init__(self, pairs: list[Pair], root: str, mean: numpy.ndarray,
                 crop: int, train: bool, list_path: str,
                 rng: random.Random | None = None) -> None:
        self.pairs = pairs
        self.root = root
        self.mean = mean
        self.crop = crop
        self.train = bool(train)
        self.list_path = list_path
        self.rng = rng      # None: the module (picklable for workers)

    @property
    def labels(self) -> numpy.ndarray:
        return numpy.array([p[1] for p in self.pairs], dtype=numpy.int32)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.get_example(i)
                    for i in range(*index.indices(len(self)))]
        return self.get_example(index)

    def get_example(self, i: int) -> tuple[numpy.ndarray, numpy.int32]:
        path, label, number = self.pairs[i]
        full = os.path.join(self.root, path)
        image = self.read(full, number)
        image = self.transform(image)
        return image, numpy.int32(label)

    def read(self, full: str, number: int) -> numpy.ndarray:
        """(3, H, W) float32 of the image at ``full``."""
        try:
            with Image.open(full) as im:
                im = resize_to_cover(im.convert('RGB'), self.crop)
                image = numpy.asarray(im, dtype=numpy.float32)
        except (OSError, ValueError) as e:
            raise DatasetError(
                'ImageNet: {} line {}: cannot read image {} ({}: {})'.format(
                    self.list_path, number, full, type(e).__name__, e)) from e
        return image.transpose(2, 0, 1)

    def transform(self, image: numpy.ndarray) -> numpy.ndarray:
        """The crop (random and flipped, or the centre), less the mean,
        times 1/255."""
        crop = self.crop
        _, h, w = image.shape
        if self.train:
            rng: Any = random if self.rng is None else self.rng
            top = rng.randint(0, max(h - crop - 1, 0))
            left = rng.randint(0, max(w - crop - 1, 0))
            if rng.randint(0, 1):
                image = image[:, :, ::-1]
        else:
            top, left = (h - crop) // 2, (w - crop) // 2
        image = image[:, top:top + crop, left:left + crop]
        image = image - self.mean[:, :crop, :crop]
        image *= numpy.float32(1.0 / 255.0)
        return image


def resize_to_cover(im: Any, crop: int) -> Any:
    """``im`` resized so that both sides are >= crop (shorter side = crop,
    the other rounded up), unchanged if already so."""
    w, h = im.size
    if w >= crop and h >= crop:
        return im
    if w < h:
        h, w = math.ceil(h * crop / w), crop
    else:
        w, h = math.ceil(w * crop / h), crop
    return im.resize((w, h))


def load(options: Mapping[str, Any], crop: int = 224) -> Loaded:
    """(train, val, info) from the config's ``imagenet`` section."""
    if Image is None:
        raise DatasetError('ImageNet: reading images needs Pillow: pip '
                           'install Pillow')
    for key in ('train_list', 'val_list', 'mean'):
        if not options.get(key):
            raise DatasetError(
                'ImageNet: `imagenet.{}` is not set; the dataset needs '
                'imagenet.train_list, imagenet.val_list (files of "path '
                'label" lines), imagenet.train_root, imagenet.val_root and '
                'imagenet.mean (mean.npy)'.format(key))
    mean = load_mean(options['mean'], crop)
    train_list, val_list = options['train_list'], options['val_list']
    train = CroppingImageDataset(read_pairs(train_list),
                                 options['train_root'], mean, crop, True,
                                 train_list)
    val = CroppingImageDataset(read_pairs(val_list), options['val_root'],
                               mean, crop, False, val_list)
    return train, val, {'dataset': 'imagenet', 'source': 'list files',
                        'path': os.path.abspath(train_list)}
