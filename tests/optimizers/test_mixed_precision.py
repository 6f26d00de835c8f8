"""Float16 model, float32 update, static and dynamic loss scaling, under
KFAC and DistributedKFAC (ranks as threads here; under mpiexec in
tests/distributed/test_mpi.py). The case: tests/mixed_precision_case.py."""
import warnings

import numpy as np
import pytest

import chainer

from chainer_kfac.optimizers import KFACError
from tests import mixed_precision_case as mp
from tests.distributed.local_world import LocalComm
from tests.distributed.local_world import run_ranks

STEPS = 6
OVERFLOW_AT = 3       # the 4th update, at loss scale 8


@pytest.fixture(scope='module')
def data():
    return mp.batches(STEPS)


@pytest.fixture(scope='module')
def reference(data):
    return mp.train('float32', data)[0]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with np.errstate(all='ignore'):
            return fn(*args, **kwargs)


@pytest.mark.parametrize('mode', ['static', 'dynamic'])
def test_float16_tracks_float32(mode, data, reference):
    model, opt, scales = mp.train(mode, data)
    assert all(p.dtype == np.float16 for p in model.params())
    assert mp.worst_error(model, reference) < mp.TOLERANCE
    for block in opt.blocks:
        assert all(f.dtype == np.float32
                   for f in block.running_averages()), block.name
    want = [mp.STATIC_SCALE] * STEPS if mode == 'static' else \
        mp.expected_dynamic_scales(STEPS, ())
    assert scales == want


def test_statistics_are_those_of_the_unscaled_loss(data):
    """Each G is collected under a different dynamic scale (1, 2, 4):
    the running averages equal float16 ones collected without scaling (up
    to float16's rounding of the backward, which depends on s; without
    the unscaling, G would be 4 to 16 times larger)."""
    scaled = mp.train('dynamic', data[:3])[1]
    plain = mp.train('unscaled', data[:3])[1]
    for a, b in zip(scaled.blocks, plain.blocks, strict=True):
        for f, g in zip(a.running_averages(), b.running_averages(),
                        strict=True):
            np.testing.assert_allclose(f, g, rtol=1e-3,
                                       atol=1e-4 * np.abs(g).max(),
                                       err_msg=a.name)


def test_overflow_skips_the_whole_step_and_halves_the_scale(data):
    model = mp.make_model(np.float16)
    opt = mp.setup(mp.make_optimizer('dynamic'), model, 'dynamic')
    mp.train('dynamic', data[:OVERFLOW_AT], opt=opt, model=model)
    before = mp.state_of(opt)
    with pytest.warns(UserWarning, match='non-finite.*overflow at loss '
                      'scale 8: halving it.*skipping'):
        _quiet_except_kfac(mp.step, opt, model, 'dynamic',
                           data[OVERFLOW_AT], 'loss')
    mp.assert_same_state(before, mp.state_of(opt))
    assert opt._loss_scale == 4.0 and opt.skipped_steps == 1


def _quiet_except_kfac(fn, *args):
    with np.errstate(all='ignore'):
        return fn(*args)


def test_dynamic_scale_follows_chainers_own_and_training_goes_on(data):
    injected = (OVERFLOW_AT,)
    model, opt, scales = _quiet(mp.train, 'dynamic', data,
                                inject_at=injected)
    assert scales == mp.expected_dynamic_scales(STEPS, injected)
    # Chainer's own dynamic scaling (MomentumSGD), same losses
    sgd_model = mp.make_model(np.float16)
    sgd = chainer.optimizers.MomentumSGD(lr=0.01).setup(sgd_model)
    sgd.use_fp32_update()
    sgd.loss_scaling(interval=mp.INTERVAL)
    chainer_scales = []
    for i, (x, t) in enumerate(data):
        _quiet(sgd.update, mp.lossfun(sgd_model, 'loss' if i in injected
                                      else False),
               x.astype(np.float16), t)
        chainer_scales.append(sgd._loss_scale)
    assert scales == chainer_scales
    # the skipped step left no trace: float32 without that batch
    ref = mp.train('float32', [b for i, b in enumerate(data)
                               if i not in injected])[0]
    assert mp.worst_error(model, ref) < mp.TOLERANCE
    assert opt.t == STEPS - 1


