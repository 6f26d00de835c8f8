"""Who owns which layer (assignment) and how arrays move (communicators)."""
from chainer_kfac.distributed.assignment import assign  # NOQA
from chainer_kfac.distributed.assignment import inversion_cost  # NOQA
from chainer_kfac.distributed.communicator import create_communicator  # NOQA
from chainer_kfac.distributed.mpi_communicator import \
    KFACMpiCommunicator  # NOQA
