"""Each cell's budget: exactly ``trials`` finished trials, however many
workers share the study and however often one of them is killed.

A trial *holds* a place in the budget while it is waiting (a re-queued
trial of a killed worker), running, complete or pruned; a failed trial
holds none (its retry does). A worker may start a trial only while fewer
than ``trials`` places are held; it asks Optuna, then keeps the trial only
if fewer than ``trials`` trials *numbered before it* hold a place. Of two
workers that asked at once for the last place, the later-numbered one
thus gives its trial back (told FAILED, marked ``over_budget``, never
re-queued), without any lock shared between the workers.
"""
from collections.abc import Sequence

import optuna
from optuna.trial import FrozenTrial, TrialState

HOLDING = (TrialState.WAITING, TrialState.RUNNING, TrialState.COMPLETE,
           TrialState.PRUNED)
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
OVER_BUDGET = 'over_budget'


def trials_in(study: optuna.Study,
              states: Sequence[TrialState]) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=tuple(states))


def finished(study: optuna.Study) -> int:
    """Trials that count as done: complete or pruned."""
    return len(trials_in(study, FINISHED))


def room_for_another(study: optuna.Study, trials: int) -> bool:
    """A trial may be asked for: a re-queued one waits, or places are
    left."""
    if trials_in(study, (TrialState.WAITING,)):
        return True
    return len(trials_in(study, HOLDING)) < trials


def keep(study: optuna.Study, trial: optuna.Trial, trials: int) -> bool:
    """Whether the trial just asked for lies within the budget; if not, it
    is given back (FAILED, ``over_budget``)."""
    before = [t for t in trials_in(study, HOLDING)
              if t.number < trial.number]
    if len(before) < trials:
        return True
    trial.set_user_attr(OVER_BUDGET, True)
    study.tell(trial, state=TrialState.FAIL)
    return False
