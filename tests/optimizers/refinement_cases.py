"""Small models and batches shared by the refinements' tests."""
import numpy as np

import chainer
import chainer.functions as F
import chainer.links as L

from chainer_kfac import KFAC

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03)


def mlp_classifier(seed=0, sizes=(6, 5, 4), activation=F.tanh):
    np.random.seed(seed)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(L.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activation)
    return L.Classifier(chainer.Sequential(*layers))


def conv_classifier(seed=0, batch_norm=False):
    np.random.seed(seed)
    layers = [L.Convolution2D(2, 3, ksize=3, pad=1)]
    if batch_norm:
        layers.append(L.BatchNormalization(3))
    layers += [F.relu, L.Linear(3 * 4 * 4, 4)]
    return L.Classifier(chainer.Sequential(*layers))


def batches(shape, steps, n=8, classes=4, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, *shape).astype(np.float32),
             rng.randint(0, classes, n).astype(np.int32))
            for _ in range(steps)]


def train(model, data, **options):
    """A KFAC over ``model`` after one update per batch of ``data``."""
    opt = KFAC(**dict(HP, **options)).setup(model)
    for x, t in data:
        opt.update(model, x, t)
    return opt


def params(model):
    return {name: p.array.copy() for name, p in model.namedparams()}
