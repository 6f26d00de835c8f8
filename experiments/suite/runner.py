#!/usr/bin/env python
"""Run every config of a suite; skip finished runs, resume interrupted ones.

    python scripts/run_suite.py quick              # Fashion-MNIST, ~15 min
    python scripts/run_suite.py hpml2019 --ranks 4 --device cuda
    python scripts/run_suite.py quick --jobs 2 --out results/

Each run goes to OUT/SUITE/RUN (config.yaml, env.json, log, train.log,
snapshots). A run with a DONE file is skipped; one with snapshots is resumed
from its latest complete checkpoint (``--resume auto``). One runner per
output folder (a lock naming its PID, host and batch job, with a heartbeat,
that a re-submitted job on another node can judge: scripts/suite_lock.py);
the training children die with the runner and stop within seconds of a
SIGTERM (scripts/suite_children.py). With ``--ranks N > 1`` each run is
started under ``mpiexec -n N`` (chainer_kfac.distributed.launch picks which:
the site's ``mpirun`` inside a PBS/Slurm/Grid Engine job, where
``--ranks-per-node`` and ``--hostfile`` place one rank per GPU). The suite's
_suite.yaml is copied to OUT/SUITE/suite.yaml; at the end the table
(scripts/make_table.py) and the report over all seeds with its figures
(scripts/report.py) are written.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import time

from experiments.folders.repository import ROOT

from experiments.suite import children as suite_children  # NOQA: E402
from experiments.suite import lock as suite_lock  # NOQA: E402
from experiments.folders import run_folder  # NOQA: E402  (stdlib only)
SUITES = {'hpml2019': 'configs/hpml2019', 'quick': 'configs/quick',
          'fmnist_e20': 'configs/fmnist_e20',
          'fmnist_e150': 'configs/fmnist_e150',
          # the original's examples (issue 24)
          'imagenet': 'configs/imagenet',
          'cifar10_examples': 'configs/cifar10_examples',
          'mnist_examples': 'configs/mnist_examples'}


def suite_configs(suite):
    folder = os.path.join(ROOT, SUITES.get(suite, suite))
    if not os.path.isdir(folder):
        sys.exit('error: unknown suite {!r}: use {} or a folder of '
                 'configs'.format(suite, ', '.join(SUITES)))
    return sorted(p for p in glob.glob(os.path.join(folder, '*.yaml'))
                  if not os.path.basename(p).startswith('_'))


def copy_suite_file(configs, suite_out):
    """The suite's _suite.yaml (target accuracy, SB/LB batch sizes) to
    OUT/SUITE/suite.yaml, where the table and report read it."""
    source = os.path.join(os.path.dirname(configs[0]), '_suite.yaml')
    if not os.path.exists(source):
        sys.exit('error: {} is missing: the report needs the suite\'s target '
                 'accuracy and SB/LB batch sizes (see configs/quick/'
                 '_suite.yaml)'.format(source))
    shutil.copyfile(source, os.path.join(suite_out, 'suite.yaml'))


def parse_seeds(spec):
    """``'0-4'`` -> [0, 1, 2, 3, 4]; ``'0,2,5'`` -> [0, 2, 5]."""
    seeds = []
    for part in spec.split(','):
        part = part.strip()
        try:
            if '-' in part[1:]:
                lo, hi = part.split('-', 1)
                seeds.extend(range(int(lo), int(hi) + 1))
            else:
                seeds.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                '--seeds {!r}: use a range (0-4) or a list (0,2,5) of '
                'integers'.format(spec)) from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(
            '--seeds {!r}: no seeds, or a seed given twice'.format(spec))
    return seeds


def default_seeds(suite_yaml):
    """The suite file's ``seeds`` (None: one run per config, with the
    config's own seed)."""
    from experiments.folders import suite_file
    spec = suite_file.load(suite_yaml).seeds
    if spec is None:
        return None
    try:
        return parse_seeds(spec)
    except argparse.ArgumentTypeError as e:
        sys.exit('error: {}: seeds: {}'.format(suite_yaml, e))


