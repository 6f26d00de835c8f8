"""The suite runner's process handling: children die with the runner (which
exits 128+N after signal N), one runner per output folder, stale locks
replaced."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from experiments.folders.repository import ROOT
from experiments.suite import lock as suite_lock
LONG = """base: {base}
dataset: synthetic
synthetic_size: [128, 64]
batch_size: 16
test_batch_size: 64
epochs: 500
"""


def long_suite(tmp_path):
    configs = tmp_path / 'long'
    configs.mkdir()
    (configs / 'sb_sgd_nomixup.yaml').write_text(LONG.format(
        base=os.path.join(ROOT, 'configs', 'hpml2019', 'sb_sgd_nomixup.yaml')))
    (configs / '_suite.yaml').write_text(
        'target_accuracy: 0.1\nbatch_classes: {SB: 16, LB: 64}\n')
    return str(configs), str(tmp_path / 'results')


RUNNER = [sys.executable, '-m', 'experiments', 'suite']
#: the words a training child's command line holds
TRAIN = '\0-m\0experiments\0train\0'


def start_runner(configs, out):
    return subprocess.Popen(
        RUNNER + [configs, '--out', out], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=ROOT)


def training_pids(out):
    """PIDs of training children whose command line names ``out``."""
    pids = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
                cmd = f.read().decode(errors='replace')
        except OSError:
            continue
        if out in cmd and TRAIN in cmd:
            pids.append(int(pid))
    return pids


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='needs /proc')
@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGKILL])
def test_killing_the_runner_kills_its_training_child(tmp_path, sig):
    configs, out = long_suite(tmp_path)
    runner = start_runner(configs, out)
    try:
        log = os.path.join(out, 'long', 'sb_sgd_nomixup', 'train.log')
        assert wait_for(lambda: training_pids(out) and 'dataset:' in open(
            log).read(), 180), 'no child started training'
        runner.send_signal(sig)
        runner.wait(timeout=120)
        assert runner.returncode == (128 + sig if sig == signal.SIGTERM
                                     else -sig)
        assert wait_for(lambda: not training_pids(out), 60), \
            'training child survived the runner: {}\n{}\n{}'.format(
                training_pids(out), open(log).read()[-3000:], [
                    open('/proc/{}/status'.format(p)).read()
                    for p in training_pids(out)])
    finally:
        for pid in training_pids(out):
            os.kill(pid, signal.SIGKILL)
        runner.kill()


@pytest.mark.skipif(not os.path.isdir('/proc'), reason='needs /proc')
def test_second_runner_on_the_same_folder_is_refused(tmp_path):
    configs, out = long_suite(tmp_path)
    first = start_runner(configs, out)
    try:
        lock = os.path.join(out, 'long', '.run_suite.lock')
        assert wait_for(lambda: os.path.exists(lock), 60)
        second = subprocess.run(
            RUNNER + [configs, '--out', out], capture_output=True, text=True,
            timeout=120, cwd=ROOT)
        assert second.returncode != 0
        assert 'error: another suite runner (PID {}, host {}'.format(
            first.pid, socket.gethostname()) in second.stderr
        assert '[start]' not in second.stdout
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=120)
    assert not os.path.exists(lock), 'the lock outlived its runner'


def test_stale_lock_is_replaced(tmp_path):
    folder = str(tmp_path)
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    with open(os.path.join(folder, suite_lock.NAME), 'w') as f:
        json.dump({'pid': dead.pid, 'host': socket.gethostname()}, f)
    with suite_lock.SuiteLock(folder):
        with open(os.path.join(folder, suite_lock.NAME)) as f:
            assert json.load(f)['pid'] == os.getpid()
    assert not os.path.exists(os.path.join(folder, suite_lock.NAME))
