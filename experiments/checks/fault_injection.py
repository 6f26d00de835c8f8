#!/usr/bin/env python
"""Hurt training as a cluster would, restart it, and check that nothing is
lost, nothing hangs and nothing changes silently.

    python scripts/fault_injection.py --faults 20 [--ranks 2] [--seed 0]
        [--kinds kill,exit0,sigterm,foreign]

One uninterrupted reference run, then one run that is hurt again and again
(each fault's kind drawn from ``--kinds``) and restarted after each, until
``--faults`` faults were injected; then it is resumed to the end:

- ``kill``: SIGKILL at a random moment (under ``--ranks N``: one random
  rank, by PID), then ``--resume auto``;
- ``exit0``: one random rank ends with ``sys.exit(0)`` at a random step
  (scripts/train_faults.py; needs ``--ranks`` >= 2): the job must end by
  itself, non-zero;
- ``sigterm``: SIGTERM just after an epoch's checkpoint is committed (to
  ``mpiexec``, or to every rank as a batch scheduler does), then an
  explicit ``--resume OUT/snapshot_error_iter_N``, which must continue or
  be refused with a message (``cannot resume``), never hang;
- ``foreign``: a fresh start and a ``--resume auto`` of another config
  (``seed``) in the run's folder must be refused, the folder unchanged.

A hang past ``--hang-s`` is a failure; so is a final log that differs from
the reference run's (data lost or changed). Prints the count of each
outcome. Stops by itself; not part of the test suite.
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time

from experiments.folders.repository import ROOT

from experiments.folders import run_folder  # NOQA: E402  (stdlib only)

SETTINGS = ['--set', 'dataset=synthetic', '--set', 'synthetic_size=[256,64]',
            '--set', 'batch_size=32', '--set', 'snapshot_every=1',
            '--set', 'test_batch_size=64', '--set', 'epochs=6', '--quiet']
FOREIGN = ['--set', 'seed=7']
KEYS = ('epoch', 'iteration', 'main/loss', 'validation/main/loss')
KINDS = ('kill', 'exit0', 'sigterm', 'foreign')


def command(out, ranks, resume, extra=()):
    """The command of one start; ``resume``: None, 'auto' or a path."""
    cmd = [sys.executable, os.path.join(ROOT, 'scripts', 'train_faults.py'),
           '--config', os.path.join(ROOT, 'configs', 'hpml2019',
                                    'sb_kfac_mixup.yaml'), '--out', out]
    cmd += SETTINGS + list(extra) + (['--resume', resume] if resume else [])
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
            return b'train_faults.py' in f.read()
    except OSError:
        return False


def start(out, ranks, resume, extra=(), faults=''):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT,
               FAULTS=faults)
    log = open(os.path.join(out, 'train.log'), 'a')
    log.write('\n=== {} faults={!r}\n'.format(' '.join(command(
        out, ranks, resume, extra)), faults))
    log.flush()
    return subprocess.Popen(command(out, ranks, resume, extra), stdout=log,
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


def inject_kill(out, ranks, rng, window_s, hang_s, resume='auto'):
    """Start (resuming), kill one rank at a random moment; returns
    'killed', 'finished', 'refused' or a failure string."""
    proc, log = start(out, ranks, resume)
    try:
        proc.wait(timeout=rng.uniform(0.5, window_s))
        log.close()
        return ended(out, proc.returncode)
    except subprocess.TimeoutExpired:
        pass
    os.kill(rng.choice(rank_pids(proc)), signal.SIGKILL)
    return 'killed' if wait_or_kill(proc, log, hang_s) else 'hang after kill'


def ended(out, code):
    """What a start that ended by itself means."""
    if code == 0:
        return 'finished'
    with open(os.path.join(out, 'train.log')) as f:
        tail = f.read()[-20000:]
    last = tail[tail.rfind('\n=== '):]
    if 'cannot resume' in last or 'cannot start' in last:
        return 'refused'
    return 'exit {}'.format(code)


def inject_exit0(out, ranks, rng, window_s, hang_s):
    """One rank exits with status 0 at a random step: the job must end by
    itself, non-zero."""
    faults = 'exit0:{}:{}'.format(rng.randrange(ranks), rng.randint(1, 40))
    proc, log = start(out, ranks, 'auto', faults=faults)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang after exit 0'
    if proc.returncode == 0:
        return 'finished' if run_folder.is_finished(out) \
            else 'job ended 0 after a rank exited 0'
    return 'ended non-zero'


def inject_sigterm(out, ranks, rng, window_s, hang_s):
    """SIGTERM just after an epoch's commit, then an explicit resume from
    the newest error snapshot (refused with a message, or killed later)."""
    proc, log = start(out, ranks, 'auto')
    before = set(glob.glob(os.path.join(out, '*.complete')))
    deadline = time.time() + hang_s
    while not set(glob.glob(os.path.join(out, '*.complete'))) - before:
        if proc.poll() is not None or time.time() > deadline:
            log.close()
            return ended(out, proc.returncode) if proc.poll() is not None \
                else 'no epoch committed'
        time.sleep(0.01)
    time.sleep(rng.uniform(0, 0.2))
    SIGTERMS.append(proc.pid)       # alternately mpiexec and the ranks
    targets = [proc.pid] if ranks == 1 or len(SIGTERMS) % 2 else \
        rank_pids(proc)
    for pid in targets:
        os.kill(pid, signal.SIGTERM)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang after SIGTERM'
    latest = newest_error_snapshot(out)
    if latest is None:      # mpiexec kills its ranks ~0.25 s after SIGTERM
        return 'stopped before an error snapshot was written'
    result = inject_kill(out, ranks, rng, window_s, hang_s, resume=latest)
    if result.startswith('hang'):
        return result
    return 'explicit resume ' + ('refused' if result == 'refused'
                                 else 'continued')


#: the jobs that a ``sigterm`` fault signalled so far.
SIGTERMS = []


def newest_error_snapshot(out):
    """OUT/snapshot_error_iter_N of the newest such file (of any rank; a
    resume from it may be refused, when another rank's file is missing or
    of another step), or None."""
    found = [(os.path.getmtime(os.path.join(out, n)), m.group(1))
             for n, m in ((n, re.match(r'(snapshot_error_iter_\d+)'
                                       r'(\.rank\d+)?$', n))
                          for n in os.listdir(out)) if m]
    return os.path.join(out, max(found)[1]) if found else None


def folder_state(out):
    """Hashes of the run's files (the temporary train.log aside)."""
    state = {}
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        if name != 'train.log' and os.path.isfile(path):
            with open(path, 'rb') as f:
                state[name] = hashlib.sha256(f.read()).hexdigest()
    return state


