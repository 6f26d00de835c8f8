"""RunningMixup's pairing against the original's _mixup, worked out from the
same lambda draws (numpy RandomState(seed).beta, then max(lam, 1 - lam))."""
import numpy
import pytest

import chainer

from chainer_kfac.links import RunningMixup


def _lambdas(seed, n, count, alpha):
    rng = numpy.random.RandomState(seed)
    out = []
    for _ in range(count):
        lam = rng.beta(alpha, alpha, n).astype(numpy.float32)
        out.append(numpy.maximum(lam, 1 - lam))
    return out


def _batches(count, n=3):
    rng = numpy.random.RandomState(7)
    return [(rng.rand(n, 2, 4, 4).astype('f'),
             rng.randint(0, 5, n).astype('i')) for _ in range(count)]


def _onehot(t, k=5):
    out = numpy.zeros((len(t), k), 'f')
    out[numpy.arange(len(t)), t] = 1
    return out


@pytest.mark.parametrize('running', [True, False])
def test_pairs_example_i_with_example_i_of_the_kept_batch(running):
    batches = _batches(3)
    lams = _lambdas(11, 3, 3, 0.4)
    mix = RunningMixup(0.4, 5, running=running, seed=11)
    with chainer.using_config('train', True):
        outs = [mix(x.copy(), t) for x, t in batches]
    (x1, t1), (x2, t2), (x3, t3) = batches
    # batch 1: unmixed, hard labels
    numpy.testing.assert_array_equal(outs[0][0], x1)
    assert outs[0][1] is None
    # batch 2: partner is batch 1 (mixed or not, batch 1 is unmixed)
    lam = lams[1]
    lam4 = lam[:, None, None, None]
    want_x2 = lam4 * x2 + (1 - lam4) * x1
    want_t2 = lam[:, None] * _onehot(t2) + (1 - lam[:, None]) * _onehot(t1)
    numpy.testing.assert_allclose(outs[1][0], want_x2, rtol=1e-6)
    numpy.testing.assert_allclose(outs[1][1], want_t2, rtol=1e-6)
    numpy.testing.assert_allclose(outs[1][1].sum(axis=1), 1, rtol=1e-6)
    assert numpy.all(lam >= 0.5)
    # batch 3: partner is the mixed batch 2 (running) or batch 2 itself
    lam = lams[2][:, None, None, None]
    prev_x = want_x2 if running else x2
    prev_t = want_t2 if running else _onehot(t2)
    numpy.testing.assert_allclose(outs[2][0], lam * x3 + (1 - lam) * prev_x,
                                  rtol=1e-5)
    numpy.testing.assert_allclose(
        outs[2][1], lam[:, :, 0, 0] * _onehot(t3) +
        (1 - lam[:, :, 0, 0]) * prev_t, rtol=1e-5)


def test_in_place_changes_reach_the_next_partner_when_running():
    # The recipe erases in place after the mixup; the original keeps the
    # same array, so the erased pixels are in the next step's partner.
    (x1, t1), (x2, t2) = _batches(2)
    mix = RunningMixup(1.0, 5, running=True, seed=0)
    with chainer.using_config('train', True):
        out, _ = mix(x1, t1)
        out[...] = 0           # "erase" everything
        out2, _ = mix(x2, t2)
    lam = _lambdas(0, 3, 2, 1.0)[1][:, None, None, None]
    numpy.testing.assert_allclose(out2, lam * x2, rtol=1e-6)


def test_not_applied_in_evaluation_and_batch_size_checked():
    mix = RunningMixup(0.4, 5, seed=0)
    (x1, t1), (x2, t2) = _batches(2)
    with chainer.using_config('train', False):
        x, tt = mix(x1, t1)
    assert x is x1 and tt is None and mix.prior_x is None
    with chainer.using_config('train', True):
        mix(x1, t1)
        with pytest.raises(ValueError, match='same size'):
            mix(x2[:2], t2[:2])
