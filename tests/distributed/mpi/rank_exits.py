"""Rank 1 ends with sys.exit(message) while rank 0 waits in a collective;
under experiments.train.failure the whole job must end, non-zero."""
import sys
import time

import chainer_kfac
from experiments.train import failure

comm = chainer_kfac.create_communicator('mpi')
with failure.end_all_ranks_on_failure(comm):
    if comm.rank == 1:
        time.sleep(0.5)
        print('EXIT_AT {:.3f}'.format(time.time()), flush=True)
        sys.exit('deliberate clean error on rank 1')
    comm.barrier()
    time.sleep(120)
