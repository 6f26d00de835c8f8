"""create_multi_node_optimizer(MomentumSGD) with our communicator equals
single-process momentum SGD on the whole batch."""
import numpy as np

import chainer_kfac
import chainer
import chainer.links as L
import chainermn

comm = chainer_kfac.create_communicator('mpi')


def model():
    np.random.seed(0)
    return L.Classifier(chainer.Sequential(L.Linear(5, 7), L.Linear(7, 3)))


ref, dist = model(), model()
opt_ref = chainer.optimizers.MomentumSGD(lr=0.1).setup(ref)
opt = chainermn.create_multi_node_optimizer(
    chainer.optimizers.MomentumSGD(lr=0.1), comm).setup(dist)
rng = np.random.RandomState(0)
# ChainerMN's first update only broadcasts rank 0's parameters.
opt.update(dist, np.zeros((2, 5), np.float32), np.zeros(2, np.int32))
assert opt.t == 0
for _ in range(3):
    x = rng.randn(4 * comm.size, 5).astype(np.float32)
    t = rng.randint(0, 3, 4 * comm.size).astype(np.int32)
    opt_ref.update(ref, x, t)
    mine = np.array_split(np.arange(len(x)), comm.size)[comm.rank]
    opt.update(dist, x[mine], t[mine])
for (n, a), (_, b) in zip(sorted(ref.namedparams()),
                          sorted(dist.namedparams()), strict=True):
    np.testing.assert_allclose(a.array, b.array, rtol=1e-5, atol=1e-6,
                               err_msg=n)
assert comm.stats['mean_grad']['calls'] == 3
if comm.rank == 0:
    print('multi-node SGD OK on {} ranks'.format(comm.size))
