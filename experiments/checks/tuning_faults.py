"""The tuning category of fault injection (``python -m experiments
fault-injection --kinds tune-kill,...``): each fault hurts a fresh tiny
tuning (experiments/checks/tuning_run.py: 2 cells x 3 trials, two
workers), which is then run again to its end; the fault survived when the
study is readable, no trial counts twice and every cell has its full
budget (experiments/checks/tuning_study.py).

- ``tune-kill``: SIGKILL of one of the two workers mid-trial: the other
  must fail the dead trial when its heartbeat stops, re-run it and finish
  the budget by itself;
- ``tune-walltime``: SIGTERM at a "walltime" mid-trial, to the command or
  to every process as a scheduler does: the job must end by itself;
- ``tune-torn-journal``: power loss (SIGKILL of every process) and the
  journal's last line cut short: the next start must read the study and
  cut the line, with a warning;
- ``tune-full-disk``: the journal on a small tmpfs (needs root to mount)
  that fills during a write: the workers must end with one line saying
  the disk is full, the journal whole; after space is freed the same
  command finishes the budget.

Each returns its outcome; :data:`CLEAN` lists those that are no failure.
"""
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from typing import TextIO

from experiments.checks import tuning_run as run
from experiments.checks import tuning_study as study

#: one fault: (work folder, rng, hang_s) -> outcome
Inject = Callable[[str, random.Random, float], str]
PAGE = 4096
#: what each fault measured, beside its outcome (for the summary)
DETAILS: list[str] = []


def prepared(work: str) -> str:
    os.makedirs(work)
    run.write_suite(os.path.join(work, run.SUITE))
    return work


def finish(work: str, hang_s: float, outcome: str) -> str:
    """Run the command again to its end; ``outcome`` if the study then
    holds, else what is wrong."""
    code = run.run_to_end(work, hang_s)
    if code != 0:
        return 'restart ended {}'.format(code)
    wrong = study.problems(work)
    return '; '.join(wrong) if wrong else outcome


def hurt_mid_trial(work: str, rng: random.Random, hang_s: float
                   ) -> tuple[run.Process, TextIO] | None:
    proc, log = run.start(work)
    if not run.wait_mid_trial(work, proc, hang_s):
        run.wait(proc, log, hang_s)
        return None
    time.sleep(rng.uniform(0, 1.5))
    return proc, log


def inject_kill(work: str, rng: random.Random, hang_s: float) -> str:
    started = hurt_mid_trial(prepared(work), rng, hang_s)
    if started is None:
        return 'not hurt (no trial mid-way)'
    proc, log = started
    os.kill(rng.choice(run.workers(proc)), signal.SIGKILL)
    if not run.wait(proc, log, hang_s):
        return 'hang after a worker was killed'
    if proc.returncode == 0:
        wrong = study.problems(work)
        return '; '.join(wrong) if wrong else \
            'worker killed, the other finished the budget'
    return finish(work, hang_s, 'worker killed, finished after a restart')


def inject_walltime(work: str, rng: random.Random, hang_s: float) -> str:
    started = hurt_mid_trial(prepared(work), rng, hang_s)
    if started is None:
        return 'not hurt (no trial mid-way)'
    proc, log = started
    everyone = rng.random() < 0.5
    for pid in run.every_process(proc) if everyone else [proc.pid]:
        os.kill(pid, signal.SIGTERM)
    signalled = time.time()
    target = 'every process' if everyone else 'the command'
    if not run.wait(proc, log, 60):
        return 'hang after SIGTERM'
    if 'Traceback' in run.last_output(work):
        return 'traceback after SIGTERM'
    DETAILS.append('{}: SIGTERM to {}, ended {:.1f} s later'.format(
        work, target, time.time() - signalled))
    return finish(work, hang_s, 'SIGTERM to {}: ended by itself, finished '
                  'after a restart'.format(target))


def inject_torn_journal(work: str, rng: random.Random, hang_s: float
                        ) -> str:
    started = hurt_mid_trial(prepared(work), rng, hang_s)
    if started is None:
        return 'not hurt (no trial mid-way)'
    proc, log = started
    for pid in run.every_process(proc):      # power lost
        os.kill(pid, signal.SIGKILL)
    run.wait(proc, log, hang_s)
    path = run.journal(os.path.join(work, 'out'))
    with open(path, 'rb') as f:
        data = f.read()
    last = len(data) - 1 - data[:-1].rfind(b'\n') - 1   # last line's text
    cut = rng.randint(1, max(1, last))
    with open(path, 'wb') as f:
        f.write(data[:len(data) - cut])
    DETAILS.append('{}: {} of the last line\'s {} bytes cut'.format(
        work, cut, last + 1))
    code = run.run_to_end(work, hang_s)
    if 'incomplete line' not in run.last_output(work):
        return 'torn line not reported (exit {})'.format(code)
    if code != 0:
        return 'restart ended {}'.format(code)
    wrong = study.problems(work)
    return '; '.join(wrong) if wrong else \
        'last line cut, reported, finished after a restart'


def inject_full_disk(work: str, rng: random.Random, hang_s: float) -> str:
    if os.geteuid() != 0:
        return 'skipped (mounting a tmpfs needs root)'
    disk = os.path.join(prepared(work), 'disk')
    os.makedirs(disk)
    size = PAGE * rng.randint(2, 4)
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size={}'.format(size),
                       'tmpfs', disk]).returncode != 0:
        return 'skipped (cannot mount a tmpfs)'
    try:
        return _full_disk(work, disk, hang_s)
    finally:
        _keep_journal(work, disk)
        subprocess.run(['umount', disk])


def _full_disk(work: str, disk: str, hang_s: float) -> str:
    path = run.journal(os.path.join(work, 'out'))
    os.makedirs(os.path.dirname(path))
    os.symlink(os.path.join(disk, 'journal.log'), path)
    code = run.run_to_end(work, hang_s)
    said = run.last_output(work)
    if code == 'hang':
        return 'hang on a full disk'
    if code == 0 or 'is full' not in said:
        return 'disk never filled (exit {})'.format(code)
    if 'Traceback' in said:
        return 'traceback on a full disk'
    if not study.ends_in_whole_lines(os.path.join(work, 'out')):
        return 'torn line left on a full disk'
    unreadable = study.readable(os.path.join(work, 'out'))
    if unreadable:
        return unreadable + ' on a full disk'
    DETAILS.append('{}: disk full with the journal at {} B, {} line(s) '
                   'saying so'.format(work, os.path.getsize(path),
                                      said.count('is full')))
    subprocess.run(['mount', '-o', 'remount,size=16m', disk], check=True)
    return finish(work, hang_s, 'disk full: one-line error, journal whole, '
                  'finished after space was freed')


def _keep_journal(work: str, disk: str) -> None:
    """The journal off the tmpfs, in place of its link."""
    path = run.journal(os.path.join(work, 'out'))
    if os.path.islink(path):
        os.remove(path)
        if os.path.exists(os.path.join(disk, 'journal.log')):
            shutil.copy(os.path.join(disk, 'journal.log'), path)


INJECT: dict[str, Inject] = {
    'tune-kill': inject_kill, 'tune-walltime': inject_walltime,
    'tune-torn-journal': inject_torn_journal,
    'tune-full-disk': inject_full_disk}
#: outcomes that are no failure (their beginnings)
CLEAN = ('worker killed, the other finished the budget',
         'worker killed, finished after a restart', 'SIGTERM to ',
         'last line cut, reported, finished after a restart',
         'disk full: one-line error', 'skipped', 'not hurt')


def clean(outcome: str) -> bool:
    return outcome.startswith(CLEAN)
