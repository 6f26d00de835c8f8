"""Write the old-layout snapshots of ``test_old_snapshots.py``.

Run ONCE, with the package as it was at commit ac90948 (before factors
owned their damped inverses; snapshot keys ``<F>``, ``<F>_inv``,
``<F>_inv_cholesky``, ``<F>_acc``, ``acc_count``, ``pi``)::

    git archive ac90948 | tar -x -C /tmp/old
    cd /tmp/old && PYTHONPATH=$PWD python \
        PATH/TO/tests/optimizers/data/make_old_snapshots.py OUTDIR

For each case it trains a Conv2D-BN-relu-Linear net two steps, saves
``<case>.model.npz`` and ``<case>.opt.npz``, takes a third step (which
reuses the held inverses: ``inv_update_freq=3``) and saves the parameters
after it in ``<case>.after.npz``, with the three batches. Kept
self-contained (no import from tests/) so it runs against any checkout.
"""
import os
import sys

import numpy as np

import chainer_kfac  # noqa: F401  (compatibility layer first)
import chainer
import chainer.functions as F
import chainer.links as L

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03,
          inv_update_freq=3)
CASES = {
    'cholesky': dict(HP),
    'lu_unit_wise': dict(HP, use_cholesky=False, bn_fisher='unit_wise'),
    'diagonal': dict(HP, diagonalize=True),
}


def make_net(seed=0):
    np.random.seed(seed)
    return chainer.Sequential(
        L.Convolution2D(2, 3, ksize=3, pad=1), L.BatchNormalization(3),
        F.relu, L.Linear(3 * 4 * 4, 4))


def batches(steps=3, n=8, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, 2, 4, 4).astype(np.float32),
             rng.randint(0, 4, n).astype(np.int32)) for _ in range(steps)]


def main(out):
    os.makedirs(out, exist_ok=True)
    data = batches()
    for case, kwargs in CASES.items():
        model = L.Classifier(make_net())
        opt = chainer_kfac.KFAC(**kwargs).setup(model)
        for x, t in data[:2]:
            opt.update(model, x, t)
        prefix = os.path.join(out, case)
        chainer.serializers.save_npz(prefix + '.model.npz', model)
        chainer.serializers.save_npz(prefix + '.opt.npz', opt)
        opt.update(model, *data[2])
        arrays = {'param' + n: p.array for n, p in model.namedparams()}
        for i, (x, t) in enumerate(data):
            arrays['x{}'.format(i)], arrays['t{}'.format(i)] = x, t
        np.savez(prefix + '.after.npz', **arrays)


if __name__ == '__main__':
    main(sys.argv[1])
