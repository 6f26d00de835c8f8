"""RandomErasing against the original's _random_erase: the same draws
replayed with its formulas, and the ranges of areas and aspects."""
import math
import random

import numpy
import pytest

from chainer_kfac.links import RandomErasing


def _original_boxes(seed, n, h, w, rate, rl, rh, aspect_rl):
    """The original's loop, transcribed, on random.Random(seed)."""
    rnd = random.Random(seed)
    boxes = []
    for _ in range(n):
        if rnd.uniform(0, 1) > rate:
            boxes.append(None)
            continue
        area = h * w * rnd.uniform(rl, rh)
        aspect = rnd.uniform(aspect_rl, 1.0)
        eh = int(math.sqrt(area * aspect) + .5)
        ew = int(math.sqrt(area / aspect) + .5)
        if rnd.randint(0, 1):
            eh, ew = ew, eh
        eh, ew = min(eh, h), min(ew, w)
        top = rnd.randint(0, max(h - eh - 1, 0))
        left = rnd.randint(0, max(w - ew - 1, 0))
        boxes.append((top, min(top + eh, h), left, min(left + ew, w)))
    return boxes


def test_same_rectangles_as_the_original():
    x = numpy.ones((40, 3, 24, 20), 'f')
    RandomErasing(0.5, 0.02, 0.25, 0.3, seed=5)(x)
    boxes = _original_boxes(5, 40, 24, 20, 0.5, 0.02, 0.25, 0.3)
    for image, box in zip(x, boxes, strict=True):
        want = numpy.ones((3, 24, 20), 'f')
        if box is not None:
            top, bottom, left, right = box
            want[:, top:bottom, left:right] = 0
        numpy.testing.assert_array_equal(image, want)
    assert 5 < sum(b is not None for b in boxes) < 35


def test_areas_aspects_and_rate():
    # A large image so that rounding to whole pixels hardly matters and no
    # rectangle is clipped: area fraction in [0.02, 0.25], aspect h/w in
    # [0.3, 1/0.3], about `rate` of the images erased.
    eraser = RandomErasing(0.5, 0.02, 0.25, 0.3, seed=1)
    h = w = 400
    fractions, aspects, erased = [], [], 0
    for _ in range(2000):
        box = eraser.rectangle(h, w)
        if box is None:
            continue
        erased += 1
        top, bottom, left, right = box
        eh, ew = bottom - top, right - left
        fractions.append(eh * ew / float(h * w))
        aspects.append(eh / float(ew))
    assert erased / 2000.0 == pytest.approx(0.5, abs=0.04)
    assert 0.02 * 0.97 <= min(fractions) and max(fractions) <= 0.25 * 1.03
    assert min(fractions) < 0.03 and max(fractions) > 0.24
    assert 0.3 * 0.97 <= min(aspects) and max(aspects) <= 1 / 0.3 * 1.03
    assert min(aspects) < 0.33 and max(aspects) > 3.0
    # the start never is the last row/column (the original's bounds)
    assert all(0 <= f <= 1 for f in fractions)


def test_bad_arguments_named():
    with pytest.raises(ValueError, match='area_min'):
        RandomErasing(0.5, 0.3, 0.2)