def planned_runs(configs, suite_out, seeds):
    """(name, config, out, overrides) for each run; with seeds, one run per
    seed and config in OUT/SUITE/seed_N/RUN, seed by seed."""
    if seeds is None:
        return [(os.path.basename(c)[:-5], c,
                 os.path.join(suite_out, os.path.basename(c)[:-5]), [])
                for c in configs]
    return [('seed_{}/{}'.format(s, os.path.basename(c)[:-5]), c,
             os.path.join(suite_out, 'seed_{}'.format(s),
                          os.path.basename(c)[:-5]),
             ['seed={}'.format(s)]) for s in seeds for c in configs]


def command(config, out, args, overrides=()):
    cmd = [sys.executable, os.path.join(ROOT, 'experiments', 'train.py'),
           '--config', config, '--out', out, '--resume', 'auto', '--quiet']
    if args.no_malloc_tuning:
        cmd.append('--no-malloc-tuning')
    if args.device is not None:
        cmd += ['--set', 'device={}'.format(args.device)]
    for item in list(args.set) + list(overrides):
        cmd += ['--set', item]
    if args.ranks > 1:
        from chainer_kfac.distributed.launch import mpiexec_argv
        cmd = mpiexec_argv(args.ranks, ranks_per_node=args.ranks_per_node,
                           hostfile=args.hostfile) + cmd
    return cmd


def _gpu_slots(args):
    """CUDA_VISIBLE_DEVICES of each job slot with --device cuda, else []."""
    if args.device != 'cuda':
        return []
    from experiments.suite import gpu_slots
    try:
        # GPUs are per node: what shares them is the ranks on one node.
        slots, note = gpu_slots.plan(
            args.jobs, args.ranks_per_node or args.ranks,
            gpu_slots.visible_gpus())
    except ValueError as e:
        sys.exit('error: {}'.format(e))
    print('GPUs: {}; CUDA_VISIBLE_DEVICES per job: {}'.format(
        note, ' | '.join(slots)), flush=True)
    return slots


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('suite', help='quick, hpml2019, or a config folder')
    parser.add_argument('--ranks', type=int, default=1)
    parser.add_argument('--ranks-per-node', type=int, default=None,
                        help='cluster jobs: ranks (GPUs) on each node')
    parser.add_argument('--hostfile', default=None,
                        help="cluster jobs: the scheduler's hostfile "
                             '($PBS_NODEFILE, ...)')
    parser.add_argument('--device', default=None,
                        help='-1 (CPU), cuda (a GPU per rank; each job its '
                             'own GPUs via CUDA_VISIBLE_DEVICES) or @cupy:N; '
                             "default: the configs'")
    parser.add_argument('--out', default=os.path.join(ROOT, 'results'))
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs at a time (each with one BLAS thread)')
    parser.add_argument('--set', action='append', default=[],
                        metavar='KEY=VALUE', help='override for every run')
    parser.add_argument('--only', nargs='*', help='run only these runs')
    parser.add_argument('--seeds', type=parse_seeds, default=None,
                        help='run every config once per seed, e.g. 0-4 or '
                             '0,2,5, into OUT/SUITE/seed_N/RUN; default: '
                             "the suite file's seeds, if any")
    parser.add_argument('--no-malloc-tuning', action='store_true',
                        help="keep glibc's default malloc settings")
    args = parser.parse_args()

    configs = suite_configs(args.suite)
    if args.only:
        configs = [c for c in configs
                   if os.path.basename(c)[:-5] in args.only]
    suite_out = os.path.join(args.out, os.path.basename(
        SUITES.get(args.suite, args.suite).rstrip('/')))
    os.makedirs(suite_out, exist_ok=True)
    try:
        lock = suite_lock.SuiteLock(suite_out).acquire()
    except suite_lock.LockHeld as e:
        sys.exit('error: {}'.format(e))
    children = suite_children.ChildGroups()
    children.install_signal_handlers()
    try:
        run_all(args, configs, suite_out, children)
    finally:
        children.stop_all()
        lock.release()


