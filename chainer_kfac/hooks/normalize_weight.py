"""Weight-norm rescaling after each update (Chainer_K-FAC's
``NormalizeWeightUR``, examples/imagenet/train.py).

After the update of a weight W with C_out = W.shape[0] outputs::

    target = sqrt(2 C_out)
    s      = target / (||W||_F + 1e-9)
    W     <- s W        only if s < 1 (the norm is capped, never raised)

With ``skip_scale_comp`` the norm is computed only now and then, and the
steps between reuse the last per-step scale s~ (the hook keeps, per
parameter, t_last, t_next and s~). Steps t < 2 (rule.t counts from 1)
compute s and set the interval to 1. At a step t >= t_next, with
p = t_next - t_last the interval that just ended::

    s~_new = (s * s~^(p - 1)) ** (1 / p)     (the per-step scale that the
                                               p - 1 skipped steps and
                                               this one amount to)
    e      = s~ / s~_new, inverted if > 1    (how wrong s~ was, <= 1)
    n_max  = min(10, log(0.98) / log(e) + 1) (e ** (n - 1) >= 0.98)
    interval = int(min(n_max, p + 1))        (grows by at most 1)

and s~ <- s~_new, t_last <- t, t_next <- t + interval. Where e == 1
(s~ was exact) the original divided by log(1) = 0; here n_max is then 10
(docs/faithfulness.md). The state lives in the hook, one hook per
parameter (as the original adds one per parameter). Chainer's
``UpdateRule.serialize`` saves no hooks: :func:`add_normalize_weight`
returns a :class:`NormalizeWeightState`, the trainer extension that puts
every hook's (t_last, t_next, s~) in the trainer's snapshots, so that a
resumed run continues the intervals exactly.
"""
import math
from typing import Any, Iterable, List, Mapping, Tuple

import chainer
import chainer.links as L
from chainer import backend
from chainer import training

WARMUP_LEN = 2
MAX_SKIP = 10
TOLERANCE = 0.98
EPS = 1e-9


def next_interval(scale: float, last_scale: float,
                  pre_interval: int) -> Tuple[float, int]:
    """(the new per-step scale, the next interval): the formulas above."""
    right = math.pow(scale * last_scale ** (pre_interval - 1),
                     1.0 / pre_interval)
    error = last_scale / right
    if error > 1:
        error = 1.0 / error
    max_interval: float
    if error >= 1:
        max_interval = MAX_SKIP
    else:
        max_interval = min(MAX_SKIP, math.log(TOLERANCE) / math.log(error)
                           + 1)
    return right, int(min(max_interval, pre_interval + 1))


class NormalizeWeight(object):
    """UpdateRule hook (``timing='post'``) capping ||W|| at sqrt(2 C_out).
    """

    name = 'NormalizeWeightUR'
    timing = 'post'

    def __init__(self, skip_scale_comp: bool = False) -> None:
        self.skip_scale_comp = bool(skip_scale_comp)
        self.t_last = 0
        self.t_next = 0
        self.scale = 1.0

    def __call__(self, rule: chainer.UpdateRule,
                 param: chainer.Parameter) -> None:
        w = param.array
        if w is None:
            return
        scale = self.scale_at(rule.t, w)
        if scale < 1:
            w *= w.dtype.type(scale)

    def scale_at(self, t: int, w: Any) -> float:
        """The factor W is multiplied by at step t (if < 1); updates the
        skip state."""
        warmup = not self.skip_scale_comp or t < WARMUP_LEN
        if not warmup and t < self.t_next:
            return self.scale
        scale = math.sqrt(2.0 * w.shape[0]) / (_norm(w) + EPS)
        if warmup:
            self.scale, interval = scale, 1
        else:
            self.scale, interval = next_interval(
                scale, self.scale, self.t_next - self.t_last)
        self.t_last, self.t_next = t, t + interval
        return scale

    def serialize(self, serializer: Any) -> None:
        """Save/load the skip state (t_last, t_next, s~)."""
        self.t_last = int(serializer('t_last', self.t_last))
        self.t_next = int(serializer('t_next', self.t_next))
        self.scale = float(serializer('scale', self.scale))


class NormalizeWeightState(training.Extension):
    """The trainer extension that saves and loads the
    :class:`NormalizeWeight` hooks' state with the trainer (by the
    parameters' paths); calling it does nothing.

    Attributes:
        params: The rescaled parameters (:func:`normalized_params`).
        hooks: Their hooks, by the parameters' paths in the model.
    """

    trigger = (1, 'epoch')
    name = 'normalize_weight_state'

    def __init__(self, params: Iterable[Any],
                 hooks: Mapping[str, 'NormalizeWeight']) -> None:
        self.params = list(params)
        self.hooks = dict(hooks)

    def __call__(self, trainer: Any) -> None:
        pass

    def serialize(self, serializer: Any) -> None:
        for path in sorted(self.hooks):
            self.hooks[path].serialize(serializer[path.strip('/')])


def _norm(w: Any) -> float:
    xp = backend.get_array_module(w)
    return float(xp.linalg.norm(w.ravel()))


def normalized_params(link: chainer.Link) -> List[chainer.Parameter]:
    """The parameters the recipe rescales: the W of every Convolution2D
    and Linear link (the original's ``normalize_weight`` flags: every
    convolution and the fully connected layer; BatchNorm is left alone)."""
    return [sub.W for _, sub in sorted(link.namedlinks())
            if isinstance(sub, (L.Convolution2D, L.Linear))]


def add_normalize_weight(optimizer: chainer.Optimizer,
                         skip_scale_comp: bool = False
                         ) -> List[chainer.Parameter]:
    """Add one :class:`NormalizeWeight` to the update rule of each of
    :func:`normalized_params` of the optimizer's target (after setup);
    returns their :class:`NormalizeWeightState` (``trainer.extend`` it to
    keep their state in snapshots)."""
    params = normalized_params(optimizer.target)
    paths = {id(p): path for path, p in optimizer.target.namedparams()}
    hooks = {}
    for param in params:
        if param.update_rule is None:
            raise ValueError('add_normalize_weight: {} has no update rule; '
                             'call optimizer.setup(model) first'.format(
                                 param.name))
        hook = NormalizeWeight(skip_scale_comp)
        param.update_rule.add_hook(hook)
        hooks[paths[id(param)]] = hook
    return NormalizeWeightState(params, hooks)
