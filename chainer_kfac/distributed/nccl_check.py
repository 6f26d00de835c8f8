"""Can the ``pure_nccl`` communicator run here? A clear answer up front.

ChainerMN's ``PureNcclCommunicator`` needs CuPy, NCCL >= 2 as CuPy loads it
(``cupy.cuda.nccl.available``; CuPy 13 and 14 find the ``nvidia-nccl-cu12``
wheel by themselves) and, because an NCCL communicator cannot hold two
ranks on one GPU, at least as many visible GPUs on a node as ranks on it.
"""


class NcclUnavailableError(RuntimeError):
    """pure_nccl was asked for where it cannot run; the message says why
    and what to do."""


def require_nccl() -> None:
    """Raise :class:`NcclUnavailableError` unless CuPy and NCCL load."""
    try:
        import cupy  # NOQA: F401
    except ImportError as e:
        raise NcclUnavailableError(
            "communicator 'pure_nccl' needs CuPy with NCCL (pip install "
            "cupy-cuda12x nvidia-nccl-cu12), but CuPy does not import ({}); "
            "on CPUs use communicator 'mpi'".format(e)) from e
    from cupy.cuda import nccl
    if not getattr(nccl, 'available', False):
        raise NcclUnavailableError(
            "communicator 'pure_nccl': CuPy {} cannot load NCCL (pip install "
            "nvidia-nccl-cu12, or put libnccl.so.2 on LD_LIBRARY_PATH; "
            "CUPY_DEBUG_LIBRARY_LOAD=1 shows where CuPy looked); or use "
            "communicator 'mpi'".format(cupy.__version__))


def check_one_rank_per_gpu(intra_size: int, device_count: int) -> None:
    """NCCL cannot put two ranks of one communicator on the same GPU."""
    if intra_size > device_count:
        raise NcclUnavailableError(
            "communicator 'pure_nccl': {} ranks on this node but {} visible "
            "GPU(s); NCCL cannot put two ranks on one GPU. Start at most {} "
            "rank(s) per node, or use communicator 'mpi' (GPUs shared "
            "through host-staged MPI)".format(
                intra_size, device_count, device_count))
