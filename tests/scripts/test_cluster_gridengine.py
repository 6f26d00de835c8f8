"""scripts/cluster/gridengine/train.sh submitted to a real single-node Son
of Grid Engine cell (tests/scripts/gridengine_cluster.py).

The job asks for the script's own ``-l node_f=1`` and ``-l h_rt``, plus a
parallel environment of 2 slots for its ``$PE_HOSTFILE``; it runs 2 ranks
of a 1-epoch synthetic config with this environment's ``mpiexec`` given
as the site's (``MPIEXEC``, the override launch.py honours) and no
modules (``MODULES=``). Skipped, with the reason, where Grid Engine is not
installed or its daemons cannot start; under CI that fails instead
(tests/scripts/scheduler_required.py).
"""
import os

import pytest

from tests.scripts.cluster_job import (ROOT, TINY, assert_two_ranks_finished,
                                       job_settings)
from tests.scripts.gridengine_cluster import (GridEngineCell,
                                              GridEngineUnavailable)
from tests.scripts.scheduler_required import unavailable

SCRIPT = os.path.join(ROOT, 'scripts', 'cluster', 'gridengine', 'train.sh')


@pytest.fixture
def cell(tmp_path):
    try:
        with GridEngineCell(tmp_path / 'sge', slots=2) as started:
            yield started
    except GridEngineUnavailable as e:
        unavailable('Grid Engine cell', e)


def job_variables(config, out):
    """qsub -v: the job's settings, no modules, 2 GPUs' worth of ranks on
    the CPU."""
    values = dict(job_settings(config, out), MODULES='', GPUS_PER_NODE='2',
                  PYTHONPATH=ROOT)
    return ','.join('{}={}'.format(k, v) for k, v in values.items())


@pytest.mark.mpi
def test_gridengine_job_runs_two_ranks_to_the_end(cell, tmp_path):
    config, out = tmp_path / 'tiny.yaml', tmp_path / 'run'
    config.write_text(TINY)
    job_out = tmp_path / 'job.out'
    # -cwd (the script's): submitted from the repository.
    job = cell.qsub('-pe', 'kfac', '2', '-o', str(job_out),
                    '-v', job_variables(str(config), str(out)), SCRIPT,
                    cwd=ROOT)
    status = cell.wait(job, timeout=300)
    text = job_out.read_text() if job_out.exists() else '(no job output)'
    assert status == 0, '{}\n{}\n{}'.format(status, text, cell.logs())
    assert 'job {}: 1 node(s) x 2 ranks'.format(job) in text
    assert_two_ranks_finished(out, text)
