"""Block order and ownership as the original's: blocks sorted by link name
(``sorted(link.namedlinks())``, so '/10' comes before '/2'), split over
ranks in contiguous chunks (``numpy.array_split``); the values still equal
single-process KFAC's."""
import sys
import warnings

import numpy as np

import chainer_kfac
import chainer
import chainer.functions as F
import chainer.links as L

comm = chainer_kfac.create_communicator('mpi')


def make_model():
    np.random.seed(0)
    layers = []
    for _ in range(11):          # 11 linear layers: names /0 ... /10
        layers += [L.Linear(5, 5), F.tanh]
    return L.Classifier(chainer.Sequential(*layers[:-1]))


def batches(n, steps=2):
    rng = np.random.RandomState(3)
    return [(rng.randn(n, 5).astype(np.float32),
             rng.randint(0, 5, n).astype(np.int32)) for _ in range(steps)]


ref, dist = make_model(), make_model()
hp = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.8, damping=0.03)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    opt_ref = chainer_kfac.KFAC(**hp).setup(ref)
    opt = chainer_kfac.DistributedKFAC(comm, assignment='contiguous',
                                       **hp).setup(dist)
model_order = ['/predictor/{}'.format(i) for i in range(11)]
original_order = sorted(model_order)
assert original_order != model_order        # '/predictor/10' < '/predictor/2'
names = [b.name for b in opt.blocks]
assert names == original_order == [b.name for b in opt_ref.blocks], names
chunks = np.array_split(np.array(original_order), comm.size)
mine = [g.name for g in opt.owned()]
assert mine == list(chunks[comm.rank]), (comm.rank, mine)
for x, t in batches(4 * comm.size):
    opt_ref.update(ref, x, t)
    part = np.array_split(np.arange(len(x)), comm.size)[comm.rank]
    opt.update(dist, x[part], t[part])
for (name, a), (_, b) in zip(sorted(ref.namedparams()),
                             sorted(dist.namedparams()), strict=True):
    if not np.allclose(a.array, b.array, rtol=1e-4, atol=1e-5):
        raise AssertionError('rank {}: {} differs by {}'.format(
            comm.rank, name, np.abs(a.array - b.array).max()))
if comm.rank == 0:
    print('block order OK on {} ranks'.format(comm.size))
sys.stdout.flush()
