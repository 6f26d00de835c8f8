"""KL-clip: a bound on the size of the K-FAC step (kfac-pytorch's
``kl_clip``, kfac-jax's ``norm_constraint``).

With v = F^-1 g the preconditioned gradient of a covered layer (its
``kfgrad``) and g the gradient it came from, the step -lr v changes the
model's predictive distribution by KL ~ 1/2 lr^2 v^T F v = 1/2 lr^2 v^T g.
Before momentum every preconditioned gradient is scaled by the one factor

    nu = min(1, sqrt(kappa / (lr^2 |sum_layers v^T g|))),   kappa = kl_clip

(kfac-pytorch's rule: the sum runs over every covered layer, its absolute
value; nu = 1 when the sum is 0). The scaled step v' = nu v then has the
quadratic size lr^2 v'^T F v' = nu^2 lr^2 |sum v^T g| <= kappa. With a
loss scale s both v and g carry s, so the sum is divided by s^2. Links
K-FAC does not cover have no kfgrad: their plain gradients are neither
summed nor scaled (as in kfac-pytorch, which clips only its registered
layers). Under DistributedKFAC the owners' sums
are added over ranks first, so that every rank scales by the same nu.
"""
import math
import typing

import numpy

from chainer import backend

from chainer_kfac.fisher.block import FisherBlock
from chainer_kfac.preconditioning import kfgrad


def vg_sum(blocks: typing.Iterable[FisherBlock]) -> float:
    """sum of v^T g over the parameters of ``blocks`` that have a kfgrad
    (as the backward left them: loss-scaled)."""
    total = 0.0
    for block in blocks:
        for param in block.params():
            v = kfgrad.get(param)
            if v is None or param.grad is None:
                continue
            xp = backend.get_array_module(v)
            total += float(xp.sum(v * param.grad, dtype=numpy.float64))
    return total


def scale(vg: float, lr: float, kl_clip: float,
          loss_scale: typing.Optional[float] = None) -> float:
    """nu of the module docstring for the (loss-scaled) sum ``vg``."""
    squared_scale = 1.0 if loss_scale is None else float(loss_scale) ** 2
    size = lr * lr * abs(vg) / squared_scale
    if size == 0 or not math.isfinite(size):
        return 1.0
    return min(1.0, math.sqrt(kl_clip / size))


def apply(blocks: typing.Iterable[FisherBlock], nu: float) -> None:
    """Multiply every kfgrad of ``blocks`` by ``nu``."""
    if nu == 1.0:
        return
    for block in blocks:
        for param in block.params():
            v = kfgrad.get(param)
            if v is not None:
                v *= v.dtype.type(nu)
