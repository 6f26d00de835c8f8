"""A K-FAC step with non-finite values, and dynamic loss scaling.

Before a step touches any state, :func:`find_nonfinite` looks for inf/NaN in
the gradients and in the step's current factors (the statistics of its
backward). If there is one, the step is skipped whole: no running average,
inverse, momentum or parameter changes and ``t`` stays, so nothing is
poisoned (DistributedKFAC first agrees over the ranks, so that every rank
skips the same steps). Whether the step is skipped or raises is
:func:`may_update`'s decision:

- under **dynamic loss scaling** (``optimizer.loss_scaling()``, Chainer's
  algorithm and state) a non-finite value at a loss scale s > 1 is an
  overflow of the scaled backward: the step is skipped and Chainer's
  ``update_loss_scale`` (called once per update, after it) halves s;
  without an overflow s doubles per update until the first one, then grows
  by 2^(1/interval) per update, within [1, 65504];
- otherwise (no scaling, a static scale, or s = 1, where a smaller scale
  cannot help) ``on_nonfinite`` decides: ``'raise'`` raises
  :class:`KFACError` naming the gradient or factor and the step,
  ``'skip'`` skips with a warning.

Statistics under a loss scale s: the backward runs on s * loss, so its
output gradients are s * gy; the statistics hook divides them by s (in
float32) before forming the factors, so G is that of the unscaled loss
whatever s is, and the running averages never mix scales when a dynamic s
changes (:mod:`chainer_kfac.fisher.collector`).
"""
import typing
import warnings

import chainer
from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.preconditioning.damped_inverse import Array

#: The current factors of a step, by block name (None: none collected).
CurrentFactors = typing.Mapping[str, typing.Optional[typing.Sequence[Array]]]


class KFACError(FloatingPointError):
    """Non-finite gradients or factors, or a factor K-FAC cannot invert."""


def find_nonfinite(
        named_params: typing.Iterable[typing.Tuple[str, chainer.Parameter]],
        blocks: typing.Sequence[FisherBlock],
        current: CurrentFactors) -> typing.Optional[str]:
    """What is non-finite (``'gradient of '/0/W''``), or None."""
    for name, param in named_params:
        if param.grad is not None and not all_finite(param.grad):
            return 'gradient of {!r}'.format(name)
    for block in blocks:
        # A block without current factors this step: an empty tuple; a
        # factor not collected this step: None.
        for fname, f in zip(block.factor_names,
                            current.get(block.name) or (), strict=False):
            if f is not None and not all_finite(f):
                return 'factor {} of layer {!r}'.format(fname, block.name)
    return None


def may_update(optimizer: typing.Any, step: int,
               bad: typing.Optional[str]) -> bool:
    """True if the step may update (``bad`` is None); False to skip it;
    raises :class:`KFACError` (see the module docstring). Sets Chainer's
    overflow flags that ``update_loss_scale`` reads."""
    dynamic = optimizer._loss_scaling_is_dynamic
    optimizer._loss_scaling_isnan = dynamic and bad is not None
    if bad is None:
        return True
    msg = 'KFAC: non-finite {} at step {}'.format(bad, step)
    if dynamic:
        optimizer._loss_scaling_isnan_ever = True
    if dynamic and optimizer._loss_scale > 1:
        msg += ' (overflow at loss scale {:g}: halving it)'.format(
            optimizer._loss_scale)
    elif optimizer.on_nonfinite == 'raise':
        raise KFACError(msg + " (pass on_nonfinite='skip' to skip such "
                        'updates; check the learning rate and the data)')
    warnings.warn(msg + '; skipping this update', stacklevel=1)
    optimizer.skipped_steps += 1
    return False


def serialize_loss_scale(optimizer: typing.Any, serializer: typing.Any
                         ) -> None:
    """Save/load the dynamic loss scale and whether it ever overflowed
    (Chainer's optimizers keep neither in a snapshot; a static scale comes
    from the configuration)."""
    if not optimizer._loss_scaling_is_dynamic:
        return
    optimizer._loss_scale = float(serializer('loss_scale',
                                             optimizer._loss_scale))
    optimizer._loss_scaling_isnan_ever = bool(serializer(
        'loss_scale_overflowed', optimizer._loss_scaling_isnan_ever))


def all_finite(array: Array) -> bool:
    xp = backend.get_array_module(array)
    return bool(xp.isfinite(array).all())