def run_all(args, configs, suite_out, children):
    copy_suite_file(configs, suite_out)
    if args.seeds is None:
        args.seeds = default_seeds(os.path.join(suite_out, 'suite.yaml'))
    # train.py itself uses one BLAS thread and keeps freed memory
    # (chainer_kfac.runtime); --no-malloc-tuning is passed on to it.
    env = dict(os.environ, MPLBACKEND='Agg', PYTHONUNBUFFERED='1')
    if args.ranks > 1:
        from chainer_kfac.distributed.launch import describe
        print(describe(), flush=True)
    pending = unfinished_runs(configs, suite_out, args.seeds)
    start_all = time.time()
    failed = Scheduler(args, env, children, len(pending)).run(pending)
    print('suite {} took {:.0f} s'.format(args.suite,
                                         time.time() - start_all))
    for script in ('make_table.py', 'report.py'):
        subprocess.call([sys.executable, os.path.join(ROOT, 'scripts',
                                                      script), suite_out],
                        env=env)
    if failed:
        sys.exit('failed runs: {}'.format(', '.join(failed)))


def unfinished_runs(configs, suite_out, seeds):
    """(name, config, out, overrides) of every planned, unfinished run."""
    pending = []
    for name, config, out, overrides in planned_runs(configs, suite_out,
                                                     seeds):
        if run_folder.is_finished(out):
            print('[skip]    {} (finished)'.format(name))
            continue
        pending.append((name, config, out, overrides))
    return pending


class Scheduler:
    """Runs train.py for each pending run, ``args.jobs`` at a time, each
    with a GPU slot of its own when there are slots."""

    def __init__(self, args, env, children, total):
        self.args, self.env, self.children = args, env, children
        self.total = total
        self.free_slots = _gpu_slots(args)
        self.running, self.failed = [], []

    def run(self, pending):
        """Run everything in ``pending`` (emptied); return failed names."""
        while pending or self.running:
            while pending and len(self.running) < self.args.jobs:
                self._start(*pending.pop(0))
            time.sleep(1)
            self._reap(len(pending))
        return self.failed

    def _start(self, name, config, out, overrides):
        os.makedirs(out, exist_ok=True)
        resumed = bool(glob.glob(os.path.join(out, 'snapshot_epoch_*')))
        log = open(os.path.join(out, 'train.log'), 'a')
        slot = self.free_slots.pop(0) if self.free_slots else None
        job_env = self.env if slot is None else dict(
            self.env, CUDA_VISIBLE_DEVICES=slot)
        proc = self.children.popen(
            command(config, out, self.args, overrides), stdout=log,
            stderr=subprocess.STDOUT, env=job_env, cwd=ROOT)
        self.running.append((name, out, proc, log, time.time(), slot))
        print('[start]   {} ({}) -> {}'.format(
            name, 'resuming' if resumed else 'new', out), flush=True)

    def _reap(self, n_pending):
        for item in list(self.running):
            name, out, proc, log, started, slot = item
            if proc.poll() is None:
                continue
            self.running.remove(item)
            if slot is not None:
                self.free_slots.append(slot)
            log.close()
            done = self.total - n_pending - len(self.running)
            if proc.returncode == 0:
                print('[done]    {} in {:.0f} s ({}/{})'.format(
                    name, time.time() - started, done, self.total),
                    flush=True)
            else:
                self.failed.append(name)
                print('[FAILED]  {} (exit {}); see {}'.format(
                    name, proc.returncode, os.path.join(out, 'train.log')),
                    flush=True)


if __name__ == '__main__':
    main()
