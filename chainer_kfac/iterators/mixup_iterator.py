"""Mixup (Zhang et al. 2018) as an iterator: batches of mixed examples.

For each batch, one lambda ~ Beta(alpha, alpha) is drawn, the batch is paired
with a random permutation j of itself, and example i becomes::

    (x~_i, t_a, t_b, lambda)
        = (lambda x_i + (1 - lambda) x_j, t_i, t_j, lambda)

The loss of :class:`chainer_kfac.links.MixupClassifier` is then
lambda CE(y, t_a) + (1 - lambda) CE(y, t_b), the linear interpolation of the
labels. ``alpha`` 0 or None means no mixing (lambda = 1, t_b = t_a).

Epochs behave as :class:`chainer.iterators.SerialIterator`'s. The iterator
owns its random stream (shuffling, lambda, partners) and serializes it, so a
resumed run draws the same batches as an uninterrupted one.
"""
from typing import Any, List, Optional, Sequence, Tuple

import numpy

import chainer

from chainer_kfac.links.random_state import serialize_numpy_random


class MixupIterator(chainer.dataset.Iterator):

    def __init__(self, dataset: Sequence[Tuple[Any, Any]], batch_size: int,
                 alpha: Optional[float], repeat: bool = True,
                 shuffle: bool = True, seed: Optional[int] = None) -> None:
        if alpha is not None and alpha < 0:
            raise ValueError('MixupIterator: alpha must be >= 0, not '
                             '{}'.format(alpha))
        self.dataset = dataset
        self.batch_size = batch_size
        self.alpha = alpha or 0.0
        self._repeat = repeat
        self._shuffle = shuffle
        self._rng = numpy.random.RandomState(seed)
        self.reset()

    def reset(self) -> None:
        self.current_position = 0
        self.epoch = 0
        self.is_new_epoch = False
        self._previous_epoch_detail = -1.
        self._order = self._new_order()

    def _new_order(self) -> Optional[numpy.ndarray]:
        if not self._shuffle:
            return None
        return self._rng.permutation(len(self.dataset))

    @property
    def epoch_detail(self) -> float:
        return self.epoch + self.current_position / float(len(self.dataset))

    @property
    def previous_epoch_detail(self) -> Optional[float]:
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    @property
    def repeat(self) -> bool:
        return self._repeat

    def __next__(self) -> List[Tuple[Any, Any, Any, numpy.float32]]:
        if not self._repeat and self.epoch > 0:
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail
        indices = self._next_indices()
        return self._mix([self.dataset[i] for i in indices])

    next = __next__

    def _next_indices(self) -> List[int]:
        n = len(self.dataset)
        start, end = self.current_position, self.current_position + \
            self.batch_size
        order = numpy.arange(n) if self._order is None else self._order
        indices = list(order[start:end])
        if end >= n:
            if self._repeat:
                rest = end - n
                self._order = self._new_order()
                new_order = numpy.arange(n) if self._order is None else \
                    self._order
                while rest > 0:
                    take = new_order[:rest]
                    indices.extend(take)
                    rest -= len(take)
                self.current_position = end - n if end - n < n else 0
            else:
                self.current_position = 0
            self.epoch += 1
            self.is_new_epoch = True
        else:
            self.is_new_epoch = False
            self.current_position = end
        return indices

    def _mix(self, batch: Sequence[Tuple[Any, Any]]
             ) -> List[Tuple[Any, Any, Any, numpy.float32]]:
        lam = self._rng.beta(self.alpha, self.alpha) if self.alpha > 0 \
            else 1.0
        partner = self._rng.permutation(len(batch))
        out = []
        for i, (x, t) in enumerate(batch):
            x_j, t_j = batch[partner[i]]
            if lam == 1.0:
                mixed = x
            else:
                mixed = (lam * x + (1 - lam) * x_j).astype(x.dtype)
            out.append((mixed, t, t_j, numpy.float32(lam)))
        return out

    def serialize(self, serializer: chainer.AbstractSerializer) -> None:
        self.current_position = int(serializer('current_position',
                                               self.current_position))
        self.epoch = int(serializer('epoch', self.epoch))
        self.is_new_epoch = bool(serializer('is_new_epoch',
                                            self.is_new_epoch))
        self._previous_epoch_detail = float(serializer(
            'previous_epoch_detail', self._previous_epoch_detail))
        order = serializer('order', self._order)
        self._order = None if order is None else numpy.asarray(order)
        serialize_numpy_random(serializer, self._rng)
