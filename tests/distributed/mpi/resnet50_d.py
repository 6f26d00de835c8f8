"""DistributedKFAC on ResNet-50-D (full depth, channels / 16, 224 x 224,
111 Fisher blocks assigned over the ranks) == single-process KFAC.

BatchNorm normalises each rank's batch, so the reference accumulates the
ranks' batches one by one (acc_iters = ranks), as equivalence.py's
run_bn. Both run in float64, so only the order of the reductions differs.
"""
import sys

import numpy as np

import chainer
import chainer.functions as F

import chainer_kfac
from chainer_kfac.models import ResNet50D
from tests.models.kfac_step import cast

comm = chainer_kfac.create_communicator('mpi')
PER_RANK = 2
HP = dict(lr=0.01, momentum=0.9, cov_ema_decay=0.9, damping=0.03)


def make_model():
    np.random.seed(0)
    return cast(ResNet50D(n_classes=10, width_divisor=16), np.float64)


def run(assignment):
    ref, dist = make_model(), make_model()
    if comm.rank:                      # rank 0's values must be broadcast
        for p in dist.params():
            p.array[...] += 0.5
    opt_ref = chainer_kfac.KFAC(acc_iters=comm.size, **HP).setup(ref)
    opt = chainer_kfac.DistributedKFAC(comm, assignment=assignment,
                                       **HP).setup(dist)
    assert len(opt.blocks) == 111 and opt.uncovered_links == []
    rng = np.random.RandomState(1)
    for _ in range(2):
        x = rng.randn(PER_RANK * comm.size, 3, 224, 224)
        t = rng.randint(0, 10, len(x)).astype(np.int32)
        chunks = np.array_split(np.arange(len(x)), comm.size)
        with chainer.using_config('train', True):
            for c in chunks:
                opt_ref.update(lambda a, b: F.softmax_cross_entropy(
                    ref(a), b), x[c], t[c])
            mine = chunks[comm.rank]
            opt.update(lambda a, b: F.softmax_cross_entropy(dist(a), b),
                       x[mine], t[mine])
    assert opt.t == opt_ref.t == 2
    for (name, a), (_, b) in zip(sorted(ref.namedparams()),
                                 sorted(dist.namedparams()), strict=True):
        if not np.allclose(a.array, b.array, rtol=1e-6, atol=1e-9):
            raise AssertionError('rank {}: {} differs ({}): max |diff| '
                                 '{}'.format(comm.rank, name, assignment,
                                             np.abs(a.array - b.array).max()))


for assignment in ('contiguous', 'balanced'):
    run(assignment)
comm.barrier()
if comm.rank == 0:
    print('resnet50_d OK on {} ranks'.format(comm.size))
    sys.stdout.flush()
