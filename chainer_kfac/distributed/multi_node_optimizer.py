"""ChainerMN's multi-node optimizer without its lost first step.

``chainermn.create_multi_node_optimizer`` wraps an optimizer (momentum SGD,
Adam) so that each update averages the gradients g = (1/R) sum_r g_r of the
R ranks before the step. Its first update, though, only broadcasts rank 0's
parameters (it keeps the list of initialized parameters, empty at first,
and broadcasts whenever that list changes): that batch's gradient is
dropped, ``t`` stays 0, and every start and every resume of a distributed
run is one step behind a single process on the same global batches (the
original's SGD baselines, examples/cifar10 and examples/mnist, inherit
this). :func:`create_multi_node_optimizer` here broadcasts at its first
update and then updates, as :class:`~chainer_kfac.DistributedKFAC` does
(docs/faithfulness.md); a later change of the initialized parameters is
still broadcast instead of updated, as ChainerMN does.
"""
from typing import Any

from chainermn.optimizers import _MultiNodeOptimizer

from chainer_kfac.distributed.interface import KFACCommunicator


class SynchronizingMultiNodeOptimizer(_MultiNodeOptimizer):
    """ChainerMN's wrapper whose first update broadcasts, then updates."""

    def update(self, lossfun: Any = None, *args: Any, **kwds: Any) -> None:
        if not self.target_params:          # nothing recorded: first call
            self.communicator.bcast_data(self.target)
            self.is_changed(self.target)    # records the parameters
        super().update(lossfun, *args, **kwds)


def create_multi_node_optimizer(actual_optimizer: Any,
                                communicator: KFACCommunicator
                                ) -> SynchronizingMultiNodeOptimizer:
    """``actual_optimizer`` averaging gradients over ``communicator``'s
    ranks, from its first update on."""
    return SynchronizingMultiNodeOptimizer(actual_optimizer, communicator,
                                           zero_fill=True)
