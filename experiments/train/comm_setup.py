"""The communicator of a run, from the config's ``communicator`` key.

``mpi``: chainer_kfac's MPI communicator (NumPy or CuPy arrays; CuPy staged
through host memory unless the MPI is CUDA-aware). ``pure_nccl``: the NCCL
communicator with the K-FAC collectives; GPUs only, and one rank per GPU
(NCCL cannot put two ranks of a communicator on one GPU). Both are
:class:`chainer_kfac.distributed.KFACCommunicator`s;
:func:`chainer_kfac.create_communicator` checks once that NCCL loads.
"""
from typing import Any, Mapping, Optional

import chainer_kfac
from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.distributed import nccl_check
from experiments.train import devices


def make_communicator(config: Mapping[str, Any], in_mpi_launch: bool
                      ) -> Optional[KFACCommunicator]:
    """The run's communicator, or None for a single process. Raises
    NcclUnavailableError / DeviceError with the fix in the message."""
    if not in_mpi_launch:
        return None
    name = config['communicator']
    if name == 'pure_nccl' and \
            devices.parse(config['device']).kind == 'cpu':
        raise nccl_check.NcclUnavailableError(
            "communicator 'pure_nccl' needs a GPU device (device: cuda), "
            'not {!r}'.format(config['device']))
    comm = chainer_kfac.create_communicator(name)
    if comm.size == 1:
        return None
    if name == 'pure_nccl':
        nccl_check.check_one_rank_per_gpu(comm.intra_size,
                                          devices.visible_gpu_count())
    return comm
