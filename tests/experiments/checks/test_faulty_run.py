"""One start of fault injection's run: its command line, the ranks found
by their module, and what its end means."""
import json
import os
import signal
import subprocess
import sys
import time

from chainer_kfac.distributed import launch
from experiments.checks import faulty_run


def test_the_command_runs_the_training_with_faults_module(monkeypatch):
    cmd = faulty_run.command('OUT', 1, None)
    assert cmd[:3] == [sys.executable, '-m',
                       'experiments.checks.train_faults']
    assert cmd[cmd.index('--out') + 1] == 'OUT' and '--resume' not in cmd
    resumed = faulty_run.command('OUT', 1, 'auto', extra=faulty_run.FOREIGN)
    assert resumed[-4:] == faulty_run.FOREIGN + ['--resume', 'auto']
    monkeypatch.setattr(launch, 'mpiexec_argv', lambda n: ['MPI', str(n)])
    assert faulty_run.command('OUT', 2, None)[:3] == ['MPI', '2',
                                                       sys.executable]


def test_the_ranks_are_found_by_their_module(tmp_path):
    """A parent whose child runs the module: the child's PID, not the
    parent's (as mpiexec and its ranks)."""
    child = ('import subprocess, sys; subprocess.run([sys.executable, "-c", '
             '"import time; time.sleep(10)", "experiments.checks.'
             'train_faults"])')
    proc = subprocess.Popen([sys.executable, '-c', child])
    try:
        for _ in range(200):
            pids = faulty_run.rank_pids(proc)
            if pids != [proc.pid]:
                break
            time.sleep(0.05)
        assert len(pids) == 1 and pids[0] != proc.pid
        os.kill(pids[0], signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()


def test_a_start_that_hangs_is_killed_and_its_end_read(tmp_path):
    out = str(tmp_path)
    proc = subprocess.Popen([sys.executable, '-c', 'import time; '
                             'time.sleep(30)'], start_new_session=True)
    log = open(tmp_path / 'train.log', 'a')
    assert faulty_run.wait_or_kill(proc, log, 0.2) is False and log.closed
    (tmp_path / 'train.log').write_text(
        '\n=== first\nerror: cannot resume: old\n=== second\nboom\n')
    assert faulty_run.ended(out, 0) == 'finished'
    assert faulty_run.ended(out, 1) == 'exit 1'
    with open(tmp_path / 'train.log', 'a') as f:
        f.write('\n=== third\nerror: cannot start: another config\n')
    assert faulty_run.ended(out, 1) == 'refused'


def test_read_log_keeps_the_compared_keys(tmp_path):
    assert faulty_run.read_log(str(tmp_path)) is None
    (tmp_path / 'log').write_text(json.dumps([
        {'epoch': 1, 'iteration': 8, 'main/loss': 2.0, 'elapsed_time': 3.0}]))
    assert faulty_run.read_log(str(tmp_path)) == [
        {'epoch': 1, 'iteration': 8, 'main/loss': 2.0,
         'validation/main/loss': None}]