def inject_foreign(out, ranks, rng, window_s, hang_s):
    """A start of another config in the folder: refused, nothing changed
    (a fresh start or --resume auto, drawn at random)."""
    before = folder_state(out)
    if 'config.yaml' not in before:
        return 'skipped'                # no experiment there yet
    resume = rng.choice([None, 'auto'])
    proc, log = start(out, ranks, resume, extra=FOREIGN)
    if not wait_or_kill(proc, log, hang_s):
        return 'hang on a foreign start'
    if proc.returncode == 0 or ended(out, proc.returncode) != 'refused':
        return 'foreign start accepted (exit {})'.format(proc.returncode)
    return 'refused, unchanged' if folder_state(out) == before else \
        'refused, folder changed'


INJECT = {'kill': inject_kill, 'exit0': inject_exit0,
          'sigterm': inject_sigterm, 'foreign': inject_foreign}
#: outcomes that are no failure.
CLEAN = ('killed', 'ended non-zero', 'explicit resume continued',
         'explicit resume refused', 'refused, unchanged',
         'stopped before an error snapshot was written')


def restart_from_scratch(out):
    """After a run finished: drop its marker and checkpoints, run again."""
    run_folder.clear_finished(out)
    for name in os.listdir(out):
        if name.startswith('snapshot_'):
            os.remove(os.path.join(out, name))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--faults', type=int, default=10)
    parser.add_argument('--ranks', type=int, default=1)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--kinds', default='kill',
                        help='comma-separated, from ' + ','.join(KINDS))
    parser.add_argument('--window-s', type=float, default=25.0,
                        help='kill within this many seconds of a start')
    parser.add_argument('--hang-s', type=float, default=300.0)
    parser.add_argument('--work', default=None)
    args = parser.parse_args()
    args.kinds = args.kinds.split(',')
    unknown = set(args.kinds) - set(KINDS)
    if unknown or (args.ranks < 2 and 'exit0' in args.kinds):
        parser.error('--kinds: {} (exit0 needs --ranks 2 or more)'.format(
            ', '.join(unknown) or 'exit0'))
    return args


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix='fault_injection_')
    ref, out = os.path.join(work, 'reference'), os.path.join(work, 'faulty')
    os.makedirs(ref, exist_ok=True)
    os.makedirs(out, exist_ok=True)
    t0 = time.time()
    if run_to_end(ref, args.ranks, False, args.hang_s * 3) != 0:
        sys.exit('error: the reference run failed; see ' + ref)
    outcomes = collections.Counter()
    while sum(outcomes.values()) < args.faults:
        kind = rng.choice(args.kinds)
        result = INJECT[kind](out, args.ranks, rng, args.window_s,
                              args.hang_s)
        if result == 'finished':
            restart_from_scratch(out)
        elif result != 'skipped':
            outcomes[(kind, result)] += 1
    final = run_to_end(out, args.ranks, 'auto', args.hang_s * 3)
    lost = read_log(out) != read_log(ref) or final != 0
    failed = sum(n for (_, r), n in outcomes.items() if r not in CLEAN)
    print(json.dumps({'faults': sum(outcomes.values()), 'failed': failed,
                      'outcomes': {'{}: {}'.format(*k): n for k, n in
                                   sorted(outcomes.items())},
                      'data lost or changed': lost, 'final exit': final,
                      'ranks': args.ranks, 'wall_s': round(time.time() - t0),
                      'work': work}, indent=1))
    if failed or lost:
        sys.exit(1)


if __name__ == '__main__':
    main()
