"""Rank 1 raises while rank 0 waits in a collective: mpiexec must end."""
import time

import numpy as np

import chainer_kfac

comm = chainer_kfac.create_communicator('mpi')
if comm.rank == 1:
    time.sleep(0.5)
    raise RuntimeError('deliberate failure on rank 1')
# Everybody else blocks in a collective that rank 1 never joins.
comm.reduce_scatter_v_arrays([[np.ones(4, np.float32)]
                              for _ in range(comm.size)])
time.sleep(120)
