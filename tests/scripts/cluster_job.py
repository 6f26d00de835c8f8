"""The job that the scheduler tests (test_cluster_slurm.py,
test_cluster_gridengine.py) submit, and what it must leave behind: 2 ranks
of a 1-epoch K-FAC run on a small synthetic dataset, run with this
environment's venv and Open MPI standing in for the site's."""
import json
import os
import pathlib
import sys
import typing

from experiments.folders.snapshots import (checkpoint_files, parse,
                                          snapshot_name)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TINY = """dataset: synthetic
synthetic_size: [256, 128]
epochs: 1
batch_size: 64
test_batch_size: 128
optimizer:
  name: kfac
  lr: 0.01
"""


def job_settings(config: str, out: str) -> typing.Dict[str, str]:
    """The variables a job script reads (VENV, MPIEXEC, CONFIG, OUT,
    DEVICE), with Open MPI allowed to run as root."""
    python_bin = os.path.dirname(sys.executable)
    return {'VENV': os.path.dirname(python_bin),
            'MPIEXEC': os.path.join(python_bin, 'mpiexec'),
            'CONFIG': config, 'OUT': out, 'DEVICE': '-1',
            'OMPI_ALLOW_RUN_AS_ROOT': '1',
            'OMPI_ALLOW_RUN_AS_ROOT_CONFIRM': '1'}


def assert_two_ranks_finished(out: pathlib.Path, job_output: str) -> None:
    """The run in ``out`` finished its epoch on 2 ranks: marker, resolved
    config, a log with validation, env.json and a snapshot per rank."""
    assert (out / 'DONE').exists(), job_output
    assert 'dataset: synthetic' in (out / 'config.yaml').read_text()
    log = json.loads((out / 'log').read_text())
    assert log[-1]['epoch'] == 1 and 'validation/main/loss' in log[-1]
    assert json.loads((out / 'env.json').read_text())['ranks'] == 2
    names = {name: parse(name) for name in checkpoint_files(str(out))}
    epoch_1 = [name for name, parsed in names.items() if parsed is not None
               and parsed.epoch == 1 and not parsed.marker]
    assert epoch_1 == [snapshot_name(1, rank, 2) for rank in (0, 1)]
