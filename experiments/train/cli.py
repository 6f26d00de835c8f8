"""``python -m experiments train``: train one config with momentum SGD or
K-FAC, alone or under mpiexec.

    python -m experiments train --config configs/hpml2019/lb_kfac_mixup.yaml \
        [--set key=value ...] [--out DIR] [--resume SNAPSHOT|auto]
    mpiexec -n 4 python -m experiments train --config ...

(``python -m experiments.train.cli ARGS`` is the same.) Under mpiexec: the
chainer_kfac MPI communicator, scatter_dataset, the multi-node evaluator,
DistributedKFAC or multi-node momentum SGD; only rank 0 prints and writes
the logs (every rank writes its own snapshot file; rank 0 commits the
checkpoint, experiments/train/checkpoint.py). An error on any rank ends
all ranks (experiments/train/failure.py), and so does a rank that ends
before the others; a resume with another config, rank count or data, and a
start in a folder of another experiment (without --overwrite), are refused
(experiments/train/resume_check.py); an unusable --out is named
(experiments/train/output_folder.py). A refusal is a
:class:`~experiments.errors.StudyError` raised on rank 0 (its message is
shown once) while the other ranks end quietly with status 1.
Outputs in OUT: config.yaml (the resolved config), env.json, log (Chainer's
JSON log), loss.png/accuracy.png, snapshot_epoch_N[.rankR] and
snapshot_epoch_N.complete.
Each process runs with one BLAS thread and glibc malloc keeping freed memory
(chainer_kfac.runtime; --blas-threads N, --no-malloc-tuning change that);
env.json's 'runtime' records what was in force, and its 'command' the
command line as :data:`COMMAND` plus the arguments.
"""
import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

os.environ.setdefault('MPLBACKEND', 'Agg')

import chainer_kfac  # NOQA: E402,F401  (compatibility layer before Chainer)
from chainer_kfac import runtime  # NOQA: E402
from chainer_kfac.distributed import KFACCommunicator  # NOQA: E402
from chainer_kfac.distributed.nccl_check import \
    NcclUnavailableError  # NOQA: E402

from experiments import errors  # NOQA: E402
from experiments.data.data_info import DataInfo  # NOQA: E402
from experiments.folders import run_folder  # NOQA: E402
from experiments.train import checkpoint  # NOQA: E402
from experiments.train import comm_setup  # NOQA: E402
from experiments.train import config as config_module  # NOQA: E402
from experiments.train import devices  # NOQA: E402
from experiments.train import extensions as exp_extensions  # NOQA: E402
from experiments.train import failure  # NOQA: E402
from experiments.train import gpu_info  # NOQA: E402
from experiments.train import output_folder  # NOQA: E402
from experiments.train import resume  # NOQA: E402
from experiments.train import training  # NOQA: E402

#: env.json's ``command`` is this plus the arguments: the command line that
#: repeats the start (``python -m experiments.train.cli`` is the same).
COMMAND = ('python', '-m', 'experiments', 'train')


def _thread_count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            'must be a whole number >= 1, got {}'.format(text))
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m experiments train',
        description='Train LeNet-5 with momentum SGD or K-FAC.')
    parser.add_argument('--config', required=True, help='YAML config file')
    parser.add_argument('--set', action='append', default=[],
                        metavar='KEY=VALUE',
                        help='override a config key (repeatable), e.g. '
                             '--set optimizer.lr=0.01 --set epochs=2')
    parser.add_argument('--out', help='output folder (default: '
                        'results/<config name>)')
    parser.add_argument('--resume', help='a snapshot_epoch_N file of this '
                        "run, or 'auto' for the latest one in --out")
    parser.add_argument('--overwrite', action='store_true',
                        help='start afresh in an --out that holds another '
                        "run: delete that run's files first (without it, "
                        'such a folder is refused)')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar and no per-epoch table')
    parser.add_argument('--blas-threads', type=_thread_count, default=None,
                        help='BLAS threads per process (default: 1, or '
                        'OMP_NUM_THREADS/OPENBLAS_NUM_THREADS if exported)')
    parser.add_argument('--no-malloc-tuning', action='store_true',
                        help="keep glibc's default malloc settings instead "
                        'of keeping freed memory in the process')
    args = parser.parse_args(argv)
    if args.overwrite and args.resume:
        parser.error('--overwrite starts afresh; it cannot be combined with '
                     '--resume')
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Train the run ``argv`` describes; 0 once it has finished. A
    :class:`~experiments.errors.StudyError` (a refused config, device,
    dataset or resume; a full disk) goes up to the caller, on rank 0; the
    other ranks of a refusal return 1 without a message."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.command = list(COMMAND) + argv
    try:
        _start(args)
    except failure.QuietExit:
        return errors.EXIT_ERROR
    return 0


