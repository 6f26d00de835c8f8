"""One tuning that fault injection hurts (experiments/checks/
tuning_faults.py): a tiny suite of two cells on synthetic data, the
``python -m experiments tune`` command with two workers, its workers'
PIDs, and the checks of its study once it has ended: the journal is
readable, every cell has exactly its budget of finished trials, no trial
counts twice (a retry and the trial it re-runs), every finished trial's
folder holds its DONE and the tuned suite is written.

The tuner is driven through its command line only and its journal read
with Optuna itself, as an outside observer (and as the package's layers
want: checks and tune are one layer, experiments/__init__.py).
"""
import os
import signal
import subprocess
import sys
import time
from typing import Any, TextIO

import yaml

from experiments.folders.repository import ROOT

SUITE = 'suite'
CELLS = {'sgd': 'sb_sgd_nomixup', 'kfac': 'sb_kfac_nomixup'}
TRIALS = 3
#: long enough to be hurt mid-trial (9 steps an epoch), short enough to
#: tune 2 cells x 3 trials in about a minute on two cores
DATA = {'dataset': 'synthetic', 'synthetic_size': [480, 60],
        'batch_size': 40, 'test_batch_size': 60, 'epochs': 6,
        'evals_per_epoch': 1}
HEARTBEAT = {'interval_s': 1, 'grace_s': 4}
FINISHED = ('COMPLETE', 'PRUNED')

Process = subprocess.Popen[bytes]


def write_suite(folder: str) -> str:
    """The two cells, _suite.yaml and _tune.yaml in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    files: dict[str, Any] = {'_data.yaml': DATA, '_suite.yaml': {
        'description': 'fault injection', 'target_accuracy': 0.5,
        'batch_classes': {'SB': 40}}}
    for cell, table2 in CELLS.items():
        files[cell + '.yaml'] = {'base': [os.path.join(
            ROOT, 'configs', 'hpml2019', table2 + '.yaml'), '_data.yaml']}
    space = {'optimizer.lr': {'low': 1e-3, 'high': 1e-1, 'log': True}}
    files['_tune.yaml'] = {
        'description': 'fault injection', 'trials': TRIALS,
        'objective': 'holdout/main/accuracy',
        'holdout': {'fraction': 0.25, 'seed': 0},
        'sampler': {'name': 'random', 'seed': 0},
        'pruner': {'name': 'none'}, 'heartbeat': HEARTBEAT,
        'fixed': {'snapshot_every': 100},
        'space': {'momentum_sgd': space, 'kfac': space}}
    for name, data in files.items():
        with open(os.path.join(folder, name), 'w') as f:
            yaml.safe_dump(data, f)
    return folder


def journal(out: str) -> str:
    return os.path.join(out, 'tune', SUITE, 'journal.log')


def start(work: str, jobs: int = 2) -> tuple[Process, TextIO]:
    """The tune command on WORK/suite into WORK/out, in its own session,
    its output appended to WORK/tune.log (returned open)."""
    log = open(os.path.join(work, 'tune.log'), 'a')
    cmd = [sys.executable, '-m', 'experiments', 'tune',
           os.path.join(work, SUITE), '--out', os.path.join(work, 'out'),
           '--jobs', str(jobs), '--quiet']
    log.write('\n=== {}\n'.format(' '.join(cmd)))
    log.flush()
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            env=env, cwd=ROOT, start_new_session=True), log


def last_output(work: str) -> str:
    """What the latest start wrote to WORK/tune.log."""
    with open(os.path.join(work, 'tune.log')) as f:
        text = f.read()
    return text[text.rfind('\n=== '):]


def workers(proc: Process) -> list[int]:
    """PIDs of the ``--worker`` processes the command started."""
    found = []
    for pid in _children(proc.pid):
        try:
            with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
                if b'--worker' in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def _children(pid: int) -> list[int]:
    try:
        with open('/proc/{0}/task/{0}/children'.format(pid)) as f:
            return [int(k) for k in f.read().split()]
    except OSError:
        return []


def every_process(proc: Process) -> list[int]:
    """The command and its workers."""
    return [proc.pid] + workers(proc)


def wait(proc: Process, log: TextIO, hang_s: float) -> bool:
    """Wait for the command; kill it and its workers when it hangs. True
    when it ended by itself."""
    try:
        proc.wait(timeout=hang_s)
        return True
    except subprocess.TimeoutExpired:
        for pid in every_process(proc):
            _kill(pid, signal.SIGKILL)
        proc.wait()
        return False
    finally:
        log.close()


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_mid_trial(work: str, proc: Process, timeout_s: float) -> bool:
    """Wait until a trial has logged its first evaluation and is still
    running (no DONE) while two workers run; False if the command ended
    or the time ran out first."""
    cells = os.path.join(work, 'out', 'tune', SUITE)
    deadline = time.time() + timeout_s
    while time.time() < deadline and proc.poll() is None:
        for cell in CELLS:
            folder = os.path.join(cells, cell)
            for trial in os.listdir(folder) if os.path.isdir(folder) else []:
                path = os.path.join(folder, trial)
                if os.path.isfile(os.path.join(path, 'log')) and not \
                        os.path.exists(os.path.join(path, 'DONE')) and \
                        len(workers(proc)) == 2:
                    return True
        time.sleep(0.1)
    return False


def run_to_end(work: str, hang_s: float) -> int | str:
    """A start left alone: its exit status, or 'hang'."""
    proc, log = start(work)
    return proc.returncode if wait(proc, log, hang_s) else 'hang'
