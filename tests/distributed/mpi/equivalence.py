"""DistributedKFAC on N ranks == single-process KFAC on the whole batch.

Every rank also runs the single-process reference on the full batch and
compares; any mismatch raises (and the except hook aborts the job).
"""
import itertools
import sys

import numpy as np

import chainer_kfac
import chainer
import chainer.functions as F
import chainer.links as L

comm = chainer_kfac.create_communicator('mpi')


def make_model(n_layers):
    np.random.seed(0)
    layers = [L.Convolution2D(2, 3, 3, pad=1), F.relu]
    sizes = [48] + [10] * (n_layers - 2) + [4]
    for i in range(n_layers - 1):
        layers.append(L.Linear(sizes[i], sizes[i + 1]))
        if i < n_layers - 2:
            layers.append(F.relu)
    return L.Classifier(chainer.Sequential(*layers))


def batches(n_global, steps, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n_global, 2, 4, 4).astype(np.float32),
             rng.randint(0, 4, n_global).astype(np.int32))
            for _ in range(steps)]


def run(n_layers, assignment, only_pic, acc_iters, uncovered, steps=3,
        **extra):
    hp = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.8, damping=0.03,
              acc_iters=acc_iters, **extra)
    per_rank = 4
    data = batches(per_rank * comm.size * acc_iters, steps)
    ref = make_model(n_layers)
    dist = make_model(n_layers)
    if uncovered:  # a link K-FAC does not cover: plain momentum
        for m in (ref, dist):
            m.predictor.append(L.Bias(shape=(4,)))
    # Different start on other ranks: rank 0's values must be broadcast.
    if comm.rank:
        for p in dist.params():
            p.array[...] += 1.0
    with chainer.using_config('train', True), \
            np.errstate(all='ignore'):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            opt_ref = chainer_kfac.KFAC(**hp).setup(ref)
            opt = chainer_kfac.DistributedKFAC(
                comm, assignment=assignment,
                only_pic_update_weight=only_pic, **hp).setup(dist)
    for x, t in data:
        chunks = np.split(np.arange(len(x)), acc_iters)
        for c in chunks:
            opt_ref.update(ref, x[c], t[c])
            mine = np.array_split(c, comm.size)[comm.rank]
            opt.update(dist, x[mine], t[mine])
    assert opt.t == opt_ref.t == steps
    for (name, a), (_, b) in zip(sorted(ref.namedparams()),
                                 sorted(dist.namedparams()), strict=True):
        if not np.allclose(a.array, b.array, rtol=1e-4, atol=1e-5):
            raise AssertionError(
                'rank {}: {} differs (n_layers={}, {}, only_pic={}, '
                'acc={}, {}): max |diff| {}'.format(
                    comm.rank, name, n_layers, assignment, only_pic,
                    acc_iters, extra, np.abs(a.array - b.array).max()))
    return opt_ref, opt


def make_bn_model(use_gamma=True, use_beta=True):
    np.random.seed(0)
    return L.Classifier(chainer.Sequential(
        L.Convolution2D(2, 3, 3, pad=1),
        L.BatchNormalization(3, use_gamma=use_gamma, use_beta=use_beta),
        F.relu, L.Linear(48, 6), L.BatchNormalization(6), F.relu,
        L.Linear(6, 4)))


def run_bn(assignment, only_pic, **extra):
    """BatchNorm normalises each rank's batch, so the single-process
    reference accumulates the ranks' batches one by one (acc_iters = size:
    mean gradients and mean factors, as the reduce-scatter)."""
    hp = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.8, damping=0.03)
    model_args = extra.pop('model_args', {})
    ref, dist = make_bn_model(**model_args), make_bn_model(**model_args)
    if comm.rank:
        for p in dist.params():
            p.array[...] += 0.5
    opt_ref = chainer_kfac.KFAC(acc_iters=comm.size, **hp, **extra).setup(
        ref)
    opt = chainer_kfac.DistributedKFAC(
        comm, assignment=assignment, only_pic_update_weight=only_pic,
        **hp, **extra).setup(dist)
    for x, t in batches(4 * comm.size, 3):
        chunks = np.array_split(np.arange(len(x)), comm.size)
        for c in chunks:
            opt_ref.update(ref, x[c], t[c])
        mine = chunks[comm.rank]
        opt.update(dist, x[mine], t[mine])
    assert opt.t == opt_ref.t == 3
    for (name, a), (_, b) in zip(sorted(ref.namedparams()),
                                 sorted(dist.namedparams()), strict=True):
        if not np.allclose(a.array, b.array, rtol=1e-4, atol=1e-5):
            raise AssertionError(
                'rank {}: {} differs with BatchNorm ({}, only_pic={}, {}): '
                'max |diff| {}'.format(comm.rank, name, assignment,
                                       only_pic, extra,
                                       np.abs(a.array - b.array).max()))


bn_cases = [('contiguous', True, {}), ('balanced', False, {}),
            ('balanced', True, dict(bn_fisher='unit_wise')),
            ('contiguous', False, dict(diagonalize=True)),
            ('balanced', True, dict(model_args=dict(use_gamma=False))),
            ('contiguous', True, dict(model_args=dict(use_beta=False))),
            ('contiguous', True, dict(damping_in_running_average=True)),
            ('balanced', False, dict(damping_in_running_average=True,
                                     diagonalize=True))]


def main():
    for assignment, only_pic, extra in bn_cases:
        run_bn(assignment, only_pic, **extra)

    cases = list(itertools.product([4, 3], ['contiguous', 'balanced'],
                                   [True, False], [1]))
    cases += [(4, 'balanced', True, 2), (4, 'contiguous', False, 2)]
    for n_layers, assignment, only_pic, acc in cases:
        run(n_layers, assignment, only_pic, acc, uncovered=False)
    run(3, 'contiguous', True, 1, uncovered=True)
    run(3, 'balanced', False, 1, uncovered=True)
    run(4, 'balanced', True, 1, uncovered=False, cov_update_freq=2,
        inv_update_freq=3)
    run(4, 'contiguous', True, 1, uncovered=False,
        damping_in_running_average=True)
    run(3, 'balanced', False, 1, uncovered=False,
        damping_in_running_average=True, inv_update_freq=2)
    if comm.rank == 0:
        print('equivalence OK on {} ranks, {} cases'.format(comm.size,
                                                           len(cases) + 5 +
                                                           len(bn_cases)))
    sys.stdout.flush()


if __name__ == '__main__':
    main()
