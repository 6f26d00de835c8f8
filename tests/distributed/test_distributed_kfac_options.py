"""DistributedKFAC's constructor options (no MPI needed)."""
import dataclasses
import inspect

import pytest

from chainer_kfac import DistributedKFAC
from chainer_kfac.optimizers.distributed_kfac import DistributedKFACOptions
from tests.distributed.local_world import LocalComm


def test_communicate_after_forward_true_is_refused_with_the_reason():
    with pytest.raises(ValueError, match='communicate_after_forward.*same'):
        DistributedKFAC(LocalComm(), communicate_after_forward=True)


def test_communicate_after_forward_false_and_kfac_options_are_accepted():
    opt = DistributedKFAC(LocalComm(), communicate_after_forward=False,
                          lr=0.2, adjust_momentum=True, loss_scale=4.0)
    assert (opt.lr, opt.lr_pre, opt.adjust_momentum) == (0.2, 0.2, True)
    assert opt._loss_scale == 4.0


def test_options_are_declared_once_with_their_defaults():
    opt = DistributedKFAC(LocalComm())
    defaults = DistributedKFACOptions()
    assert (opt.assignment, opt.only_pic_update_weight) == (
        defaults.assignment, defaults.only_pic_update_weight) == (
        'contiguous', True)
    signature = inspect.signature(DistributedKFAC.__init__).parameters
    for field in dataclasses.fields(DistributedKFACOptions):
        assert signature[field.name].default == field.default
    assert signature['damping'].default == 0.03   # KFAC's, listed too


def test_bad_assignment_and_a_communicator_without_the_interface():
    with pytest.raises(ValueError, match="assignment must be one of.*"
                                         "'greedy'"):
        DistributedKFAC(LocalComm(), assignment='greedy')
    with pytest.raises(TypeError, match='KFACCommunicator.*'
                                        'create_communicator'):
        DistributedKFAC(object())
    with pytest.raises(TypeError, match='KFAC: .*unexpected'):
        DistributedKFAC(LocalComm(), no_such_option=1)
