"""DistributedKFAC's constructor options (no MPI needed)."""
import pytest

from chainer_kfac import DistributedKFAC


class FakeComm(object):
    rank, size = 0, 1

    def reduce_scatter_v_arrays(self, arrays, symmetric):
        raise AssertionError('not called')

    def all_gather_v_arrays(self, arrays):
        raise AssertionError('not called')


def test_communicate_after_forward_true_is_refused_with_the_reason():
    with pytest.raises(ValueError, match='communicate_after_forward.*same'):
        DistributedKFAC(FakeComm(), communicate_after_forward=True)


def test_communicate_after_forward_false_and_kfac_options_are_accepted():
    opt = DistributedKFAC(FakeComm(), communicate_after_forward=False,
                          lr=0.2, adjust_momentum=True, loss_scale=4.0)
    assert (opt.lr, opt.lr_pre, opt.adjust_momentum) == (0.2, 0.2, True)
    assert opt._loss_scale == 4.0
