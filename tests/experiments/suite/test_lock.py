"""experiments/suite/lock.py judging a lock left by another runner: on this
host (PID reuse), from another node through the scheduler's query (fake
``qstat``/``squeue`` on PATH), and through the heartbeat."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from experiments.errors import StudyError
from experiments.suite import lock as suite_lock


def write_lock(folder, **holder):
    path = os.path.join(str(folder), suite_lock.NAME)
    with open(path, 'w') as f:
        json.dump(holder, f)
    return path


def fake_command(tmp_path, monkeypatch, name, output, status):
    """``name`` on PATH that prints ``output`` and exits ``status``."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text('#!/bin/sh\necho "$*" >> {}\nprintf "%s\\n" "{}"\n'
                    'exit {}\n'.format(tmp_path / (name + '.calls'), output,
                                       status))
    path.chmod(0o755)
    monkeypatch.setenv('PATH', '{}:{}'.format(bin_dir, os.environ['PATH']))
    for variable in ('PBS_JOBID', 'SLURM_JOB_ID', 'JOB_ID', 'SGE_O_HOST'):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(params=[['run_suite.py'], ['-m', 'experiments', 'suite']])
def sleeper(request):
    """A live process whose command line is a suite runner's: the old
    script's name (now a shim), or the command's words."""
    proc = subprocess.Popen([sys.executable, '-c',
                             'import time; time.sleep(120)'] + request.param)
    yield proc
    proc.kill()
    proc.wait()


def test_the_command_lines_of_a_suite_runner():
    python = '/venv/bin/python'
    for words in ([python, '-m', 'experiments', 'suite', 'quick'],
                  [python, '/venv/bin/chainer-kfac-study', 'suite', 'quick'],
                  [python, 'scripts/run_suite.py', 'quick']):
        assert suite_lock.runs_suite(words), words
    for words in ([python, '-m', 'experiments', 'train', '--out', 'suite'],
                  [python, '-m', 'experiments', 'report', 'suite'],
                  [python, '/venv/bin/chainer-kfac-study', 'tune', 'suite'],
                  ['sleep', '60'], []):
        assert not suite_lock.runs_suite(words), words


def test_a_held_lock_is_a_study_error():
    assert issubclass(suite_lock.LockHeld, StudyError)


def test_record_names_pid_start_job_and_heartbeat(tmp_path, monkeypatch):
    monkeypatch.setenv('SLURM_JOB_ID', '77')
    monkeypatch.setenv(suite_lock.HOST_VARIABLE, 'node-a')
    with suite_lock.SuiteLock(str(tmp_path), heartbeat_s=0.2) as lock:
        with open(lock.path) as f:
            record = json.load(f)
        first = os.stat(lock.path).st_mtime
        time.sleep(0.7)
        assert os.stat(lock.path).st_mtime > first, 'no heartbeat'
    assert record['host'] == 'node-a'
    assert record['job'] == {'scheduler': 'Slurm', 'id': '77'}
    assert record['pid_start'] == suite_lock.process_start(os.getpid())
    assert record['heartbeat_s'] == 0.2
    assert not os.path.exists(lock.path)


def test_same_host_pid_reused_by_another_program_is_stale(tmp_path, capsys):
    other = subprocess.Popen(['sleep', '60'])
    try:
        write_lock(tmp_path, pid=other.pid, host=suite_lock.host_name(),
                   pid_start=suite_lock.process_start(other.pid))
        with suite_lock.SuiteLock(str(tmp_path)):
            pass
    finally:
        other.kill()
        other.wait()
    assert 'PID {} is no longer its suite runner'.format(
        other.pid) in capsys.readouterr().out


def test_same_host_runner_started_at_another_time_is_stale(tmp_path,
                                                           sleeper):
    start = suite_lock.process_start(sleeper.pid)
    write_lock(tmp_path, pid=sleeper.pid, host=suite_lock.host_name(),
               pid_start=start)
    with pytest.raises(suite_lock.LockHeld, match='running on this host'):
        suite_lock.SuiteLock(str(tmp_path)).acquire()
    write_lock(tmp_path, pid=sleeper.pid, host=suite_lock.host_name(),
               pid_start=start - 1)     # the PID's earlier owner
    with suite_lock.SuiteLock(str(tmp_path)):
        pass


QUERIES = {
    # scheduler: (command, answer when over, status, when running, status)
    'PBS': ('qstat', 'qstat: Unknown Job Id 12.pbs1', 153,
            '    job_state = R', 0),
    'Slurm': ('squeue', '', 0, 'RUNNING', 0),
    'Grid Engine': ('qstat', 'Following jobs do not exist: 12', 1,
                    'job_number: 12', 0),
}


@pytest.mark.parametrize('scheduler', sorted(QUERIES))
def test_other_host_job_over_is_stale_at_once(tmp_path, monkeypatch,
                                              capsys, scheduler):
    command, over, status, _, _ = QUERIES[scheduler]
    fake_command(tmp_path, monkeypatch, command, over, status)
    write_lock(tmp_path, pid=4242, host='node-a',
               job={'scheduler': scheduler, 'id': '12'}, heartbeat_s=600)
    start = time.time()
    with suite_lock.SuiteLock(str(tmp_path)):
        pass
    assert time.time() - start < 10, 'waited for the heartbeat'
    assert '{} job 12 is over'.format(scheduler) in capsys.readouterr().out
    assert '12' in (tmp_path / (command + '.calls')).read_text()


@pytest.mark.parametrize('scheduler', sorted(QUERIES))
def test_other_host_job_running_holds(tmp_path, monkeypatch, scheduler):
    command, _, _, running, status = QUERIES[scheduler]
    fake_command(tmp_path, monkeypatch, command, running, status)
    write_lock(tmp_path, pid=4242, host='node-a',
               job={'scheduler': scheduler, 'id': '12'}, heartbeat_s=600)
    with pytest.raises(suite_lock.LockHeld,
                       match='node-a, {} job 12.*still queued or running'
                       .format(scheduler)):
        suite_lock.SuiteLock(str(tmp_path)).acquire()


def test_other_host_heartbeat_renewed_holds(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')   # no scheduler to ask
    path = write_lock(tmp_path, pid=1, host='elsewhere-node',
                      heartbeat_s=0.5)
    stop = threading.Event()

    def beat():
        while not stop.wait(0.3):
            os.utime(path)
    thread = threading.Thread(target=beat)
    thread.start()
    try:
        with pytest.raises(suite_lock.LockHeld,
                           match='elsewhere-node.*heartbeat is renewed'):
            suite_lock.SuiteLock(str(tmp_path)).acquire()
    finally:
        stop.set()
        thread.join()


def test_other_host_heartbeat_stopped_is_stale(tmp_path, monkeypatch,
                                               capsys):
    monkeypatch.setenv('PATH', '/nonexistent')
    write_lock(tmp_path, pid=1, host='elsewhere-node', heartbeat_s=0.5)
    start = time.time()
    with suite_lock.SuiteLock(str(tmp_path)):
        pass
    assert suite_lock.STALE_BEATS * 0.5 <= time.time() - start < 10
    assert 'heartbeat stopped' in capsys.readouterr().out


def test_other_host_old_heartbeat_is_stale_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', '/nonexistent')
    path = write_lock(tmp_path, pid=1, host='elsewhere-node',
                      heartbeat_s=30)
    old = time.time() - 3600
    os.utime(path, (old, old))
    start = time.time()
    with suite_lock.SuiteLock(str(tmp_path)):
        pass
    assert time.time() - start < 5
