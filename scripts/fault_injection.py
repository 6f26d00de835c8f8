#!/usr/bin/env python
"""Kill training at random moments, resume, and check that nothing is lost.

    python scripts/fault_injection.py --faults 20 [--ranks 2] [--seed 0]

One uninterrupted reference run, then one run that is killed with SIGKILL
at a random moment (under ``--ranks N``: one random rank, by PID), resumed
with ``--resume auto``, killed again, ... until ``--faults`` kills were
injected; then it is resumed to the end. Every restart must come up (a
hang past ``--hang-s`` or a refused resume is a failure) and the final log
must equal the reference run's (otherwise: data lost). Prints faults
injected / survived / data lost. Stops by itself (bounded by --faults and
--hang-s); not part of the test suite.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
SETTINGS = ['--set', 'dataset=synthetic', '--set', 'synthetic_size=[256,64]',
            '--set', 'batch_size=32', '--set', 'snapshot_every=1',
            '--set', 'test_batch_size=64', '--set', 'epochs=6', '--quiet']
KEYS = ('epoch', 'iteration', 'main/loss', 'validation/main/loss')


def command(out, ranks, resume):
    cmd = [sys.executable, os.path.join(ROOT, 'experiments', 'train.py'),
           '--config', os.path.join(ROOT, 'configs', 'hpml2019',
                                    'sb_kfac_mixup.yaml'), '--out', out]
    cmd += SETTINGS + (['--resume', 'auto'] if resume else [])
    if ranks > 1:
        from chainer_kfac.distributed.launch import mpiexec_argv
        cmd = mpiexec_argv(ranks) + cmd
    return cmd


def rank_pids(proc):
    """PIDs of the python processes under ``proc`` (mpiexec's ranks)."""
    found, todo = [], [proc.pid]
    while todo:
        pid = todo.pop()
        try:
            with open('/proc/{0}/task/{0}/children'.format(pid)) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        todo += kids
        found += kids
    return [p for p in found if _is_train(p)] or [proc.pid]


def _is_train(pid):
    try:
        with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
            return b'train.py' in f.read()
    except OSError:
        return False


def start(out, ranks, resume):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    log = open(os.path.join(out, 'train.log'), 'a')
    return subprocess.Popen(command(out, ranks, resume), stdout=log,
                            stderr=subprocess.STDOUT, env=env,
                            start_new_session=True), log


def read_log(out):
    try:
        with open(os.path.join(out, 'log')) as f:
            return [{k: e.get(k) for k in KEYS} for e in json.load(f)]
    except (OSError, ValueError):
        return None


def wait_or_kill(proc, log, hang_s):
    """Wait up to hang_s for the run; kill its process group if it hangs.
    Returns True when it ended by itself. Closes its log either way."""
    try:
        proc.wait(timeout=hang_s)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
    finally:
        log.close()


def run_to_end(out, ranks, resume, hang_s):
    proc, log = start(out, ranks, resume)
    return proc.returncode if wait_or_kill(proc, log, hang_s) else 'hang'


def inject(out, ranks, rng, window_s, hang_s):
    """Start (resuming), kill one rank at a random moment; returns
    'killed', 'finished' or a failure string."""
    proc, log = start(out, ranks, resume=True)
    delay = rng.uniform(0.5, window_s)
    try:
        proc.wait(timeout=delay)
        log.close()
        return 'finished' if proc.returncode == 0 else 'exit {}'.format(
            proc.returncode)
    except subprocess.TimeoutExpired:
        pass
    os.kill(rng.choice(rank_pids(proc)), signal.SIGKILL)
    return 'killed' if wait_or_kill(proc, log, hang_s) else 'hang after kill'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--faults', type=int, default=10)
    parser.add_argument('--ranks', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--window-s', type=float, default=25.0,
                        help='kill within this many seconds of a start')
    parser.add_argument('--hang-s', type=float, default=300.0)
    parser.add_argument('--work', default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix='fault_injection_')
    ref, out = os.path.join(work, 'reference'), os.path.join(work, 'faulty')
    os.makedirs(ref, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    if run_to_end(ref, args.ranks, False, args.hang_s * 3) != 0:
        sys.exit('error: the reference run failed; see ' + ref)
    injected, failures = 0, []
    while injected < args.faults:
        result = inject(out, args.ranks, rng, args.window_s, args.hang_s)
        if result == 'killed':
            injected += 1
        elif result == 'finished':
            os.remove(os.path.join(out, 'DONE'))      # run it again
            for name in os.listdir(out):
                if name.startswith('snapshot_epoch_'):
                    os.remove(os.path.join(out, name))  # from the start
        else:
            failures.append(result)
            injected += 1
    final = run_to_end(out, args.ranks, True, args.hang_s * 3)
    lost = read_log(out) != read_log(ref) or final != 0
    print('faults injected: {}; survived: {}; failed restarts: {}; data '
          'lost: {} (final run exit {}); {} rank(s); {:.0f} s; work {}'.format(
              injected, injected - len(failures), len(failures),
              'yes' if lost else 'no', final, args.ranks, time.time() - t0,
              work))
    if failures or lost:
        sys.exit(1)


if __name__ == '__main__':
    main()
