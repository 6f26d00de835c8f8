"""Random erasing (Zhong et al. 2017) as Chainer_K-FAC's ImageNet recipe
does it (examples/imagenet/models/resnet50_d.py, ``_random_erase``).

For each image of an (N, C, H, W) batch, with probability ``rate``: draw
the area fraction a ~ U(area_min, area_max) and the aspect r ~
U(aspect_min, 1); the rectangle is::

    h_e = int(sqrt(a H W r) + 0.5),  w_e = int(sqrt(a H W / r) + 0.5)

swapped with probability 1/2 (so aspects in [aspect_min, 1/aspect_min]),
clipped to H and W, at top ~ U{0..max(H - h_e - 1, 0)}, left ~
U{0..max(W - w_e - 1, 0)} (the original's bounds: the last row and column
are never a start), and its pixels are set to 0 in every channel, in place.
The draws come from a :class:`random.Random` (the original used the
module-level ``random``), in the original's order: u (erase if u <= rate),
a, r, the swap, top, left; its state is in the model's snapshots
(:meth:`serialize`, through :class:`~chainer_kfac.links.RecipeClassifier`).
"""
from typing import Any, Optional, Tuple

import math
import random

from chainer_kfac.links.random_state import serialize_python_random


class RandomErasing(object):

    def __init__(self, rate: float, area_min: float = 0.02,
                 area_max: float = 0.25, aspect_min: float = 0.3,
                 seed: Optional[int] = None) -> None:
        if not (0 <= rate <= 1 and 0 < area_min <= area_max <= 1 and
                0 < aspect_min <= 1):
            raise ValueError(
                'RandomErasing: need 0 <= rate <= 1, 0 < area_min <= '
                'area_max <= 1 and 0 < aspect_min <= 1; got rate={}, '
                'area_min={}, area_max={}, aspect_min={}'.format(
                    rate, area_min, area_max, aspect_min))
        self.rate = rate
        self.area_min, self.area_max = area_min, area_max
        self.aspect_min = aspect_min
        self.random = random.Random(seed)

    def rectangle(self, h: int,
                  w: int) -> Optional[Tuple[int, int, int, int]]:
        """(top, bottom, left, right) of one erasure, or None."""
        rnd = self.random
        if rnd.uniform(0, 1) > self.rate:
            return None
        area = h * w * rnd.uniform(self.area_min, self.area_max)
        aspect = rnd.uniform(self.aspect_min, 1.0)
        eh = int(math.sqrt(area * aspect) + .5)
        ew = int(math.sqrt(area / aspect) + .5)
        if rnd.randint(0, 1):
            eh, ew = ew, eh
        eh, ew = min(eh, h), min(ew, w)
        top = rnd.randint(0, max(h - eh - 1, 0))
        left = rnd.randint(0, max(w - ew - 1, 0))
        return top, min(top + eh, h), left, min(left + ew, w)

    def serialize(self, serializer: Any) -> None:
        """Save/load the random stream."""
        serialize_python_random(serializer, self.random)

    def __call__(self, x: Any) -> Any:
        """Erase in place; returns ``x``."""
        _, _, h, w = x.shape
        for i in range(x.shape[0]):
            box = self.rectangle(h, w)
            if box is not None:
                top, bottom, left, right = box
                x[i, :, top:bottom, left:right] = 0
        return x
