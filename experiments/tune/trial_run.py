"""One trial's training, in this process: the cell's config with the
trial's parameters, trained on the training set less its held-out split,
judged on that split, pruned from inside the loop.

The trial's folder is a run folder like any other (config.yaml with the
resolved config, env.json, Chainer's JSON log, DONE when it ends); a
trial is never resumed (a killed one is run again from its start,
experiments/tune/storage.py), so a folder left by a killed worker is
started afresh. A run whose loss or K-FAC's curvature turns non-finite
(``ArithmeticError``: FloatingPointError, K-FAC's KFACError and
NotPositiveDefiniteError) *diverged*: it ends the trial as pruned, with
the error kept beside it, instead of failing the worker.
"""
import dataclasses
import os
import time
from collections.abc import Sequence

from chainer_kfac.distributed import KFACCommunicator

from experiments.folders import run_folder
from experiments.train import config as config_module
from experiments.train import extensions as exp_extensions
from experiments.train import gpu_info
from experiments.train import output_folder
from experiments.train import training
from experiments.tune import pruning


@dataclasses.dataclass(frozen=True)
class TrialResult:
    """What a trial's training gave."""
    values: tuple[float, ...]     # the objective at each evaluation
    pruned_at: int | None         # the evaluation it was pruned at
    diverged: str | None          # the error of a run that diverged
    iterations: int
    seconds: float

    @property
    def finished_schedule(self) -> bool:
        return self.pruned_at is None and self.diverged is None


def trial_overrides(holdout_fraction: float, holdout_seed: int,
                    fixed: Sequence[str], params: Sequence[str]) -> list[str]:
    """The ``--set`` overrides of a trial: the held-out split on, the test
    set unread, the tuning file's fixed keys, then the parameters."""
    return ['holdout.enabled=true', 'holdout.test_set=false',
            'holdout.fraction={!r}'.format(holdout_fraction),
            'holdout.seed={}'.format(holdout_seed)] + list(fixed) + \
        list(params)


def train_trial(config_path: str, overrides: Sequence[str], out: str,
                comm: KFACCommunicator | None, objective: str,
                decide: pruning.Decide) -> TrialResult:
    """Train ``config_path`` with ``overrides`` into ``out``."""
    config = config_module.load_config(config_path, list(overrides))
    root = comm is None or comm.rank == 0
    if root:
        output_folder.prepare(out)
        run_folder.clear_finished(out)
    trainer, info, device = training.build_trainer(config, out, comm,
                                                   progress=False)
    if root:
        config_module.save_config(config, os.path.join(out, 'config.yaml'))
        exp_extensions.write_env(
            os.path.join(out, 'env.json'), comm, device, info, config_path,
            ['python', '-m', 'experiments', 'tune', '(trial)'] +
            list(overrides))
        print('trial run: {} on {} ({})'.format(
            config_path, info['dataset'], gpu_info.describe(device)),
            flush=True)
    watch = pruning.attach(trainer, objective, decide,
                           training.evaluation_trigger(config))
    start = time.time()
    diverged = _run(trainer)
    if root:
        run_folder.mark_finished(out, trainer.updater.iteration)
    return TrialResult(tuple(watch.values), watch.pruned_at, diverged,
                       int(trainer.updater.iteration), time.time() - start)


def _run(trainer: object) -> str | None:
    """Run the loop; the message of a divergence, else None."""
    try:
        trainer.run(show_loop_exception_msg=False)  # type: ignore[attr-defined]
    except ArithmeticError as error:
        return '{}: {}'.format(type(error).__name__, error)
    return None
