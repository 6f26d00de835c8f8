"""Trainer extensions of the experiments."""
import json
import os
import platform
import socket
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy

import chainer
from chainer import training

from chainer_kfac.distributed import KFACCommunicator
from chainer_kfac.extensions.lr_schedule import LearningRateSchedule
from experiments.data.data_info import DataInfo
from experiments.folders import provenance
from experiments.train import gpu_info


class StepLRSchedule(LearningRateSchedule):
    """lr = base_lr * factor ** (number of drop epochs already passed).

    "5e-3 -> 2.5e-3 (71epoch)" is ``drop_epochs=[71], factor=0.5``: from the
    first iteration after epoch 71 is complete, the rate is halved. The rate
    is a function of the updater's ``epoch_detail`` only, so a resumed run
    gets the same schedule.

    For K-FAC it sets ``lr_pre`` to the rate in use before each call, as
    Chainer_K-FAC's schedules do (examples/imagenet/train.py,
    LrPolynomialDecay), so ``adjust_momentum`` scales the momentum of the
    step after a drop by new/old. ``initialize`` sets the rate only:
    ``lr_pre`` is the optimizer's (its ``lr`` when new, the snapshot's when
    resumed).
    """

    trigger = 1, 'iteration'

    def __init__(self, base_lr: float, drop_epochs: Sequence[float],
                 factor: float, attr: str = 'lr') -> None:
        self.base_lr = base_lr
        self.drop_epochs = sorted(drop_epochs)
        self.factor = factor
        super(StepLRSchedule, self).__init__(attr)

    def lr_at(self, epoch_detail: float) -> float:
        drops = sum(1 for e in self.drop_epochs if epoch_detail >= e)
        return self.base_lr * self.factor ** drops


class FractionOfEpochTrigger(object):
    """Fire ``per_epoch`` times an epoch, and always at an epoch's end.

    With ``per_epoch=4`` the test set is evaluated (and the log written)
    every quarter epoch, so "iterations to reach X %" is resolved to a
    quarter epoch rather than a whole one. With ``dense_epochs=N`` the
    fractions are only taken in the first N epochs (once an epoch after):
    a 150-epoch run keeps the early, fast-moving part resolved without
    paying for 600 evaluations. Stateless: it compares the updater's
    ``previous_epoch_detail`` with ``epoch_detail``, so a resumed run fires
    at the same iterations.
    """

    def __init__(self, per_epoch: int,
                 dense_epochs: int | None = None) -> None:
        if int(per_epoch) < 1:
            raise ValueError('evals_per_epoch must be >= 1, not {!r}'.format(
                per_epoch))
        if dense_epochs is not None and int(dense_epochs) < 0:
            raise ValueError('dense_eval_epochs must be >= 0 or null, not '
                             '{!r}'.format(dense_epochs))
        self.per_epoch = int(per_epoch)
        self.dense_epochs = dense_epochs

    def __call__(self, trainer: Any) -> bool:
        updater = trainer.updater
        if updater.is_new_epoch:
            return True
        before = updater.previous_epoch_detail
        if before is None or before < 0:
            before = 0.0
        crossed = numpy.floor(updater.epoch_detail * self.per_epoch + 1e-9)
        if crossed <= numpy.floor(before * self.per_epoch + 1e-9):
            return False
        return bool(self.dense_epochs is None or
                    crossed / self.per_epoch < self.dense_epochs)


