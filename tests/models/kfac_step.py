"""One K-FAC step of a model in float32 and the same step in float64.

``cast(link, dtype)`` converts every parameter and persistent array (BatchNorm
running statistics) of a copy of the model, so both runs start from the
same weights; :func:`step_deltas` returns each parameter's update.
"""
import copy

import numpy

import chainer
import chainer.functions as F

import chainer_kfac


def cast(link, dtype):
    """A deep copy of ``link`` with all arrays in ``dtype``."""
    link = copy.deepcopy(link)
    for sub in link.links():
        for name in sub._params:
            param = getattr(sub, name)
            if param.array is not None:
                param.array = param.array.astype(dtype)
            param.grad = None
        for name in sub._persistent:
            value = getattr(sub, name)
            if isinstance(value, numpy.ndarray) and value.dtype.kind == 'f':
                setattr(sub, name, value.astype(dtype))
    return link


def step_deltas(model, x, t, **kfac_options):
    """{param name: w_after - w_before} of one K-FAC step on (x, t), and
    the optimizer."""
    before = {n: p.array.copy() for n, p in model.namedparams()}
    optimizer = chainer_kfac.KFAC(**kfac_options)
    optimizer.setup(model)

    def loss(x, t):
        return F.softmax_cross_entropy(model(x), t)

    with chainer.using_config('train', True):
        optimizer.update(loss, x, t)
    return {n: p.array - before[n] for n, p in model.namedparams()}, \
        optimizer


def relative_errors(deltas, reference):
    """{name: ||d - d_ref|| / ||d_ref||} (absolute where d_ref is 0)."""
    out = {}
    for name, ref in reference.items():
        diff = numpy.linalg.norm(deltas[name].astype(numpy.float64) - ref)
        scale = numpy.linalg.norm(ref)
        out[name] = diff / scale if scale > 0 else diff
    return out


def gradients(model, x, t):
    """{param name: gradient} of the mean cross entropy (training mode)."""
    model.cleargrads()
    with chainer.using_config('train', True):
        F.softmax_cross_entropy(model(x), t).backward()
    grads = {n: p.grad.copy() for n, p in model.namedparams()}
    model.cleargrads()
    return grads
