"""Mixup with the previous batch ("running mixup", Chainer_K-FAC's
examples/imagenet/models/resnet50_d.py, ``ResNet50._mixup``).

Instead of pairing examples within a batch, example i of batch k is mixed
with example i of the batch kept from step k - 1. Per example,
lambda_i ~ Beta(alpha, alpha) and lambda_i <- max(lambda_i, 1 - lambda_i)
(the current example dominates)::

    x~_i  = lambda_i x_i + (1 - lambda_i) x_prev,i
    tt~_i = lambda_i onehot(t_i) + (1 - lambda_i) tt_prev,i

The first batch is not mixed (hard labels). The batch kept for the next step
is the *mixed* one (x~, tt~) with ``running=True`` (the recipe's setting;
mixing then reaches back over all earlier batches with geometrically
decaying weights), the unmixed (x, onehot(t)) without. The kept arrays are
the ones returned, not copies: an in-place change made after the mixup
(the recipe's random erasing) reaches the next step's partner too, as in
the original. lambda is drawn even for the first batch, so the random
stream matches the original's. Not applied when ``chainer.config.train``
is False. The kept batch and the random stream are in the model's
snapshots (:meth:`serialize`, through
:class:`~chainer_kfac.links.RecipeClassifier`), so a resumed run mixes as
the uninterrupted one would.
"""
from typing import Any, Callable, Optional, Tuple

import numpy

import chainer
from chainer import backend

from chainer_kfac.links.random_state import serialize_numpy_random


class RunningMixup(object):

    def __init__(self, alpha: float, n_classes: int, running: bool = True,
                 seed: Optional[int] = None) -> None:
        if not alpha > 0:
            raise ValueError('RunningMixup: alpha must be > 0, not '
                             '{!r}'.format(alpha))
        self.alpha = alpha
        self.n_classes = n_classes
        self.running = bool(running)
        self.rng = numpy.random.RandomState(seed)
        self.prior_x: Any = None
        self.prior_tt: Any = None

    def draw_lambda(self, n: int, dtype: Any) -> numpy.ndarray:
        lam = self.rng.beta(self.alpha, self.alpha, n).astype(dtype)
        return numpy.maximum(lam, 1.0 - lam)

    def __call__(self, x: Any, t: Any) -> Tuple[Any, Any]:
        """(x~, tt~), tt~ None for the first batch; (x, None) outside
        training."""
        if not chainer.config.train:
            return x, None
        xp = backend.get_array_module(x)
        n = x.shape[0]
        tt = xp.zeros((n, self.n_classes), dtype=x.dtype)
        tt[xp.arange(n), t] = 1
        lam = self.draw_lambda(n, x.dtype)
        if self.prior_x is None:
            mixed_x, mixed_tt = x, None
        else:
            self._check_partner(x)
            lam = xp.asarray(lam)
            lam_x = lam.reshape((n,) + (1,) * (x.ndim - 1))
            mixed_x = lam_x * x + (1 - lam_x) * self.prior_x
            lam_t = lam.reshape(n, 1)
            mixed_tt = lam_t * tt + (1 - lam_t) * self.prior_tt
        self.prior_x, self.prior_tt = x, tt
        if self.running:
            self.prior_x = mixed_x
            if mixed_tt is not None:
                self.prior_tt = mixed_tt
        return mixed_x, mixed_tt

    def serialize(self, serializer: Any,
                  send: Optional[Callable[[Any], Any]] = None) -> None:
        """Save/load the kept batch and the random stream (``send``: moves
        a loaded array to the model's device)."""
        serialize_numpy_random(serializer, self.rng)
        for name in ('prior_x', 'prior_tt'):
            value = serializer(name, getattr(self, name))
            if value is not None and send is not None:
                value = send(value)
            setattr(self, name, value)

    def _check_partner(self, x: Any) -> None:
        if self.prior_x.shape != x.shape:
            raise ValueError(
                'RunningMixup: batch of shape {} after one of shape {}: '
                'running mixup pairs example i with example i of the '
                'previous batch, so every training batch must have the same '
                'size (use a repeating iterator)'.format(
                    x.shape, self.prior_x.shape))
