"""chainer_kfac.distributed.launch: which mpiexec, which flags."""
import os
import sys

import pytest

from chainer_kfac.distributed import launch


def executable(folder, name):
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text('#!/bin/sh\n')
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def site(tmp_path):
    """A site MPI's mpirun in its own folder."""
    return executable(tmp_path / 'site', 'mpirun')


def venv_mpiexec():
    return os.path.join(os.path.dirname(os.path.abspath(sys.executable)),
                        'mpiexec')


@pytest.mark.parametrize('variable,name', [
    ('PBS_JOBID', 'PBS'), ('SLURM_JOB_ID', 'Slurm'),
    ('PE_HOSTFILE', 'Grid Engine')])
def test_in_a_job_the_site_mpirun_wins_over_the_venv(site, variable, name):
    venv_bin = os.path.dirname(venv_mpiexec())
    env = {variable: 'x', 'PATH': venv_bin + os.pathsep +
           os.path.dirname(site)}
    found = launch.find_mpiexec(env)
    assert found.path == site
    assert found.origin == 'site MPI on PATH, in a {} job'.format(name)


def test_in_a_job_without_a_site_mpi_there_is_none():
    env = {'PBS_JOBID': '1', 'PATH': os.path.dirname(venv_mpiexec())}
    assert launch.find_mpiexec(env).path is None
    with pytest.raises(FileNotFoundError, match='module load'):
        launch.mpiexec_argv(2, environ=env)


def test_mpiexec_variable_overrides_everything(site):
    env = {'MPIEXEC': '/opt/mpi/bin/mpiexec', 'PBS_JOBID': '1',
           'PATH': os.path.dirname(site)}
    assert launch.find_mpiexec(env) == ('/opt/mpi/bin/mpiexec', 'MPIEXEC')


def test_outside_a_job_the_venv_wheel_then_path(site):
    env = {'PATH': os.path.dirname(site)}
    found = launch.find_mpiexec(env)
    if os.path.exists(venv_mpiexec()):
        assert found.path == venv_mpiexec()
    else:
        assert found == (site, 'PATH')


@pytest.mark.parametrize('n,uid,cores,expected', [
    (2, 1000, 2, []),
    (2, 0, 2, ['--allow-run-as-root']),
    (3, 1000, 2, ['--oversubscribe']),
    (3, 0, 2, ['--allow-run-as-root', '--oversubscribe']),
])
def test_local_flags_only_where_needed(n, uid, cores, expected):
    assert launch.local_flags(n, open_mpi=True, uid=uid,
                              cores=cores) == expected
    assert launch.local_flags(n, open_mpi=False, uid=uid, cores=cores) == []


def test_cluster_runs_get_hostfile_and_ranks_per_node(site):
    env = {'PBS_JOBID': '1', 'PATH': os.path.dirname(site)}
    argv = launch.mpiexec_argv(16, ranks_per_node=8, hostfile='/nodes',
                               environ=env)
    assert argv == [site, '--hostfile', '/nodes', '-x', 'PATH', '-x',
                    'LD_LIBRARY_PATH', '--map-by', 'ppr:8:node', '-n', '16']


def test_is_open_mpi_reads_the_version(tmp_path):
    folder = tmp_path / 'bin'
    folder.mkdir()
    ompi, mpich = folder / 'ompi', folder / 'mpich'
    ompi.write_text('#!/bin/sh\necho "mpirun (Open MPI) 4.1.7a1"\n')
    mpich.write_text('#!/bin/sh\necho "HYDRA build details:"\n')
    for path in (ompi, mpich):
        path.chmod(0o755)
    assert launch.is_open_mpi(str(ompi))
    assert not launch.is_open_mpi(str(mpich))


def test_describe_names_path_and_reason(site):
    env = {'SLURM_JOB_ID': '3', 'PATH': os.path.dirname(site)}
    assert launch.describe(env) == \
        'mpiexec: {} (site MPI on PATH, in a Slurm job)'.format(site)
