"""Run a script under a real ``mpiexec`` (launch.py's choice: the venv's
Open MPI wheel from ``.[local-mpi]`` on a machine without an MPI)."""
import os
import subprocess
import sys

import pytest

from chainer_kfac.distributed import launch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def mpiexec_argv(n):
    if launch.mpiexec_path() is None:
        pytest.skip("no mpiexec beside {} or on PATH (pip install -e "
                    "'.[local-mpi]')".format(sys.executable))
    return launch.mpiexec_argv(n)


def run_mpi(n, script, *args, timeout=240, check=True):
    """Run tests/distributed/mpi/SCRIPT on n ranks."""
    return run_mpi_argv(n, [os.path.join(HERE, 'mpi', script)] + list(args),
                        timeout=timeout, check=check)


def run_mpi_argv(n, argv, timeout=240, check=True):
    """Run ``python ARGV...`` on n ranks from the repository root."""
    cmd = mpiexec_argv(n) + [sys.executable] + [str(a) for a in argv]
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH',
                                                             ''),
               PYTHONUNBUFFERED='1')
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError('{} failed ({}):\n{}\n{}'.format(
            ' '.join(cmd), proc.returncode, proc.stdout[-4000:],
            proc.stderr[-4000:]))
    return proc
