"""Who owns which layer: splitting K-FAC's second-order work over ranks.

Each Fisher block (including the factor-less block of a link K-FAC does not
cover) is owned by exactly one rank, which keeps its running averages,
inverts its factors, preconditions its gradient and (with
``only_pic_update_weight``) updates its parameters.

- ``'contiguous'``: Chainer_K-FAC's split -- the layer list in model order is
  cut into ``size`` consecutive chunks of (nearly) equal length, as
  ``numpy.array_split`` does; with more ranks than layers the last ranks own
  nothing.
- ``'balanced'``: greedy longest-processing-time split by inversion cost: the
  most expensive layer goes to the least loaded rank, and so on. Each block
  declares its cost (:meth:`FisherBlock.inversion_cost`; a Kronecker block's
  is dim(A)^3 + dim(G)^3, two Cholesky inverses); LeNet-5's five layers on
  four ranks are badly balanced by the contiguous split (fc3's 401-dim A
  dominates).
"""
from typing import Any, List, Sequence

import numpy

METHODS = ('contiguous', 'balanced')


def inversion_cost(block: Any) -> float:
    """Flop-proportional cost of inverting ``block``'s factors."""
    return float(block.inversion_cost())


def assign(costs: Sequence[float], size: int,
           method: str = 'contiguous') -> List[int]:
    """Return the owning rank of each item, given their costs."""
    n = len(costs)
    if method == 'contiguous':
        owners: List[int] = []
        for rank, chunk in enumerate(numpy.array_split(numpy.arange(n),
                                                       size)):
            owners.extend([rank] * len(chunk))
        return owners
    if method == 'balanced':
        load = [0.0] * size
        owners = [0] * n
        # Stable order: cost descending, then position.
        for i in sorted(range(n), key=lambda i: (-costs[i], i)):
            rank = min(range(size), key=lambda r: (load[r], r))
            owners[i] = rank
            load[rank] += costs[i]
        return owners
    raise ValueError('assignment must be one of {}, not {!r}'.format(
        METHODS, method))
