"""DistributedKFAC's deliberate differences from Chainer_K-FAC, pinned.

1. The first ``update`` broadcasts rank 0's parameters *and* updates (the
   original's first call only broadcasts: its batch is lost, ``t`` stays 0).
2. A link without a Fisher block (here ``L.Bias``) is updated with the mean
   gradient over ranks and stays equal on every rank (the original never
   updates it with ``only_pic_update_weight=True`` and updates it with each
   rank's own gradient with ``False``, so the ranks drift apart).
"""
import sys
import warnings

import numpy as np

import chainer_kfac
import chainer
import chainer.links as L

comm = chainer_kfac.create_communicator('mpi')
HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.8, damping=0.03)


def make_model():
    np.random.seed(0)
    net = chainer.Sequential(L.Linear(6, 4), L.Bias(shape=(4,)))
    model = L.Classifier(net)
    if comm.rank:  # different start: rank 0's values must win
        for p in model.params():
            p.array[...] += 1.0
    return model


def data(n_global, seed):
    rng = np.random.RandomState(seed)
    x = rng.randn(n_global, 6).astype(np.float32)
    t = rng.randint(0, 4, n_global).astype(np.int32)
    return x, t


def all_equal_over_ranks(array):
    every = comm.allgather_obj(np.asarray(array))
    return all(np.array_equal(every[0], a) for a in every)


with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    for only_pic in (True, False):
        model = make_model()
        opt = chainer_kfac.DistributedKFAC(
            comm, only_pic_update_weight=only_pic, **HP).setup(model)
        ref = make_model() if comm.rank == 0 else None
        bias = model.predictor[1].b
        bias_init_rank0 = comm.bcast_obj(bias.array.copy())
        x, t = data(4 * comm.size, seed=1)
        mine = np.array_split(np.arange(len(x)), comm.size)[comm.rank]
        opt.update(model, x[mine], t[mine])
        # 1. one call = one update, from rank 0's start
        assert opt.t == 1, opt.t
        for name, p in sorted(model.namedparams()):
            assert all_equal_over_ranks(p.array), name
        if comm.rank == 0:
            ref_model = ref
            ref_opt = chainer_kfac.KFAC(**HP).setup(ref_model)
            ref_opt.update(ref_model, x, t)
            for (name, a), (_, b) in zip(sorted(ref_model.namedparams()),
                                         sorted(model.namedparams()),
                                         strict=True):
                np.testing.assert_allclose(b.array, a.array, rtol=1e-4,
                                           atol=1e-6, err_msg=name)
        # 2. the uncovered bias moved, identically on every rank
        assert not np.allclose(bias.array, bias_init_rank0), 'bias frozen'
        for seed in (2, 3):
            x, t = data(4 * comm.size, seed)
            opt.update(model, x[mine], t[mine])
        assert all_equal_over_ranks(bias.array), 'bias differs over ranks'
if comm.rank == 0:
    print('semantics OK on {} ranks'.format(comm.size))
sys.stdout.flush()
