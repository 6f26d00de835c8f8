"""chainer_kfac: K-FAC for Chainer, a modernized port of Chainer_K-FAC.

Layout (one idea per place):

- ``chainer_kfac.fisher``: what each layer type contributes to the Fisher
  (the Kronecker factors A and G, or BatchNorm's matrix), collected by a
  :class:`chainer.FunctionHook`; the factors (running averages) own their
  damped inverses, and each layer's block splits the damping among them
  and preconditions its gradient.
- ``chainer_kfac.preconditioning``: the damping value (pi, ``stab_coeff``)
  and the damped inverses' forms (Cholesky, explicit, diagonal, unit-wise).
- ``chainer_kfac.distributed``: who owns which layer (assignment) and how
  arrays move between ranks (the MPI communicator).
- ``chainer_kfac.optimizers``: the KFAC and DistributedKFAC optimizers that
  tie the three together.
"""
from chainer_kfac import _compat

_compat.install()

from chainer_kfac import optimizers  # NOQA: E402,F401
from chainer_kfac.distributed import create_communicator  # NOQA: E402,F401
from chainer_kfac.optimizers import DistributedKFAC  # NOQA: E402,F401
from chainer_kfac.optimizers import KFAC  # NOQA: E402,F401

__version__ = '0.1.0'
