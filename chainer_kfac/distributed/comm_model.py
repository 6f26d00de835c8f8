"""The per-step communication volume of DistributedKFAC, as a formula.

For a layer l with Kronecker factors of dimensions a_l (A: inputs, plus one
for the bias) and g_l (G: outputs), its gradient [grad W | grad b] has
a_l * g_l elements. One K-FAC step with factors recomputed moves, in 4-byte
floats (see docs/communication.md)::

    ReduceScatterV buffer:  S_rs = sum_l [ a_l g_l + a_l(a_l+1)/2
                                           + g_l(g_l+1)/2 ]
    AllGatherV buffer:      S_ag = sum_l a_l g_l

Both buffers are independent of the number of ranks R. With ring algorithms
each rank sends and receives (R-1)/R of each buffer, so the bytes a rank
puts on the wire per step are 4 (R-1)/R (S_rs + S_ag) < 4 (S_rs + S_ag),
bounded as R grows; what grows with R is the latency term (R-1 ring steps,
or log2 R for recursive halving).
"""
from typing import Dict, Sequence, Tuple


def step_volume(layers: Sequence[Tuple[int, int]], ranks: int,
                itemsize: int = 4) -> Dict[str, float]:
    """Bytes per step. ``layers`` is a list of (a_l, g_l)."""
    s_rs = sum(a * g + a * (a + 1) // 2 + g * (g + 1) // 2
               for a, g in layers)
    s_ag = sum(a * g for a, g in layers)
    wire = (ranks - 1) / float(ranks) * (s_rs + s_ag) * itemsize
    return {'reduce_scatter_v': s_rs * itemsize,
            'all_gather_v': s_ag * itemsize,
            'per_rank_wire': wire}
