"""chainer_kfac.distributed.multi_node_optimizer: the first update of the
wrapped momentum SGD is a real one (ChainerMN's only broadcasts), and R
ranks on their shares of each global batch equal one process on the whole
batch from the first step on, with rank 0's parameters broadcast first."""
import numpy as np

import chainer_kfac
import chainer
import chainer.links as L
from chainer_kfac.distributed.multi_node_optimizer import \
    create_multi_node_optimizer

comm = chainer_kfac.create_communicator('mpi')


def model(seed=0):
    np.random.seed(seed)
    return L.Classifier(chainer.Sequential(L.Linear(5, 7), L.Linear(7, 3)))


ref = model()
dist = model(seed=comm.rank)      # other ranks start elsewhere: broadcast
opt_ref = chainer.optimizers.MomentumSGD(lr=0.1).setup(ref)
opt = create_multi_node_optimizer(chainer.optimizers.MomentumSGD(lr=0.1),
                                  comm).setup(dist)
rng = np.random.RandomState(0)
for step in range(3):
    x = rng.randn(4 * comm.size, 5).astype(np.float32)
    t = rng.randint(0, 3, 4 * comm.size).astype(np.int32)
    opt_ref.update(ref, x, t)
    mine = np.array_split(np.arange(len(x)), comm.size)[comm.rank]
    opt.update(dist, x[mine], t[mine])
    assert opt.t == step + 1, (step, opt.t)
for (n, a), (_, b) in zip(sorted(ref.namedparams()),
                          sorted(dist.namedparams()), strict=True):
    np.testing.assert_allclose(a.array, b.array, rtol=1e-5, atol=1e-6,
                               err_msg=n)
if comm.rank == 0:
    print('first step OK')
