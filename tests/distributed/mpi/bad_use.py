"""Clear errors for bad use of DistributedKFAC (caught on every rank)."""
import numpy as np

import chainer_kfac
import chainer.links as L
import chainermn

comm = chainer_kfac.create_communicator('mpi', abort_on_exception=False)


def expect(exc, match, fn):
    try:
        fn()
    except exc as e:
        assert match in str(e), (match, str(e))
        return
    raise AssertionError('no {} raised ({})'.format(exc.__name__, match))


# 1. A communicator without the K-FAC collectives.
naive = chainermn.create_communicator('naive')
expect(TypeError, 'create_communicator',
       lambda: chainer_kfac.DistributedKFAC(naive))

# 2. Models whose parameter shapes differ across ranks.
model = L.Classifier(L.Linear(4, 3 + comm.rank))
opt = chainer_kfac.DistributedKFAC(comm).setup(model)
x = np.zeros((2, 4), np.float32)
t = np.zeros(2, np.int32)
expect(ValueError, 'model differs', lambda: opt.update(model, x, t))

# 3. Uninitialized parameters cannot be broadcast.
model = L.Classifier(L.Linear(None, 3))
expect(ValueError, 'uninitialized',
       lambda: chainer_kfac.DistributedKFAC(comm).setup(model))

# 4. An empty per-rank batch (checked before any collective).
model = L.Classifier(L.Linear(4, 3))
opt = chainer_kfac.DistributedKFAC(comm).setup(model)
opt._synchronized = True
expect(ValueError, 'empty batch',
       lambda: opt.update(model, x[:0], t[:0]))
comm.barrier()
if comm.rank == 0:
    print('bad use OK')
