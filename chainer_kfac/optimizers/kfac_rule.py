"""Update rule of K-FAC: momentum SGD on the preconditioned gradient.

For a parameter w with preconditioned gradient ``w.kfgrad`` (or, for a link
K-FAC does not cover, its plain gradient)::

    v <- mu v - lr kfgrad
    w <- w + v

``adjust_momentum`` (Chainer_K-FAC's rule): when the learning rate has just
dropped below the previous one, ``lr < lr_pre``, the momentum of that step is
``mu * lr / lr_pre``; it is never raised (no change during a warm-up, so mu
stays <= 1). ``lr_pre`` is a hyperparameter that the learning-rate schedule
sets to the old rate before each change (``StepLRSchedule`` in experiments/).

Loss scaling: with ``loss.backward(loss_scale=s)`` the gradients, hence the
kfgrads, carry the factor s (the factors do not: the statistics hook removes
it). Chainer divides ``grad`` by s before ``update_core``; this rule does
the same to ``kfgrad``. With ``use_fp32_update()`` a float16 parameter is
updated through its float32 copy, and the kfgrad is handed to that copy in
float32; the copy is saved in snapshots.
"""
import typing

import numpy

import chainer
from chainer import optimizer

from chainer_kfac.preconditioning import kfgrad


def adjusted_momentum(momentum: float, lr: float, lr_pre: float,
                      adjust_momentum: bool) -> float:
    """mu * lr / lr_pre if ``adjust_momentum`` and lr < lr_pre, else mu."""
    if adjust_momentum and lr < lr_pre:
        return momentum * lr / lr_pre
    return momentum


class KFACUpdateRule(optimizer.UpdateRule):

    """Momentum update of ``param.kfgrad`` (falls back to ``param.grad``).

    Args:
        parent_hyperparam (~chainer.optimizer.Hyperparameter): Hyperparameter
            with ``lr``, ``lr_pre``, ``momentum`` and ``adjust_momentum``.
    """

    is_elementwise = True
    #: Set by Chainer's UpdateRule (the float32 copy of a float16 param).
    _fp32_param: typing.Optional[chainer.Parameter]
    #: A float32 copy loaded from a snapshot, not yet on the device.
    _loaded_fp32: typing.Any = None

    def init_state(self, param: chainer.Parameter) -> None:
        xp = param.device.xp
        with chainer.using_device(param.device):
            self.state['v'] = xp.zeros_like(param.data)

    def update(self, param: chainer.Parameter) -> None:
        """Unscale ``param.kfgrad`` (and hand it to the float32 copy of a
        float16 parameter), then Chainer's update (hooks, update_core)."""
        if self._loaded_fp32 is not None and param.array is not None:
            self._fp32_param = chainer.Parameter(
                param.device.send(self._loaded_fp32), name=param.name)
            self._loaded_fp32 = None
        direction = kfgrad.get(param)
        if not self.enabled or direction is None or param.array is None:
            return super(KFACUpdateRule, self).update(param)
        holder = self._direction_holder(param)
        if holder is not param:
            kfgrad.store(holder, direction)
        scale = param._loss_scale
        if scale is not None:
            unscaled = kfgrad.get(holder)
            unscaled /= unscaled.dtype.type(scale)
        try:
            super(KFACUpdateRule, self).update(param)
        finally:
            if holder is not param:
                kfgrad.clear(holder)

    def _direction_holder(self, param: chainer.Parameter
                          ) -> chainer.Parameter:
        """The parameter the momentum step updates: ``param``, or under
        ``use_fp32_update()`` the float32 copy of a float16 ``param``."""
        if not (self._use_fp32_update and param.dtype == numpy.float16):
            return param
        if self._fp32_param is None:
            self._fp32_param = chainer.Parameter(
                param.array.astype(numpy.float32), name=param.name)
        return self._fp32_param

    def serialize(self, serializer: typing.Any) -> None:
        """Chainer's (``t``, momentum) and the float32 master copy of a
        float16 parameter under ``use_fp32_update()`` (Chainer keeps none:
        a resumed run would restart it from the rounded float16 values).
        A loaded copy goes to the parameter's device at its next update."""
        super(KFACUpdateRule, self).serialize(serializer)
        master = self._fp32_param
        held = self._loaded_fp32 if master is None else master.array
        try:
            value = serializer('fp32_param', held)
        except KeyError:    # a snapshot from before the copy was saved
            return
        if value is not held:
            self._fp32_param, self._loaded_fp32 = None, value

    def update_core_cpu(self, param: chainer.Parameter) -> None:
        grad = kfgrad.get(param)
        if grad is None:
            grad = param.grad
        if grad is None:
            return
        hp = self.hyperparam
        mu = adjusted_momentum(hp.momentum, hp.lr, hp.lr_pre,
                               hp.adjust_momentum)
        v = self.state['v']
        v *= v.dtype.type(mu)
        v -= v.dtype.type(hp.lr) * grad
        param.data += v

    update_core_gpu = update_core_cpu
