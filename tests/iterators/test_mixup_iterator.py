import numpy as np
import pytest

import chainer

from chainer_kfac.iterators import MixupIterator


def indexed(n, dim=3):
    """x_i encodes its index i in every coordinate; label i % 7."""
    return [(np.full(dim, float(i), np.float32), np.int32(i % 7))
            for i in range(n)]


@pytest.mark.parametrize('alpha', [0.2, 0.7, 0.9, 2.0])
def test_lambda_follows_beta(alpha):
    it = MixupIterator(indexed(16), 4, alpha, seed=0)
    lams = np.array([next(it)[0][3] for _ in range(4000)], dtype=np.float64)
    mean, var = 0.5, 1.0 / (4 * (2 * alpha + 1))   # Beta(a, a)
    assert lams.mean() == pytest.approx(mean, abs=0.02)
    assert lams.var() == pytest.approx(var, rel=0.1)
    assert ((lams >= 0) & (lams <= 1)).all()


def test_every_example_is_a_convex_combination_with_right_labels():
    data = indexed(20)
    it = MixupIterator(data, 8, 0.9, seed=1)
    for _ in range(10):
        batch = next(it)
        lam = batch[0][3]
        assert all(b[3] == lam for b in batch)        # one lambda per batch
        firsts = []
        for x, t_a, t_b, _lam in batch:
            # x = lam * i + (1 - lam) * j with t_a = i % 7, t_b = j % 7:
            # recover (i, j) among the batch's indices.
            found = [(i, j) for i in range(20) for j in range(20)
                     if np.allclose(x, lam * i + (1 - lam) * j, atol=1e-4)
                     and t_a == i % 7 and t_b == j % 7]
            assert found, (x, t_a, t_b, lam)
            firsts.append(found[0])
        # partners are a permutation of the batch's own examples
        assert sorted(j for _, j in firsts) == sorted(i for i, _ in firsts)


def test_alpha_zero_is_no_mixing():
    it = MixupIterator(indexed(10), 5, 0, seed=0)
    for x, t_a, _t_b, lam in next(it):
        assert lam == 1.0
        assert t_a == int(x[0]) % 7


@pytest.mark.parametrize('n, batch, repeat', [(10, 3, True), (10, 5, True),
                                              (10, 4, False), (7, 7, True)])
def test_epoch_semantics_match_serial_iterator(n, batch, repeat):
    data = indexed(n)
    ours = MixupIterator(data, batch, 0, repeat=repeat, shuffle=False)
    theirs = chainer.iterators.SerialIterator(data, batch, repeat=repeat,
                                              shuffle=False)
    for _ in range(12):
        try:
            b_ref = next(theirs)
        except StopIteration:
            with pytest.raises(StopIteration):
                next(ours)
            break
        b = next(ours)
        assert [int(x[0]) for x, *_ in b] == [int(x[0]) for x, _ in b_ref]
        assert ours.epoch == theirs.epoch
        assert ours.is_new_epoch == theirs.is_new_epoch
        assert ours.epoch_detail == pytest.approx(theirs.epoch_detail)
        assert ours.previous_epoch_detail == pytest.approx(
            theirs.previous_epoch_detail)


def test_serialize_and_resume_continue_the_same_sequence(tmp_path):
    data = indexed(13)
    a = MixupIterator(data, 4, 0.8, seed=3)
    for _ in range(5):
        next(a)
    path = str(tmp_path / 'it.npz')
    chainer.serializers.save_npz(path, a)
    b = MixupIterator(data, 4, 0.8, seed=999)
    chainer.serializers.load_npz(path, b)
    for _ in range(8):
        ba, bb = next(a), next(b)
        for ea, eb in zip(ba, bb, strict=True):
            np.testing.assert_array_equal(ea[0], eb[0])
            assert ea[1:] == eb[1:]
        assert a.epoch_detail == b.epoch_detail
