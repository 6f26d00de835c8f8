"""scripts/cluster/slurm/train.sh submitted to a real single-node Slurm.

The daemons start in the foreground under a temporary folder
(tests/scripts/slurm_cluster.py); the job runs 2 ranks of a 1-epoch
synthetic config with the environment's mpirun, as the script would on a
cluster with the site's (given as ``MPIEXEC``, the override launch.py
honours: this environment's). Skipped, with the reason, where Slurm is not
installed or its daemons cannot start; under CI that fails instead
(tests/scripts/scheduler_required.py).
"""
import os

import pytest

from tests.scripts.cluster_job import (ROOT, TINY, assert_two_ranks_finished,
                                       job_settings)
from tests.scripts.scheduler_required import unavailable
from tests.scripts.slurm_cluster import SlurmCluster, SlurmUnavailable

SCRIPT = os.path.join(ROOT, 'scripts', 'cluster', 'slurm', 'train.sh')


@pytest.fixture
def slurm(tmp_path):
    try:
        with SlurmCluster(tmp_path / 'slurm', cpus=2) as cluster:
            yield cluster
    except SlurmUnavailable as e:
        unavailable('Slurm cluster', e)


def job_env(config, out):
    """The job's settings, passed as sbatch --export=ALL would."""
    return dict(job_settings(config, out), PYTHONPATH=ROOT + os.pathsep
                + os.environ.get('PYTHONPATH', ''))


@pytest.mark.mpi
def test_slurm_job_runs_two_ranks_to_the_end(slurm, tmp_path):
    config, out = tmp_path / 'tiny.yaml', tmp_path / 'run'
    config.write_text(TINY)
    job_out = tmp_path / 'job.out'
    # The directives ask for 4 GPUs and 4 ranks per node; this node has 2
    # CPUs and no GPU, so the command line scales the job down.
    job = slurm.sbatch('--ntasks-per-node=2', '--cpus-per-task=1',
                       '--gpus-per-node=0', '--output={}'.format(job_out),
                       '--chdir={}'.format(ROOT), SCRIPT,
                       env=job_env(str(config), str(out)))
    state = slurm.wait(job, timeout=240)
    text = job_out.read_text() if job_out.exists() else '(no job output)'
    assert state == 'COMPLETED', '{}\n{}\n{}'.format(state, text,
                                                     slurm.logs())
    assert 'job {}: 2 rank(s) on 1 node(s)'.format(job) in text
    assert_two_ranks_finished(out, text)
