"""Training the suite's pending runs, ``--jobs`` at a time.

Each run is a child process, ``python -m experiments train --config C --out
RUN --resume auto --quiet`` (under ``mpiexec -n N`` with ``--ranks N > 1``,
chainer_kfac.distributed.launch), started in its own process group
(experiments/suite/children.py) with its output appended to RUN/train.log.
With ``--device cuda`` each job slot has GPUs of its own
(experiments/suite/gpu_slots.py) through CUDA_VISIBLE_DEVICES.
"""
import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import IO, NamedTuple

from experiments.folders import snapshots
from experiments.folders.repository import ROOT
from experiments.suite import children as suite_children
from experiments.suite import gpu_slots
from experiments.suite.plan import PlannedRun


@dataclasses.dataclass(frozen=True)
class Launch:
    """How every run of the suite is started (the runner's options)."""
    ranks: int = 1
    ranks_per_node: int | None = None
    hostfile: str | None = None
    device: str | None = None
    jobs: int = 1
    settings: tuple[str, ...] = ()       # --set KEY=VALUE for every run
    no_malloc_tuning: bool = False

    @property
    def ranks_on_node(self) -> int:
        """The ranks that share one node's GPUs."""
        return self.ranks_per_node or self.ranks


def command(config: str, out: str, launch: Launch,
            overrides: Sequence[str] = ()) -> list[str]:
    """The child's command line for one run."""
    cmd = [sys.executable, '-m', 'experiments', 'train', '--config', config,
           '--out', out, '--resume', 'auto', '--quiet']
    if launch.no_malloc_tuning:
        cmd.append('--no-malloc-tuning')
    if launch.device is not None:
        cmd += ['--set', 'device={}'.format(launch.device)]
    for item in list(launch.settings) + list(overrides):
        cmd += ['--set', item]
    if launch.ranks > 1:
        from chainer_kfac.distributed.launch import mpiexec_argv
        cmd = mpiexec_argv(launch.ranks,
                           ranks_per_node=launch.ranks_per_node,
                           hostfile=launch.hostfile) + cmd
    return cmd


def job_slots(launch: Launch) -> list[str]:
    """CUDA_VISIBLE_DEVICES of each job slot with --device cuda, else []."""
    if launch.device != 'cuda':
        return []
    # GPUs are per node: what shares them is the ranks on one node.
    slots, note = gpu_slots.plan(launch.jobs, launch.ranks_on_node,
                                 gpu_slots.visible_gpus())
    print('GPUs: {}; CUDA_VISIBLE_DEVICES per job: {}'.format(
        note, ' | '.join(slots)), flush=True)
    return slots


class Running(NamedTuple):
    """A started run: its child, its log file, when, on which GPU slot."""
    name: str
    out: str
    proc: 'subprocess.Popen[bytes]'
    log: IO[str]
    started: float
    slot: str | None


class Scheduler:
    """Runs training for each pending run, ``launch.jobs`` at a time, each
    with a GPU slot of its own when there are slots."""

    def __init__(self, launch: Launch, env: Mapping[str, str],
                 children: suite_children.ChildGroups, total: int) -> None:
        self.launch, self.env, self.children = launch, env, children
        self.total = total
        self.free_slots = job_slots(launch)
        self.running: list[Running] = []
        self.failed: list[str] = []

    def run(self, pending: list[PlannedRun]) -> list[str]:
        """Run everything in ``pending`` (emptied); return failed names."""
        while pending or self.running:
            while pending and len(self.running) < self.launch.jobs:
                self._start(pending.pop(0))
            time.sleep(1)
            self._reap(len(pending))
        return self.failed

    def _start(self, run: PlannedRun) -> None:
        os.makedirs(run.out, exist_ok=True)
        resumed = bool(snapshots.checkpoint_files(run.out))
        log = open(os.path.join(run.out, 'train.log'), 'a')
        slot = self.free_slots.pop(0) if self.free_slots else None
        job_env = dict(self.env) if slot is None else dict(
            self.env, CUDA_VISIBLE_DEVICES=slot)
        proc = self.children.popen(
            command(run.config, run.out, self.launch, run.overrides),
            stdout=log, stderr=subprocess.STDOUT, env=job_env, cwd=ROOT)
        self.running.append(Running(run.name, run.out, proc, log,
                                    time.time(), slot))
        print('[start]   {} ({}) -> {}'.format(
            run.name, 'resuming' if resumed else 'new', run.out), flush=True)

    def _reap(self, n_pending: int) -> None:
        for item in list(self.running):
            if item.proc.poll() is None:
                continue
            self.running.remove(item)
            if item.slot is not None:
                self.free_slots.append(item.slot)
            item.log.close()
            done = self.total - n_pending - len(self.running)
            if item.proc.returncode == 0:
                print('[done]    {} in {:.0f} s ({}/{})'.format(
                    item.name, time.time() - item.started, done,
                    self.total), flush=True)
            else:
                self.failed.append(item.name)
                print('[FAILED]  {} (exit {}); see {}'.format(
                    item.name, item.proc.returncode,
                    os.path.join(item.out, 'train.log')), flush=True)
