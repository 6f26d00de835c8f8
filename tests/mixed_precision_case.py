"""A float16 model under K-FAC with loss scaling, and its float32 twin.

Shared by tests/optimizers/test_mixed_precision.py (one process, and ranks
as threads) and tests/distributed/mpi/mixed_precision.py (mpiexec): a
conv + BatchNorm + strided 1x1 conv + linear classifier (tanh, not ReLU:
where float16 rounding flips the sign of a pre-activation near 0, a ReLU
network's trajectory jumps; with ReLU a 5e-4 perturbation of the float32
inputs alone moved the weights by 5e-2 after 6 steps on 3 ranks), a
float16 copy of the same initial values, the modes ``'float32'`` (the
reference), ``'static'``, ``'dynamic'`` and ``'unscaled'`` (float16 with
``use_fp32_update()``), and an overflow injected into one step's backward
only.
"""
import threading

import numpy as np

import chainer
import chainer.functions as F
import chainer.links as L

import chainer_kfac

HP = dict(lr=0.05, momentum=0.9, cov_ema_decay=0.7, damping=0.03)
STATIC_SCALE = 1024.0
INTERVAL = 4          # dynamic: x 2^(1/4) per update after an overflow
N_GLOBAL = 12         # the global batch (1, 2, 3 or 4 ranks)
#: The loss of an injected step is multiplied by this before the backward:
#: finite forward (|loss| < 10 * this), the scaled backward's first
#: gradient (s * this >= 8e4 for s >= 8) above float16's 65504.
OVERFLOW_FACTOR = 1e4
#: float16 has an 11-bit significand (2^-11 = 4.9e-4 relative rounding);
#: a few steps of a damped second-order update amplify it (measured:
#: at most 8e-4 after 6 steps on 1, 2 and 3 ranks, static and dynamic
#: alike, while the weights move by 0.37).
TOLERANCE = 5e-3
#: Ranks run as threads share NumPy's global generator (the initializers').
_SEEDED = threading.Lock()


def make_model(dtype=np.float32):
    """The classifier in ``dtype``, with the same values in any dtype."""
    with _SEEDED:
        np.random.seed(0)
        model = L.Classifier(chainer.Sequential(
            L.Convolution2D(2, 4, 3, pad=1), L.BatchNormalization(4),
            F.tanh, L.Convolution2D(4, 4, 1, stride=2), F.tanh,
            L.Linear(16, 4)))
    if dtype != np.float32:
        for _, p in model.namedparams():
            p.array = p.array.astype(dtype)
        for link in model.links():
            if isinstance(link, L.BatchNormalization):
                link.avg_mean = link.avg_mean.astype(dtype)
                link.avg_var = link.avg_var.astype(dtype)
    return model


def batches(steps, n=N_GLOBAL, seed=1):
    rng = np.random.RandomState(seed)
    return [(rng.randn(n, 2, 4, 4).astype(np.float32),
             rng.randint(0, 4, n).astype(np.int32)) for _ in range(steps)]


def rank_slice(batch, rank, size):
    per = len(batch[0]) // size
    return tuple(a[rank * per:(rank + 1) * per] for a in batch)


def make_optimizer(mode, comm=None, **options):
    """KFAC, or DistributedKFAC under ``comm`` (``options``: its own)."""
    if comm is None:
        return chainer_kfac.KFAC(**HP)
    return chainer_kfac.DistributedKFAC(comm, **dict(HP, **options))


def setup(opt, model, mode):
    """``opt.setup(model)`` and the mode's precision settings."""
    opt.setup(model)
    if mode != 'float32':
        opt.use_fp32_update()
    if mode == 'static':
        opt.loss_scaling(scale=STATIC_SCALE)
    elif mode == 'dynamic':
        opt.loss_scaling(interval=INTERVAL)
    return opt


def lossfun(model, inject=False):
    """The loss of ``model``; with ``inject``, its backward overflows
    under a loss scale >= 8 while the forward stays finite: ``'loss'``:
    every gradient (the loss is multiplied by OVERFLOW_FACTOR);
    ``'layer'``: only the last layer's W (OVERFLOW_FACTOR * sum(W) is
    added), so under DistributedKFAC only its owner sees it."""
    if not inject:
        return model

    def overflowing(x, t):
        loss = model(x, t)
        if inject == 'layer':
            return loss + OVERFLOW_FACTOR * F.sum(model.predictor[-1].W)
        return loss * OVERFLOW_FACTOR
    return overflowing


def step(opt, model, mode, batch, inject=False):
    """One update on ``batch`` in the mode's dtype (``inject``: see
    :func:`lossfun`)."""
    dtype = np.float32 if mode == 'float32' else np.float16
    x, t = batch
    opt.update(lossfun(model, inject), x.astype(dtype), t)


def train(mode, data, comm=None, inject_at=(), opt=None, model=None,
          inject='loss'):
    """Train on ``data`` (global batches; this rank's slice under
    ``comm``; ``inject`` at the steps ``inject_at``); returns ``(model,
    optimizer, loss scales after each update)``."""
    model = model or make_model(np.float32 if mode == 'float32'
                                else np.float16)
    opt = opt or setup(make_optimizer(mode, comm), model, mode)
    scales = []
    for i, batch in enumerate(data):
        if comm is not None:
            batch = rank_slice(batch, comm.rank, comm.size)
        step(opt, model, mode, batch, inject if i in inject_at else False)
        scales.append(opt._loss_scale)
    return model, opt, scales


def worst_error(model, reference):
    """max |w - w_ref| / max(1, max |w_ref|) over the parameters."""
    ref = dict(reference.namedparams())
    worst = 0.0
    for name, p in model.namedparams():
        want = ref[name].array.astype(np.float64)
        err = np.abs(p.array.astype(np.float64) - want).max()
        worst = max(worst, err / max(1.0, np.abs(want).max()))
    return worst


def state_of(opt):
    """Copies of everything a step may change: parameters, momenta, the
    float32 master copies, running averages and inverses, ``t``."""
    state = {'t': opt.t}
    for name, p in opt.target.namedparams():
        state['param ' + name] = p.array.copy()
        rule = p.update_rule
        if rule.state and 'v' in rule.state:
            state['v ' + name] = rule.state['v'].copy()
        if rule._fp32_param is not None:
            state['fp32 ' + name] = rule._fp32_param.array.copy()
    for block in opt.blocks:
        for fname, f in zip(block.factor_names,
                            block.running_averages() or (), strict=False):
            state['{} {}'.format(fname, block.name)] = np.array(f)
        for fname, inv in zip(block.factor_names, block.inverses or (),
                              strict=False):
            state['{}_inv {}'.format(fname, block.name)] = np.array(inv)
    return state


def assert_same_state(before, after):
    assert before.keys() == after.keys(), (before.keys() ^ after.keys())
    for key in before:
        np.testing.assert_array_equal(before[key], after[key], err_msg=key)


def expected_dynamic_scales(steps, overflow_at):
    """Chainer's dynamic loss scale after each update, written out: x2
    per update until the first overflow, /2 at an overflow, then
    x 2^(1/INTERVAL) per update; within [1, 65504]."""
    scale, overflowed, out = 1.0, False, []
    for i in range(steps):
        if i in overflow_at:
            scale, overflowed = scale / 2, True
        else:
            scale *= 2 ** (1.0 / INTERVAL) if overflowed else 2.0
        scale = max(1.0, min(65504.0, scale))
        out.append(scale)
    return out
