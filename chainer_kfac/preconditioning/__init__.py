"""Damping, inversion and preconditioning of the Fisher blocks."""
from chainer_kfac.preconditioning.damping import compute_pi
from chainer_kfac.preconditioning.inverse import inverse_spd
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError
from chainer_kfac.preconditioning.kronecker import damped_kronecker_inverses
from chainer_kfac.preconditioning.kronecker import precondition_kronecker
from chainer_kfac.preconditioning.unit_wise import damped_unit_wise_inverses
from chainer_kfac.preconditioning.unit_wise import precondition_unit_wise

__all__ = ['compute_pi', 'inverse_spd', 'NotPositiveDefiniteError',
           'damped_kronecker_inverses', 'precondition_kronecker',
           'damped_unit_wise_inverses', 'precondition_unit_wise']