def _start(args: argparse.Namespace) -> None:
    """The config, the process defaults and the communicator (an error in
    them is the same on every rank: rank 0 raises it), then :func:`run`
    with every rank ending together."""
    try:
        config = config_module.load_config(args.config, args.set)
    except config_module.ConfigError as e:
        failure.raise_on_every_rank(e)
    runtime.apply_process_defaults(
        args.blas_threads or 'auto', not args.no_malloc_tuning)
    try:
        comm = comm_setup.make_communicator(config, training.in_mpi_launch())
        devices.check_available(config['device'], comm)
        training.per_rank_batch(config, comm)
    except (devices.DeviceError, NcclUnavailableError,
            config_module.ConfigError) as e:
        failure.raise_on_every_rank(e)
    with failure.raise_on_signals(), \
            failure.end_all_ranks_on_failure(comm) as agreement:
        run(args, config, comm, agreement)


def run(args: argparse.Namespace, config: config_module.Config,
        comm: KFACCommunicator | None,
        agreement: failure.Agreement | None = None) -> None:
    """Prepare ``--out``, plan the resume, build and run the Trainer."""
    rank = 0 if comm is None else comm.rank
    out = args.out or os.path.join(
        'results', os.path.splitext(os.path.basename(args.config))[0])
    resume.refuse_if(lambda: output_folder.prepare(out), comm)
    snapshot = resume.plan(args.resume, out, config, comm, args.overwrite)
    removed = checkpoint.remove_stale_temporaries(out, comm)
    if removed:
        sys.stderr.write('removed temporary files of a stopped run: '
                         '{}\n'.format(', '.join(removed)))
    trainer, info, device = training.build_trainer(
        config, out, comm, progress=not args.quiet)
    if snapshot:
        resume.check_data(os.path.dirname(os.path.abspath(snapshot)), info,
                          comm)
    if rank == 0:
        _record_start(args, config, out, comm, device, info)
    if snapshot:
        resume.load(trainer, snapshot)
        if rank == 0:
            print('resumed from {} (epoch {}, iteration {})'.format(
                snapshot, trainer.updater.epoch, trainer.updater.iteration))
    trainer.extend(failure.StopOnSignal(agreement))
    with failure.signals_at_iteration_ends():
        trainer.run()
    failure.check_stop(agreement)
    if rank == 0:
        run_folder.mark_finished(out, trainer.updater.iteration)


def _record_start(args: argparse.Namespace, config: config_module.Config,
                  out: str, comm: KFACCommunicator | None, device: Any,
                  info: DataInfo) -> None:
    """Rank 0: config.yaml, the start line, env.json (atomic writes); a
    DONE of an earlier start goes until this one finishes."""
    config_module.save_config(config, os.path.join(out, 'config.yaml'))
    run_folder.clear_finished(out)
    path = info.get('path')
    print('dataset: {} ({}{}); {} rank(s); device {}; output {}'.format(
        info['dataset'], info['source'], ', ' + path if path else '',
        1 if comm is None else comm.size, gpu_info.describe(device), out))
    exp_extensions.write_env(os.path.join(out, 'env.json'), comm, device,
                             info, args.config, args.command)


if __name__ == '__main__':
    sys.exit(errors.run(main))
