"""Pruning a trial from inside Chainer's training loop (optuna-integration
5 dropped its Chainer extension; this is ours).

At each evaluation :class:`PruningExtension` reads the objective's log key
(the held-out accuracy) from the trainer's observation and hands it, with
the evaluation's number as the step, to ``decide``: on one process
``trial.report`` then ``trial.should_prune``; under MPI rank 0 does that
and broadcasts the answer (experiments/tune/trial_ranks.py), so every rank
stops after the same iteration. A pruned run stops at the end of that
iteration through :class:`StopWhenPruned`, which wraps the trainer's stop
trigger; the checkpoint and log extensions of the iteration have run.
"""
import math
from collections.abc import Callable

from chainer import training

#: (value, step) -> prune now?
Decide = Callable[[float, int], bool]


class PruningExtension(training.Extension):
    """Report the objective at each evaluation; remember a prune."""

    # After the evaluators (PRIORITY_WRITER) have written the observation.
    priority = training.PRIORITY_EDITOR

    def __init__(self, key: str, decide: Decide) -> None:
        self.key = key
        self.decide = decide
        self.step = 0
        self.values: list[float] = []
        self.pruned_at: int | None = None

    def __call__(self, trainer: training.Trainer) -> None:
        if self.key not in trainer.observation:
            raise KeyError('the objective {} is not in the observation at '
                           'iteration {}: is the held-out split on '
                           '(holdout.enabled)?'.format(
                               self.key, trainer.updater.iteration))
        value = float(trainer.observation[self.key])
        self.step += 1
        self.values.append(value)
        reported = value if math.isfinite(value) else 0.0
        if self.decide(reported, self.step):
            self.pruned_at = self.step


class StopWhenPruned:
    """The trainer's stop trigger, or stop once the trial is pruned."""

    def __init__(self, stop_trigger: Callable[[training.Trainer], bool],
                 pruning: PruningExtension) -> None:
        self.stop_trigger = stop_trigger
        self.pruning = pruning

    def __call__(self, trainer: training.Trainer) -> bool:
        return self.pruning.pruned_at is not None or \
            bool(self.stop_trigger(trainer))

    def get_training_length(self) -> tuple[float, str]:
        # ProgressBar asks the stop trigger for the run's length.
        return self.stop_trigger.get_training_length()  # type: ignore


def attach(trainer: training.Trainer, key: str, decide: Decide,
           trigger: object) -> PruningExtension:
    """Add pruning to ``trainer`` at the evaluations' ``trigger``."""
    pruning = PruningExtension(key, decide)
    trainer.extend(pruning, trigger=trigger, name='pruning')
    trainer.stop_trigger = StopWhenPruned(trainer.stop_trigger, pruning)
    return pruning
