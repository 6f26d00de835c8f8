"""Who owns which layer (assignment) and how arrays move (communicators).

- :mod:`.interface`: :class:`KFACCommunicator`, the collectives K-FAC and
  the experiments use, with the packed reduce-scatter and all-gather
  implemented once;
- :mod:`.plan` and :mod:`.packing`: where each array sits in a flat buffer;
- :mod:`.exchange`: which arrays of a DistributedKFAC step go to which rank;
- :mod:`.mpi_communicator`, :mod:`.nccl_communicator`: the transports
  (:mod:`.host_staging`, :mod:`.cuda_aware`: GPU arrays over MPI);
- :mod:`.launch`: which ``mpiexec``, and whether this process is a rank.

Importing this package needs no MPI: ``KFACMpiCommunicator`` (ChainerMN,
mpi4py) is imported when first used, and :func:`create_communicator`
imports mpi4py when called.
"""
from typing import Any

from chainer_kfac.distributed.assignment import assign  # NOQA
from chainer_kfac.distributed.assignment import inversion_cost  # NOQA
from chainer_kfac.distributed.communicator import COMMUNICATORS  # NOQA
from chainer_kfac.distributed.communicator import create_communicator  # NOQA
from chainer_kfac.distributed.interface import KFACCommunicator  # NOQA
from chainer_kfac.distributed.plan import BufferPlan  # NOQA


def __getattr__(name: str) -> Any:
    if name == 'KFACMpiCommunicator':
        from chainer_kfac.distributed.mpi_communicator import \
            KFACMpiCommunicator
        return KFACMpiCommunicator
    raise AttributeError('module {!r} has no attribute {!r}'.format(
        __name__, name))
