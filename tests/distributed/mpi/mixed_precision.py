"""Float16 with float32 update under DistributedKFAC on N ranks.

For both ``only_pic_update_weight`` settings: static and dynamic loss
scaling track the float32 run on the same ranks (BatchNorm normalizes each
rank's share) within float16's tolerance; an overflow in one layer's
gradient on the last rank only is skipped on every rank, leaving all state
untouched, the scale halved, the ranks' parameters equal. The case:
tests/mixed_precision_case.py. Any mismatch raises (the job aborts).
"""
import sys
import warnings

import numpy as np

import chainer_kfac
from tests import mixed_precision_case as mp

comm = chainer_kfac.create_communicator('mpi')
STEPS, OVERFLOW_AT = 6, 3


def train(mode, data, only_pic, inject_rank=None):
    model = mp.make_model(np.float32 if mode == 'float32' else np.float16)
    opt = mp.setup(mp.make_optimizer(
        mode, comm, only_pic_update_weight=only_pic), model, mode)
    scales = []
    for i, batch in enumerate(data):
        batch = mp.rank_slice(batch, comm.rank, comm.size)
        inject = 'layer' if (i == OVERFLOW_AT and
                             comm.rank == inject_rank) else False
        before = mp.state_of(opt)
        mp.step(opt, model, mode, batch, inject)
        if i == OVERFLOW_AT and inject_rank is not None:
            mp.assert_same_state(before, mp.state_of(opt))
        scales.append(opt._loss_scale)
    return model, opt, scales


def check(only_pic):
    data = mp.batches(STEPS)
    ref = train('float32', data, only_pic)[0]
    for mode in ('static', 'dynamic'):
        model, _, scales = train(mode, data, only_pic)
        err = mp.worst_error(model, ref)
        assert err < mp.TOLERANCE, (mode, only_pic, err)
        want = [mp.STATIC_SCALE] * STEPS if mode == 'static' else \
            mp.expected_dynamic_scales(STEPS, ())
        assert scales == want, (mode, scales)
    model, opt, scales = train('dynamic', data, only_pic,
                               inject_rank=comm.size - 1)
    assert scales == mp.expected_dynamic_scales(STEPS, (OVERFLOW_AT,))
    assert (opt.t, opt.skipped_steps) == (STEPS - 1, 1)
    mine = [p.array for _, p in sorted(model.namedparams())]
    for theirs in comm.allgather_obj(mine):
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b)


with warnings.catch_warnings(), np.errstate(all='ignore'):
    warnings.simplefilter('ignore')
    for only_pic in (True, False):
        check(only_pic)
if comm.rank == 0:
    print('mixed precision OK on {} ranks'.format(comm.size))
sys.stdout.flush()
