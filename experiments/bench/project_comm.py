"""Bytes per DistributedKFAC step, packed vs dense, and a MODEL of the
communication time of one step on ABCI 3.0-like nodes (8 -> 1,024 GPUs).

    python -m experiments bench project-comm [--model resnet50_d] [--json OUT]

Volume (measured from the model's Fisher blocks, no data needed): one step
with factors recomputed reduce-scatters every block's gradients and factors
and all-gathers its parameters (docs/communication.md); a symmetric factor
travels as its upper triangle n(n+1)/2 ("packed") instead of n^2 ("dense").
On a step without factors only the gradients are reduce-scattered.

Time: a model, not a measurement. Hierarchical collectives on nodes of
G = 8 GPUs, N = R / G nodes, S bytes::

    R <= G:  T = (R-1)/R S / B_nvlink + (R-1) a_nvlink
    R >  G:  T = (G-1)/G S / B_nvlink + (G-1) a_nvlink
                 + (N-1)/N (S/G) / B_ib + (N-1) a_ib

(within a node a ring over NVLink; across nodes each GPU exchanges its 1/G
share over its own InfiniBand port). Constants: ABCI 3.0 compute node (H):
8 NVIDIA H200 SXM, 8 InfiniBand NDR ports of 200 Gb/s (aistabci/abci-docs,
v3/en/docs/system-overview.md), so B_ib = 25 GB/s per GPU; B_nvlink =
450 GB/s per direction (H200 SXM: 900 GB/s NVLink, both directions);
latencies a_nvlink = 2 us, a_ib = 5 us per ring step (assumed). Compute,
overlap, congestion and the host staging of an MPI without CUDA support
are left out. Set beside the original's published ImageNet runs
(tyohei/chainerkfac README: ResNet-50-D, 32 samples per GPU).
"""
import argparse
import json
from collections.abc import Sequence
from typing import Any

import chainer_kfac  # the compatibility layer, before Chainer
import chainer.links as L

from chainer_kfac import models

GPUS_PER_NODE = 8
B_NVLINK = 450e9
B_IB = 200e9 / 8
A_NVLINK = 2e-6
A_IB = 5e-6
#: The original's README: global batch -> (GPUs, epochs, iterations).
ORIGINAL = {4096: (128, 35, 10948), 8192: (256, 35, 5478),
            16384: (512, 35, 2737), 32768: (1024, 45, 1760),
            65536: (2048, 60, 1173), 131072: (4096, 80, 782)}
PER_GPU = 32

#: (block name, parameters, packed factor floats, dense factor floats)
Volume = tuple[str, int, int, int]


def block_volumes(model_name: str, in_size: int,
                  classes: int) -> list[Volume]:
    """[(name, parameters, packed factor floats, dense factor floats)]."""
    link = L.Classifier(models.build(model_name, 3, in_size, classes))
    opt = chainer_kfac.KFAC()
    opt.setup(link)
    rows = []
    for block in opt.blocks:
        params = sum(p.size for p in block.params())
        packed = dense = 0
        for shape, sym in zip(block.factor_shapes(),
                              block.symmetric_factors(), strict=True):
            n = shape[0]
            size = 1
            for s in shape:
                size *= s
            dense += size
            packed += n * (n + 1) // 2 if sym and len(shape) == 2 else size
        rows.append((block.name, params, packed, dense))
    return rows


def collective_seconds(nbytes: float, ranks: int) -> float:
    """The model above for one reduce-scatter or all-gather."""
    g = min(ranks, GPUS_PER_NODE)
    t = (g - 1) / g * nbytes / B_NVLINK + (g - 1) * A_NVLINK
    nodes = ranks // GPUS_PER_NODE
    if nodes > 1:
        t += ((nodes - 1) / nodes * nbytes / GPUS_PER_NODE / B_IB
              + (nodes - 1) * A_IB)
    return t


