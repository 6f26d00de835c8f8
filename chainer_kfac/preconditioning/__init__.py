"""The linear algebra of K-FAC: damping, inverses and their forms.

- :mod:`.damping`: the damping value d and how it splits (pi, BatchNorm's
  ``stab_coeff``);
- :mod:`.damped_inverse`: F_d^-1 in the form it is applied in (Cholesky
  factor, explicit matrix, diagonal, unit-wise 2 x 2 blocks);
- :mod:`.inverse`: the SPD inverse itself; :mod:`.checked_linalg`: CuPy's
  factorisations made to fail as NumPy's do.
- :mod:`.kfgrad`: the preconditioned gradient they produce, kept on each
  parameter as ``param.kfgrad`` (its one reader, writer and dtype rule).
"""
from chainer_kfac.preconditioning.damped_inverse import CholeskyInverse
from chainer_kfac.preconditioning.damped_inverse import DampedInverse
from chainer_kfac.preconditioning.damped_inverse import DiagonalInverse
from chainer_kfac.preconditioning.damped_inverse import ExplicitInverse
from chainer_kfac.preconditioning.damped_inverse import UnitWiseInverse
from chainer_kfac.preconditioning.damping import Damping
from chainer_kfac.preconditioning.damping import PI_TYPES
from chainer_kfac.preconditioning.inverse import inverse_spd
from chainer_kfac.preconditioning.inverse import NotPositiveDefiniteError

__all__ = ['Damping', 'PI_TYPES', 'DampedInverse', 'CholeskyInverse',
           'ExplicitInverse', 'DiagonalInverse', 'UnitWiseInverse',
           'inverse_spd', 'NotPositiveDefiniteError']
