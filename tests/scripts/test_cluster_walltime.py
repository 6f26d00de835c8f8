"""A suite that spans walltimes: stopped as a scheduler stops a job at its
walltime, then submitted again and started on another node.

The walltime is simulated as PBS Professional ends a job: SIGTERM, then
SIGKILL after its kill delay (10 s by default). The second job runs under
another host name (``$KFAC_SUITE_HOST``) and another job id, so the lock
left on the first node must be judged from elsewhere: released by the
runner within seconds of the SIGTERM, or, after a SIGKILL, replaced because
the scheduler's query says the job is over (a fake ``qstat``) or because
its heartbeat stopped. Every way, the suite continues where it stopped and
finishes with the logs of an uninterrupted suite.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from experiments.folders.snapshots import snapshot_name

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
KILL_DELAY_S = 10
TINY = """base: {base}
dataset: synthetic
synthetic_size: [512, 128]
batch_size: 32
test_batch_size: 128
snapshot_every: 1
epochs: 3
"""
RUNS = ('a_sgd', 'b_kfac')
KEYS = ('epoch', 'iteration', 'main/loss', 'main/accuracy',
        'validation/main/loss', 'validation/main/accuracy', 'lr')


def tiny_suite(folder):
    folder.mkdir()
    for name, base in zip(RUNS, ('sb_sgd_nomixup', 'sb_kfac_nomixup'),
                          strict=True):
        (folder / (name + '.yaml')).write_text(TINY.format(
            base=os.path.join(ROOT, 'configs', 'hpml2019', base + '.yaml')))
    (folder / '_suite.yaml').write_text(
        'target_accuracy: 0.1\nbatch_classes: {SB: 32, LB: 64}\n')
    return str(folder)


def runner(configs, out, host, job, extra_env=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('PBS_', 'SLURM_', 'SGE_', 'KFAC_SUITE'))}
    env.update({'KFAC_SUITE_HOST': host, 'PBS_JOBID': job,
                'PYTHONPATH': ROOT + os.pathsep + env.get('PYTHONPATH', '')},
               **(extra_env or {}))
    return subprocess.Popen(
        [sys.executable, '-m', 'experiments', 'suite', configs,
         '--out', out], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=env,
        start_new_session=True)


def finish(proc, timeout=600):
    out, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, out
    return out


def logs(suite_out):
    found = {}
    for run in RUNS:
        with open(os.path.join(suite_out, run, 'log')) as f:
            found[run] = [{k: e[k] for k in KEYS} for e in json.load(f)]
        assert os.path.exists(os.path.join(suite_out, run, 'DONE'))
    return found


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def walltime(proc, graceful):
    """SIGTERM (when ``graceful``), SIGKILL to the job's processes after
    the kill delay; return seconds from the first signal to the exit."""
    start = time.time()
    if graceful:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=KILL_DELAY_S)
            return time.time() - start
        except subprocess.TimeoutExpired:
            pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    return time.time() - start


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('uninterrupted')
    configs = tiny_suite(tmp / 'walltime')
    finish(runner(configs, str(tmp / 'results'), 'node-a', '1.pbs1'))
    return logs(str(tmp / 'results' / 'walltime'))


def fake_qstat(tmp_path):
    """PBS's answer for a job that ended (the first job)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'qstat').write_text(
        '#!/bin/sh\necho "qstat: Unknown Job Id $3" >&2\nexit 153\n')
    (bin_dir / 'qstat').chmod(0o755)
    return {'PATH': '{}:{}'.format(bin_dir, os.environ['PATH'])}


@pytest.mark.parametrize('ending', ['sigterm', 'sigkill_qstat',
                                    'sigkill_heartbeat'])
def test_suite_continues_on_another_node_after_the_walltime(
        tmp_path, uninterrupted, ending):
    configs = tiny_suite(tmp_path / 'walltime')
    out = str(tmp_path / 'results')
    suite_out = os.path.join(out, 'walltime')
    lock = os.path.join(suite_out, '.run_suite.lock')
    first_snapshot = os.path.join(suite_out, RUNS[0], snapshot_name(1))
    beat = {'KFAC_SUITE_HEARTBEAT_S': '1'} \
        if ending == 'sigkill_heartbeat' else {}
    first = runner(configs, out, 'node-a', '1.pbs1', beat)
    # The walltime ends while the first run trains its second epoch.
    assert wait_for(lambda: os.path.exists(first_snapshot), 300), \
        first.communicate(timeout=60)[0] if first.poll() is not None else ''
    took = walltime(first, graceful=ending == 'sigterm')
    first_out = first.stdout.read()
    assert not os.path.exists(os.path.join(suite_out, RUNS[1], 'log'))
    if ending == 'sigterm':
        assert took < KILL_DELAY_S, first_out
        assert 'SIGTERM received' in first_out
        assert not os.path.exists(lock), 'lock kept after SIGTERM'
    else:
        assert os.path.exists(lock)

    second = runner(configs, out, 'node-b', '2.pbs1',
                    fake_qstat(tmp_path) if ending == 'sigkill_qstat'
                    else beat)
    text = finish(second)
    assert '{} (resuming)'.format(RUNS[0]) in text
    if ending == 'sigkill_qstat':
        assert 'PBS job 1.pbs1 is over' in text
    elif ending == 'sigkill_heartbeat':
        assert 'heartbeat stopped' in text
    assert logs(suite_out) == uninterrupted
    assert not os.path.exists(lock)
