"""Softmax cross entropy against soft targets (Chainer_K-FAC's
examples/imagenet/softmax_cross_entropy.py with ``tt``).

For logits x (N, K) and target distributions tt (N, K), rows summing to 1::

    loss = -(1/N) sum_i sum_k tt_ik log softmax(x_i)_k
    d loss / d x = (softmax(x) - tt) / N

The gradient is the original's (its backward computes ``y - tt`` times
1/N). Its forward, however, reported the hard-label loss
-(1/N) sum_i log softmax(x_i)_{t_i} for the batch's own labels t; this
function returns the loss whose gradient it is (docs/faithfulness.md).
Without ``tt`` it is ``F.softmax_cross_entropy(x, t)``.
"""
from typing import Any

import chainer
import chainer.functions as F


def soft_target_cross_entropy(x: chainer.Variable, t: Any,
                              tt: Any = None) -> chainer.Variable:
    """Mean cross entropy of ``x`` against ``tt`` (or the labels ``t``)."""
    if tt is None:
        return F.softmax_cross_entropy(x, t)
    if tt.shape != x.shape:
        raise ValueError('soft_target_cross_entropy: targets of shape {} '
                         'for logits of shape {}; they must match (one '
                         'distribution per row)'.format(tt.shape, x.shape))
    log_y = F.log_softmax(x)
    return -F.sum(log_y * tt.astype(log_y.dtype, copy=False)) / x.shape[0]
