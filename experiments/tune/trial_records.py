"""A suite's tuning as read back from its storage: per cell, every trial
with its state, parameters, objective and cost (what the tuning report,
experiments/tune/comparison.py, is made of).

A trial's ``value`` is its objective at the end of the schedule for a
complete trial, at the evaluation it was pruned at for a pruned one, and
None for one that failed (a killed worker's: it was re-run) or diverged
before its first evaluation. Its cost is ``core_seconds`` (seconds x ranks,
experiments/tune/worker.py): failed trials recorded none, so the cost
counts the trials that ended (the work a killed worker lost is not in it).
"""
import dataclasses
from collections.abc import Mapping
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState


@dataclasses.dataclass(frozen=True)
class TrialRecord:
    """One trial of a cell."""
    number: int
    state: str                    # COMPLETE, PRUNED, FAIL, RUNNING, ...
    params: Mapping[str, float]
    value: float | None
    diverged: bool
    core_seconds: float

    @property
    def pruned(self) -> bool:
        return self.state == TrialState.PRUNED.name


@dataclasses.dataclass(frozen=True)
class CellTuning:
    """The trials of one cell's study."""
    cell: str
    trials: tuple[TrialRecord, ...]

    @property
    def ended(self) -> list[TrialRecord]:
        return [t for t in self.trials
                if t.state in (TrialState.COMPLETE.name,
                               TrialState.PRUNED.name)]

    @property
    def best(self) -> TrialRecord | None:
        complete = [t for t in self.trials
                    if t.state == TrialState.COMPLETE.name]
        return max(complete, key=lambda t: t.value or 0.0, default=None)

    @property
    def core_hours(self) -> float:
        return sum(t.core_seconds for t in self.trials) / 3600.0


def record(trial: FrozenTrial) -> TrialRecord:
    """The :class:`TrialRecord` of an Optuna trial."""
    value: Any = trial.value
    if value is None and trial.intermediate_values:
        value = trial.intermediate_values[max(trial.intermediate_values)]
    return TrialRecord(
        trial.number, trial.state.name, dict(trial.params),
        None if value is None else float(value),
        'diverged' in trial.user_attrs,
        float(trial.user_attrs.get('core_seconds', 0.0)))


def load(storage: BaseStorage, suite: str) -> dict[str, CellTuning]:
    """{cell: its trials} of every study of ``suite`` in ``storage``."""
    prefix = suite + '/'
    out = {}
    for name in sorted(optuna.get_all_study_names(storage)):
        if not name.startswith(prefix):
            continue
        study = optuna.load_study(study_name=name, storage=storage)
        cell = name[len(prefix):]
        out[cell] = CellTuning(cell, tuple(
            record(t) for t in study.get_trials(deepcopy=False)))
    return out
