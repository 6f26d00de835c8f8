"""Who owns which layer (assignment) and how arrays move (communicators).

Importing this package needs no MPI: ``KFACMpiCommunicator`` (ChainerMN,
mpi4py) is imported when first used, and :func:`create_communicator`
imports mpi4py when called.
"""
from chainer_kfac.distributed.assignment import assign  # NOQA
from chainer_kfac.distributed.assignment import inversion_cost  # NOQA
from chainer_kfac.distributed.communicator import create_communicator  # NOQA


def __getattr__(name):
    if name == 'KFACMpiCommunicator':
        from chainer_kfac.distributed.mpi_communicator import \
            KFACMpiCommunicator
        return KFACMpiCommunicator
    raise AttributeError('module {!r} has no attribute {!r}'.format(
        __name__, name))