def projection(volume: Sequence[Volume], ranks_list: Sequence[int],
               itemsize: int = 4) -> list[dict[str, Any]]:
    params = sum(r[1] for r in volume)
    packed = sum(r[2] for r in volume)
    rs_factor, ag = (params + packed) * itemsize, params * itemsize
    rows = []
    for ranks in ranks_list:
        t_factor = collective_seconds(rs_factor, ranks) + \
            collective_seconds(ag, ranks)
        t_plain = collective_seconds(ag, ranks) * 2
        batch = PER_GPU * ranks
        orig = ORIGINAL.get(batch)
        rows.append({
            'gpus': ranks, 'nodes': max(1, ranks // GPUS_PER_NODE),
            'global_batch': batch,
            'step_comm_seconds_with_factors': t_factor,
            'step_comm_seconds_gradients_only': t_plain,
            'original_iterations': orig[2] if orig else None,
            'original_epochs': orig[1] if orig else None,
            'training_comm_seconds_factors_every_step':
                t_factor * orig[2] if orig else None})
    return rows


def show_volume(model: str, volume: Sequence[Volume]) -> None:
    params = sum(r[1] for r in volume)
    packed, dense = sum(r[2] for r in volume), sum(r[3] for r in volume)
    mb = 4 / 2 ** 20
    print('{}: {} blocks, {} parameters'.format(model, len(volume), params))
    print('reduce-scatter per factor step: packed {:.1f} MiB, dense {:.1f} '
          'MiB ({:.2f}x); gradients only {:.1f} MiB; all-gather {:.1f} '
          'MiB'.format((params + packed) * mb, (params + dense) * mb,
                       (params + dense) / (params + packed), params * mb,
                       params * mb))


def show_projection(rows: Sequence[dict[str, Any]]) -> None:
    print('MODEL (not measured): communication seconds of one step')
    print('{:>5} {:>5} {:>7} {:>12} {:>12} {:>10} {:>14}'.format(
        'GPUs', 'nodes', 'batch', 'factor step', 'grads only', 'orig. it',
        'orig. it x T'))
    for r in rows:
        it = r['original_iterations']
        print('{:5d} {:5d} {:7d} {:10.1f}ms {:10.1f}ms {:>10} {:>14}'.format(
            r['gpus'], r['nodes'], r['global_batch'],
            r['step_comm_seconds_with_factors'] * 1e3,
            r['step_comm_seconds_gradients_only'] * 1e3,
            '{:,}'.format(it) if it else '-',
            '{:.0f} s'.format(r['training_comm_seconds_factors_every_step'])
            if it else '-'))


def write_json(path: str, model: str, volume: Sequence[Volume],
               rows: Sequence[dict[str, Any]]) -> None:
    with open(path, 'w') as f:
        json.dump({'model': model, 'parameters': sum(r[1] for r in volume),
                   'factor_floats_packed': sum(r[2] for r in volume),
                   'factor_floats_dense': sum(r[3] for r in volume),
                   'blocks': volume,
                   'constants': {'gpus_per_node': GPUS_PER_NODE,
                                 'B_nvlink': B_NVLINK, 'B_ib': B_IB,
                                 'a_nvlink': A_NVLINK, 'a_ib': A_IB,
                                 'per_gpu_batch': PER_GPU},
                   'projection_model': rows}, f, indent=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments bench project-comm',
        description=__doc__.splitlines()[0])
    parser.add_argument('--model', default='resnet50_d')
    parser.add_argument('--in-size', type=int, default=224)
    parser.add_argument('--classes', type=int, default=1000)
    parser.add_argument('--json')
    args = parser.parse_args(argv)
    volume = block_volumes(args.model, args.in_size, args.classes)
    show_volume(args.model, volume)
    rows = projection(volume, [8 * 2 ** i for i in range(8)])
    show_projection(rows)
    if args.json:
        write_json(args.json, args.model, volume, rows)
    return 0
