"""DistributedKFAC on 2 ranks sharing one GPU == single-process GPU KFAC
(host-staged MPI). Run by tests/gpu/test_gpu_parity.py on a GPU machine."""
import numpy as np

import chainer_kfac
import chainer
import chainer.links as L

from chainer_kfac.models import LeNet5

comm = chainer_kfac.create_communicator('mpi')
device = chainer.get_device('@cupy:0')
device.use()


def model():
    np.random.seed(0)
    m = L.Classifier(LeNet5())
    m.to_device(device)
    return m


ref, dist = model(), model()
hp = dict(lr=0.01, cov_ema_decay=0.8)
opt_ref = chainer_kfac.KFAC(**hp).setup(ref)
opt = chainer_kfac.DistributedKFAC(comm, **hp).setup(dist)
rng = np.random.RandomState(0)
for _ in range(3):
    x = rng.rand(8 * comm.size, 3, 32, 32).astype(np.float32)
    t = rng.randint(0, 10, 8 * comm.size).astype(np.int32)
    opt_ref.update(ref, device.send(x), device.send(t))
    mine = np.array_split(np.arange(len(x)), comm.size)[comm.rank]
    opt.update(dist, device.send(x[mine]), device.send(t[mine]))
for (n, a), (_, b) in zip(sorted(ref.namedparams()),
                          sorted(dist.namedparams()), strict=True):
    np.testing.assert_allclose(chainer.backend.CpuDevice().send(a.array),
                               chainer.backend.CpuDevice().send(b.array),
                               rtol=1e-3, atol=1e-5, err_msg=n)
if comm.rank == 0:
    print('gpu equivalence OK')
