"""The ImageNet list-file loader on a generated tree of small PNG/JPEG
files: crops against pixels computed by hand, errors naming list file,
line and path, and the thread/process iterators."""
import os
import random

import numpy
import pytest
from PIL import Image

from experiments.data import datasets
from experiments.data import imagenet as imagenet_data
from experiments.train import loaders

CROP = 8


def _tree(root):
    """Five images (RGB PNG 12x10, grayscale PNG, RGBA PNG, JPEG, and a
    6x16 PNG smaller than the crop), list files and a mean."""
    rng = numpy.random.RandomState(0)
    os.makedirs(os.path.join(root, 'img', 'n01'))
    pixels = {}
    specs = [('img/n01/a.png', (10, 12, 3), 'RGB'),
             ('img/n01/b.png', (9, 9), 'L'),
             ('img/c.png', (11, 8, 4), 'RGBA'),
             ('img/d.jpg', (12, 12, 3), 'RGB'),
             ('img/e.png', (6, 16, 3), 'RGB')]
    for path, shape, mode in specs:
        array = rng.randint(0, 256, shape).astype(numpy.uint8)
        Image.fromarray(array, mode).save(os.path.join(root, path))
        pixels[path] = array
    lines = ['{} {}'.format(p, i) for i, (p, _, _) in enumerate(specs)]
    with open(os.path.join(root, 'train.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(root, 'val.txt'), 'w') as f:
        f.write('\n'.join(lines[:3]) + '\n\n')     # a blank line is fine
    mean = rng.rand(3, 12, 12) * 255
    numpy.save(os.path.join(root, 'mean.npy'), mean)
    return pixels, mean.astype(numpy.float32)


def _options(root):
    return {'train_list': os.path.join(root, 'train.txt'),
            'val_list': os.path.join(root, 'val.txt'),
            'train_root': root, 'val_root': root,
            'mean': os.path.join(root, 'mean.npy')}


def _expected(array, top, left, mean, flip=False):
    if array.ndim == 2:
        array = numpy.repeat(array[:, :, None], 3, axis=2)
    image = array[:, :, :3].astype(numpy.float32).transpose(2, 0, 1)
    if flip:
        image = image[:, :, ::-1]
    image = image[:, top:top + CROP, left:left + CROP]
    return (image - mean[:, :CROP, :CROP]) / 255.0


def test_centre_crop_by_hand(tmp_path):
    root = str(tmp_path)
    pixels, mean = _tree(root)
    train, val, info = imagenet_data.load(_options(root), crop=CROP)
    assert len(train) == 5 and len(val) == 3
    assert info['dataset'] == 'imagenet'
    assert list(val.labels) == [0, 1, 2]
    # a.png is 10 high, 12 wide: top (10 - 8) // 2 = 1, left 2
    x, t = val[0]
    assert x.dtype == numpy.float32 and x.shape == (3, CROP, CROP)
    assert t == 0 and t.dtype == numpy.int32
    numpy.testing.assert_allclose(
        x, _expected(pixels['img/n01/a.png'], 1, 2, mean), rtol=1e-6,
        atol=1e-6)
    # grayscale 9x9: replicated to 3 channels, top = left = 0
    numpy.testing.assert_allclose(
        val[1][0], _expected(pixels['img/n01/b.png'], 0, 0, mean),
        rtol=1e-6, atol=1e-6)
    # RGBA: the alpha channel is dropped
    numpy.testing.assert_allclose(
        val[2][0], _expected(pixels['img/c.png'], 1, 0, mean), rtol=1e-6,
        atol=1e-6)


def test_random_crop_and_flip_replayed(tmp_path):
    root = str(tmp_path)
    pixels, mean = _tree(root)
    train, _, _ = imagenet_data.load(_options(root), crop=CROP)
    train.rng = random.Random(4)
    replay = random.Random(4)
    flips = set()
    for _ in range(12):
        x, _ = train[0]           # a.png, 10 x 12
        top = replay.randint(0, max(10 - CROP - 1, 0))
        left = replay.randint(0, max(12 - CROP - 1, 0))
        flip = bool(replay.randint(0, 1))
        flips.add(flip)
        numpy.testing.assert_allclose(
            x, _expected(pixels['img/n01/a.png'], top, left, mean, flip),
            rtol=1e-6, atol=1e-6)
    assert flips == {True, False}


def test_small_image_resized_and_jpeg_read(tmp_path):
    root = str(tmp_path)
    _tree(root)
    train, _, _ = imagenet_data.load(_options(root), crop=CROP)
    x, t = train[4]          # 6 x 16 -> 8 x ceil(16 * 8 / 6) = 8 x 22
    assert x.shape == (3, CROP, CROP) and t == 4
    assert numpy.isfinite(train[3][0]).all()


def test_errors_name_list_file_line_and_path(tmp_path):
    root = str(tmp_path)
    _tree(root)
    os.remove(os.path.join(root, 'img', 'c.png'))
    train, _, _ = imagenet_data.load(_options(root), crop=CROP)
    with pytest.raises(datasets.DatasetError) as e:
        train[2]
    message = str(e.value)
    assert 'train.txt line 3' in message
    assert os.path.join(root, 'img/c.png') in message
    with open(os.path.join(root, 'img', 'n01', 'a.png'), 'wb') as f:
        f.write(b'not an image')
    with pytest.raises(datasets.DatasetError, match='line 1.*a.png'):
        train[0]
    with open(os.path.join(root, 'val.txt'), 'a') as f:
        f.write('img/x.png notanumber\n')
    with pytest.raises(datasets.DatasetError, match='val.txt line 5'):
        imagenet_data.load(_options(root), crop=CROP)


def test_mean_and_settings_checked(tmp_path):
    root = str(tmp_path)
    _tree(root)
    options = _options(root)
    numpy.save(options['mean'], numpy.zeros((3, 4, 4)))
    with pytest.raises(datasets.DatasetError, match='mean.*shape'):
        imagenet_data.load(options, crop=CROP)
    numpy.save(options['mean'], numpy.zeros((3, 8, 8)))
    with pytest.raises(datasets.DatasetError, match='imagenet.val_list'):
        imagenet_data.load(dict(options, val_list=None), crop=CROP)
    with pytest.raises(datasets.DatasetError, match='does not exist'):
        imagenet_data.load(dict(options, train_list=root + '/no.txt'),
                           crop=CROP)


@pytest.mark.parametrize('kind', ['serial', 'thread', 'process'])
def test_iterators_give_every_example_once_an_epoch(tmp_path, kind):
    root = str(tmp_path)
    _tree(root)
    _, val, _ = imagenet_data.load(_options(root), crop=CROP)
    it = loaders.make_iterator(val, 2, kind, 2, repeat=False,
                               shuffle=False)
    try:
        labels = [int(t) for batch in it for _, t in batch]
    finally:
        it.finalize()
    assert labels == [0, 1, 2]
