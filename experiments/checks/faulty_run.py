"""One start of a run that fault injection hurts (or of its reference):
its command line (``python -m experiments.checks.train_faults``, under
mpiexec with ``--ranks N``), its process and its ranks' PIDs, waiting for
it or killing it when it hangs, and what its end means. Every start appends
its output to OUT/train.log (under a ``=== COMMAND`` line)."""
import json
import os
import signal
import subprocess
import sys
from typing import Any, TextIO

from experiments.folders.repository import ROOT

SETTINGS = ['--set', 'dataset=synthetic', '--set', 'synthetic_size=[256,64]',
            '--set', 'batch_size=32', '--set', 'snapshot_every=1',
            '--set', 'test_batch_size=64', '--set', 'epochs=6', '--quiet']
#: a config the run's folder does not hold (another seed)
FOREIGN = ['--set', 'seed=7']
#: the log's numbers that must agree with the reference run's
KEYS = ('epoch', 'iteration', 'main/loss', 'validation/main/loss')
#: the module each rank runs (its name is in the ranks' command lines)
TRAIN_FAULTS = 'experiments.checks.train_faults'

Process = subprocess.Popen[bytes]


def command(out: str, ranks: int, resume: str | None,
            extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The command of one start; ``resume``: None, 'auto' or a path."""
    cmd = [sys.executable, '-m', TRAIN_FAULTS,
           '--config', os.path.join(ROOT, 'configs', 'hpml2019',
                                    'sb_kfac_mixup.yaml'), '--out', out]
    cmd += SETTINGS + list(extra) + (['--resume', resume] if resume else [])
    if ranks > 1:
        from chainer_kfac.distributed.launch import mpiexec_argv
        cmd = mpiexec_argv(ranks) + cmd
    return cmd


def rank_pids(proc: Process) -> list[int]:
    """PIDs of the python processes under ``proc`` (mpiexec's ranks)."""
    found: list[int] = []
    todo = [proc.pid]
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


def _is_train(pid: int) -> bool:
    try:
        with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
            return TRAIN_FAULTS.encode() in f.read()
    except OSError:
        return False


def start(out: str, ranks: int, resume: str | None,
          extra: tuple[str, ...] | list[str] = (),
          faults: str = '') -> tuple[Process, TextIO]:
    """The run started in its own session, its output going to
    OUT/train.log (returned open: :func:`wait_or_kill` closes it)."""
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT,
               FAULTS=faults)
    log = open(os.path.join(out, 'train.log'), 'a')
    log.write('\n=== {} faults={!r}\n'.format(' '.join(command(
        out, ranks, resume, extra)), faults))
    log.flush()
    return subprocess.Popen(command(out, ranks, resume, extra), stdout=log,
                            stderr=subprocess.STDOUT, env=env,
                            start_new_session=True), log


def read_log(out: str) -> list[dict[str, Any]] | None:
    try:
        with open(os.path.join(out, 'log')) as f:
            return [{k: e.get(k) for k in KEYS} for e in json.load(f)]
    except (OSError, ValueError):
        return None


def wait_or_kill(proc: Process, log: TextIO, hang_s: float) -> bool:
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


def run_to_end(out: str, ranks: int, resume: str | None,
               hang_s: float) -> int | str:
    """The exit status of a start left alone, or 'hang'."""
    proc, log = start(out, ranks, resume)
    return proc.returncode if wait_or_kill(proc, log, hang_s) else 'hang'


def ended(out: str, code: int | None) -> str:
    """What a start that ended by itself means."""
    if code == 0:
        return 'finished'
    with open(os.path.join(out, 'train.log')) as f:
        tail = f.read()[-20000:]
    last = tail[tail.rfind('\n=== '):]
    if 'cannot resume' in last or 'cannot start' in last:
        return 'refused'
    return 'exit {}'.format(code)
