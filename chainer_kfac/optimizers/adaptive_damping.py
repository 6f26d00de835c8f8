"""Adaptive damping: the Levenberg-Marquardt rule of Martens & Grosse 2015,
sec. 6.5, on K-FAC's ``damping`` (``damping_adaptation_interval`` T).

At every T-th step (steps T-1, 2T-1, ... counting from 0) the step's update
delta is judged by the reduction ratio of the quadratic model

    rho = (h(theta + delta) - h(theta)) / (M(delta) - M(0)),
    M(delta) - M(0) = g^T delta + 1/2 delta^T F delta

with h the loss on the step's own batch (one extra forward, without
backward, after the update; its reports are dropped and the model's
persistent values, e.g. BatchNorm's running statistics, restored), plus
1/2 eta ||theta||^2 for every ``WeightDecay`` hook of rate eta; g the
gradient the step used (after the optimizer hooks), and F the curvature
K-FAC preconditions with: per layer the Kronecker product of its undamped
running averages, vec(D)^T (A (x) G) vec(D) = sum((G D A) * D) for the
layer's update D arranged as its gradient (BatchNorm: D^T F D); links K-FAC
does not cover add g^T delta only. Then, with omega = (19/20)^T,

    damping <- omega damping   if rho > 3/4
    damping <- damping / omega if rho < 1/4  (also when M(delta) >= M(0)
                                              or rho is not finite)

bounded to [1e-8, 1e8]. The damping keeps its split between A and G (pi).
The new damping takes effect at the next inversion (every step with
``inv_update_freq=1``). Under DistributedKFAC the losses are averaged and the
model terms summed over ranks (each owner sums its layers), so that every
rank takes the same damping. The extra forward is part of the step's time.
"""
import math
import typing

import numpy

import chainer
from chainer import backend
from chainer import optimizer_hooks

from chainer_kfac.fisher.block import FisherBlock

#: M&G's thresholds on rho and the base of omega.
LOWER_ABOVE, RAISE_BELOW, OMEGA_BASE = 0.75, 0.25, 19.0 / 20.0
#: Bounds of the adapted damping.
MIN_DAMPING, MAX_DAMPING = 1e-8, 1e8


def adapted(damping: float, rho: float, interval: int) -> float:
    """The damping after a step of reduction ratio ``rho``."""
    omega = OMEGA_BASE ** interval
    if rho > LOWER_ABOVE:
        damping *= omega
    elif not rho >= RAISE_BELOW:      # also NaN
        damping /= omega
    return min(max(damping, MIN_DAMPING), MAX_DAMPING)


def reduction_ratio(loss_before: float, loss_after: float,
                    model_change: float) -> float:
    """rho; -inf where the model predicts no decrease."""
    if not model_change < 0:
        return -math.inf
    return (loss_after - loss_before) / model_change


def weight_decay_rate(opt: chainer.Optimizer) -> float:
    """The sum of the rates of ``opt``'s WeightDecay hooks (0: none)."""
    hooks = opt._hookable._pre_update_hooks.values()
    return float(sum(h.rate for h in hooks
                     if isinstance(h, optimizer_hooks.WeightDecay)))


def _dot(a: typing.Any, b: typing.Any) -> float:
    xp = backend.get_array_module(a)
    return float(xp.sum(a * b, dtype=numpy.float64))


class AdaptationStep(object):
    """One adaptation step: :meth:`record` before the parameters are
    updated, :meth:`model_change` and :meth:`norm_change` after."""

    def __init__(self, loss_before: float, decay_rate: float) -> None:
        self.loss_before = loss_before
        self.decay_rate = decay_rate
        self.groups: typing.Sequence[FisherBlock] = ()
        self._grads: typing.List[typing.Any] = []
        self._before: typing.List[typing.Any] = []
        self._scale = 1.0

    def record(self, groups: typing.Sequence[FisherBlock],
               loss_scale: typing.Optional[float]) -> None:
        """The gradients (after the hooks) and values of ``groups``."""
        self.groups = list(groups)
        params = [p for g in self.groups for p in g.params()]
        self._grads = [None if p.grad is None else p.grad.copy()
                       for p in params]
        self._before = [p.array.copy() for p in params]
        self._scale = 1.0 if loss_scale is None else float(loss_scale)

    def model_change(self) -> float:
        """M(delta) - M(0) over the recorded groups (see the module
        docstring), weight decay's 1/2 eta ||delta||^2 included."""
        total, grads, before = 0.0, iter(self._grads), iter(self._before)
        for group in self.groups:
            deltas = [p.array - next(before) for p in group.params()]
            for g, d in zip((next(grads) for _ in deltas), deltas,
                            strict=True):
                if g is not None:
                    total += _dot(g, d) / self._scale
                total += 0.5 * self.decay_rate * _dot(d, d)
            if group.factors is not None and group.factor_names:
                total += 0.5 * group.curvature_form(group.arrange(deltas))
        return total

    def norm_change(self) -> float:
        """1/2 eta (||theta + delta||^2 - ||theta||^2) over the groups."""
        params = [p for g in self.groups for p in g.params()]
        return 0.5 * self.decay_rate * sum(
            _dot(p.array, p.array) - _dot(b, b)
            for p, b in zip(params, self._before, strict=True))


def loss_after(lossfun: typing.Callable[..., chainer.Variable],
               model: chainer.Link, args: typing.Sequence[typing.Any],
               kwds: typing.Mapping[str, typing.Any]) -> float:
    """``lossfun(*args, **kwds)`` without backprop, its reports dropped and
    the model's persistent values (BatchNorm's statistics) restored."""
    arrays = chainer.get_array_types()
    kept = [(link, name, getattr(link, name)) for _, link in
            model.namedlinks() for name in sorted(link._persistent)]
    kept = [(link, name, v.copy() if isinstance(v, arrays) else v)
            for link, name, v in kept]
    dropped = chainer.Reporter()     # the model's reports go nowhere
    dropped.add_observer('main', model)
    dropped.add_observers('main', model.namedlinks(skipself=True))
    with chainer.using_config('enable_backprop', False), \
            dropped.scope({}):
        value = float(lossfun(*args, **kwds).array)
    for link, name, v in kept:
        setattr(link, name, v)
    return value