class MeanOverRanks(training.Extension):
    """Replace observations with their mean over all ranks (one allreduce
    per iteration), so that the log reports the whole global batch rather
    than rank 0's share. (ChainerMN's ObservationAggregator needs ChainerX.)
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_EDITOR

    def __init__(self, comm: KFACCommunicator, keys: Sequence[str]) -> None:
        self.comm = comm
        self.keys = keys

    def __call__(self, trainer: Any) -> None:
        obs = trainer.observation
        values = numpy.array([_to_float(obs[k]) if k in obs else numpy.nan
                              for k in self.keys])
        total = self.comm.allreduce_obj(values)
        for key, value in zip(self.keys, total / self.comm.size, strict=True):
            if key in obs:
                obs[key] = float(value)


def _to_float(value: Any) -> float:
    return float(chainer.backend.CpuDevice().send(
        getattr(value, 'array', value)))


class SkippedStepsReport(training.Extension):
    """Report ``kfac/skipped_steps``, the number of updates K-FAC skipped
    so far (``on_nonfinite: skip``), so that the log records them; for a
    :class:`chainer_kfac.optimizers.KFAC` (experiments/training.py adds it
    only there)."""

    priority = training.PRIORITY_WRITER

    def __call__(self, trainer: Any) -> None:
        optimizer = trainer.updater.get_optimizer('main')
        chainer.report({'kfac/skipped_steps': optimizer.skipped_steps})


class NonFiniteLossGuard(training.Extension):
    """Stop the run, with a snapshot, when the training loss is NaN or inf.

    K-FAC raises on non-finite gradients by itself; this also catches a
    non-finite loss under momentum SGD before it trains on NaN.
    """

    trigger = 1, 'iteration'
    priority = training.PRIORITY_EDITOR

    def __init__(self, save_snapshot: Callable[[Any], str]) -> None:
        self.save_snapshot = save_snapshot

    def __call__(self, trainer: Any) -> None:
        loss = trainer.observation.get('main/loss')
        if loss is None:
            return
        value = _to_float(loss)
        if numpy.isfinite(value):
            return
        path = self.save_snapshot(trainer)
        raise FloatingPointError(
            'training loss is {} at iteration {} (epoch {:.2f}); snapshot '
            'saved to {}. Lower the learning rate or raise the damping, then '
            'resume or restart.'.format(value, trainer.updater.iteration,
                                        trainer.updater.epoch_detail, path))


def runtime_fields() -> dict[str, Any]:
    """BLAS threads and malloc settings in force (env.json 'runtime')."""
    from chainer_kfac import runtime
    return runtime.runtime_record()


def write_env(path: str, comm: KFACCommunicator | None, device: Any,
              data_info: DataInfo, config_path: str,
              argv: Sequence[str]) -> None:
    """OUT/env.json: versions, ranks, device, dataset and where it came
    from."""
    import chainer_kfac
    versions = {'python': platform.python_version(),
                'numpy': numpy.__version__, 'chainer': chainer.__version__,
                'chainer_kfac': chainer_kfac.__version__}
    try:
        import mpi4py
        versions['mpi4py'] = mpi4py.__version__
    except ImportError:
        pass
    if 'cupy' in sys.modules:
        versions['cupy'] = sys.modules['cupy'].__version__
    env: dict[str, Any] = {
        'command': list(argv), 'config': os.path.abspath(config_path),
        'started': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'host': socket.gethostname(), 'platform': platform.platform(),
        'versions': versions,
        'ranks': 1 if comm is None else comm.size,
        'device': str(device), 'dataset': data_info,
        'compat_patches': sorted(chainer_kfac._compat.applied()),
        'gpu_stack': gpu_info.gpu_stack(),
        'env': {k: os.environ[k] for k in ('OMP_NUM_THREADS',
                                           'OPENBLAS_NUM_THREADS')
                if k in os.environ},
    }
    env['git'] = provenance.git_state()
    env['runtime'] = runtime_fields()
    env['starts'] = previous_starts(path) + [dict(env)]
    from experiments.train import checkpoint
    checkpoint.save_json(path, env, indent=1)


def previous_starts(path: str) -> list[dict[str, Any]]:
    """The ``starts`` already in env.json (one entry per start of the run;
    the top-level keys describe the latest start)."""
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        return []
    return old.get('starts', [{k: v for k, v in old.items()}])