def test_nonfinite_at_scale_one_is_no_overflow_and_raises(data):
    model = mp.make_model(np.float16)
    opt = mp.setup(mp.make_optimizer('dynamic'), model, 'dynamic')
    x, t = data[0]
    x = x.copy()
    x[0, 0, 0, 0] = np.nan
    with pytest.raises(KFACError, match='non-finite.*step 0'):
        _quiet_except_kfac(mp.step, opt, model, 'dynamic', (x, t))


def test_dynamic_loss_scale_is_in_the_snapshot(data, tmp_path):
    _, opt, _ = _quiet(mp.train, 'dynamic', data[:5],
                       inject_at=(OVERFLOW_AT,))
    path = str(tmp_path / 'opt.npz')
    chainer.serializers.save_npz(path, opt)
    model = mp.make_model(np.float16)
    loaded = mp.setup(mp.make_optimizer('dynamic'), model, 'dynamic')
    chainer.serializers.load_npz(path, loaded)
    assert loaded._loss_scale == opt._loss_scale != 1.0
    assert loaded._loss_scaling_isnan_ever


def _distributed(size, mode, data):
    """Each of ``size`` thread ranks' (model, opt, scales)."""
    def rank_main(rank, world):
        return _quiet(mp.train, mode, data, LocalComm(world, rank))
    return run_ranks(size, rank_main)


@pytest.mark.parametrize('mode', ['static', 'dynamic'])
def test_distributed_float16_tracks_float32(mode, data):
    # BatchNorm normalizes each rank's share: the float32 reference runs
    # on the same ranks (DistributedKFAC == KFAC: tests/distributed).
    reference = _distributed(2, 'float32', data)
    for (model, _opt, scales), (ref, _, _) in zip(
            _distributed(2, mode, data), reference, strict=True):
        assert mp.worst_error(model, ref) < mp.TOLERANCE
        assert scales == ([mp.STATIC_SCALE] * STEPS if mode == 'static'
                          else mp.expected_dynamic_scales(STEPS, ()))


def test_distributed_overflow_on_one_rank_is_skipped_on_every_rank(data):
    """Rank 1's backward overflows in one layer's W only: the rank that
    owns that layer finds it, and all skip and halve the scale."""
    def rank_main(rank, world):
        comm = LocalComm(world, rank)
        model = mp.make_model(np.float16)
        opt = mp.setup(mp.make_optimizer('dynamic', comm), model, 'dynamic')
        _quiet(mp.train, 'dynamic', data[:OVERFLOW_AT], comm, opt=opt,
               model=model)
        before = mp.state_of(opt)
        batch = mp.rank_slice(data[OVERFLOW_AT], rank, comm.size)
        _quiet(mp.step, opt, model, 'dynamic', batch,
               'layer' if rank == 1 else False)
        mp.assert_same_state(before, mp.state_of(opt))
        scales = _quiet(mp.train, 'dynamic', data[OVERFLOW_AT + 1:], comm,
                        opt=opt, model=model)[2]
        return model, opt, scales

    results = run_ranks(3, rank_main)
    want = mp.expected_dynamic_scales(STEPS, (OVERFLOW_AT,))
    first = dict(results[0][0].namedparams())
    for model, opt, scales in results:
        assert [opt._loss_scale] == want[OVERFLOW_AT + 1:][-1:]
        assert scales == want[OVERFLOW_AT + 1:] and opt.t == STEPS - 1
        assert opt.skipped_steps == 1
        for name, p in model.namedparams():
            np.testing.assert_array_equal(p.array, first[name].array)
