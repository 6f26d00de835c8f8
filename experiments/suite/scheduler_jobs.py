"""This process's batch job, and whether some job is still running.

A job is ``(scheduler, id)``: PBS's ``PBS_JOBID``, Slurm's
``SLURM_JOB_ID``, Grid Engine's ``JOB_ID`` (with ``SGE_O_HOST``, which Grid
Engine sets beside it). :func:`job_running` asks the scheduler's own query
from whichever node this process runs on:

* PBS: ``qstat -x -f ID``: ``job_state = F`` (finished) or "Unknown Job
  Id" is over; any other state (queued, running, held, suspended, exiting)
  is running;
* Slurm: ``squeue -h -j ID -o %T``: an empty answer or "Invalid job id" is
  over, a state is running;
* Grid Engine: ``qstat -j ID``: exit 0 is running, "do not exist" is over.

It returns None when it cannot tell (another scheduler, the command
missing, an unexpected answer), so the caller falls back on what else it
knows.
"""
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from typing import TypedDict


class Job(TypedDict):
    """A batch job: its scheduler's name and the job's id."""
    scheduler: str
    id: str


#: (scheduler, environment variable of the job id, a variable that must
#: be set too (None: none)).
JOB_VARIABLES = (('PBS', 'PBS_JOBID', None),
                 ('Slurm', 'SLURM_JOB_ID', None),
                 ('Grid Engine', 'JOB_ID', 'SGE_O_HOST'))
QUERY_TIMEOUT_S = 30


def current_job(environ: Mapping[str, str] | None = None) -> Job | None:
    """``{'scheduler': ..., 'id': ...}`` of this process's job, or None."""
    environ = os.environ if environ is None else environ
    for name, variable, also in JOB_VARIABLES:
        if environ.get(variable) and (also is None or environ.get(also)):
            return {'scheduler': name, 'id': environ[variable]}
    return None


def _query(argv: list[str]) -> subprocess.CompletedProcess[str] | None:
    if shutil.which(argv[0]) is None:
        return None
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=QUERY_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError):
        return None


def _pbs(job_id: str) -> bool | None:
    proc = _query(['qstat', '-x', '-f', job_id])
    if proc is None:
        return None
    text = proc.stdout + proc.stderr
    if 'Unknown Job Id' in text or 'Job has finished' in text:
        return False
    for line in proc.stdout.splitlines():
        key, _, value = line.partition('=')
        if key.strip() == 'job_state':
            return value.strip() != 'F'
    return None


def _slurm(job_id: str) -> bool | None:
    proc = _query(['squeue', '-h', '-j', job_id, '-o', '%T'])
    if proc is None:
        return None
    if 'Invalid job id' in proc.stderr:
        return False
    if proc.returncode != 0:
        return None
    return bool(proc.stdout.strip())


def _gridengine(job_id: str) -> bool | None:
    proc = _query(['qstat', '-j', job_id])
    if proc is None:
        return None
    if proc.returncode == 0:
        return True
    return False if 'do not exist' in proc.stdout + proc.stderr else None


QUERIES: dict[str, Callable[[str], bool | None]] = {
    'PBS': _pbs, 'Slurm': _slurm, 'Grid Engine': _gridengine}


def job_running(job: Mapping[str, object] | None) -> bool | None:
    """True (queued or running), False (over) or None (cannot tell) for a
    job of :func:`current_job`'s form."""
    scheduler = job.get('scheduler') if job else None
    if job is None or not isinstance(scheduler, str) or \
            scheduler not in QUERIES:
        return None
    here = current_job()
    if here is not None and here['scheduler'] != scheduler:
        return None
    return QUERIES[scheduler](str(job['id']))
