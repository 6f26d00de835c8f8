"""Reading run folders (config.yaml, log, DONE, sharpness.json) for tables,
figures and the report: each folder is read ONCE into a frozen record.

A results folder holds run folders (with config.yaml) at any depth, e.g.
``SUITE/seed_N/RUN``; a run's seed is its config's ``seed``, its cell
(optimizer, batch class, mixup) comes from its config and the suite file.
:func:`load_study` reads every run of a report (or a table) once, places
each in its cell and checks that no cell and seed comes twice; the
aggregates, claims, time to accuracy, tables and figures all take the
records it returns. :func:`find_runs` reads run folders without a suite
(``python -m experiments sharpness`` uses it).
"""
import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypedDict

import yaml

from experiments.errors import StudyError
from experiments.folders import run_folder
from experiments.folders.suite_file import Suite

OPTIMIZER_LABEL = {'momentum_sgd': 'SGD', 'kfac': 'K-FAC'}
ACC = 'validation/main/accuracy'
LOG = 'log'
SHARPNESS = 'sharpness.json'

#: (optimizer, 'SB' or 'LB', mixup)
Cell = tuple[str, str, bool]
#: the resolved config (config.yaml) and one entry of the JSON log
Config = Mapping[str, Any]
LogEntry = Mapping[str, Any]


class UnreadableFile(StudyError):
    """A run's JSON file (log, sharpness.json) does not parse."""


class NoRuns(StudyError):
    """The folders named hold no run folder."""


class SameRunTwice(StudyError):
    """Two folders hold the same cell and seed."""


class Kind(TypedDict):
    """sharpness.json's record of one kind of random direction."""
    direction_seeds: list[int]
    sharpness: list[float]
    train_loss: list[list[float]]


class Landscape(TypedDict):
    """sharpness.json: the loss along random directions of a run's final
    model (``python -m experiments sharpness`` writes it)."""
    alphas: list[float]
    kinds: dict[str, Kind]


class Point(NamedTuple):
    """One log entry's value of a key."""
    epoch: int
    iteration: int
    value: float


@dataclasses.dataclass(frozen=True)
class Run:
    """One run folder as read: its resolved config, its JSON log, whether
    it finished and its loss landscape (sharpness.json; None if not
    computed)."""
    path: str
    name: str
    config: Config
    log: tuple[LogEntry, ...]
    finished: bool
    landscape: Landscape | None

    @property
    def optimizer(self) -> str:
        name: str = self.config['optimizer']['name']
        return name

    @property
    def batch(self) -> int:
        batch: int = self.config['batch_size']
        return batch

    @property
    def seed(self) -> int:
        seed: int = self.config['seed']
        return seed

    @property
    def mixup(self) -> bool:
        return bool(self.config['mixup']['enabled'])

    @property
    def alpha(self) -> float | None:
        alpha: float | None = (self.config['mixup']['alpha'] if self.mixup
                               else None)
        return alpha

    @property
    def epochs(self) -> float:
        epochs: float = self.config['epochs']     # as written: 2 or 2.5
        return epochs

    @property
    def evals_per_epoch(self) -> int:
        # Runs from before the key existed were evaluated once an epoch,
        # which is also the key's default (experiments/train/config.py).
        rate: int = self.config.get('evals_per_epoch', 1)
        return rate

    @property
    def evaluation_grid(self) -> str:
        """'4/epoch' or '4/epoch for 10 epochs, then 1/epoch'."""
        dense = self.config.get('dense_eval_epochs')
        rate = '{}/epoch'.format(self.evals_per_epoch)
        if dense is None or self.evals_per_epoch == 1:
            return rate
        return '{} for {} epochs, then 1/epoch'.format(rate, dense)

    @property
    def sharpness(self) -> dict[str, list[float]]:
        """{kind: sharpness per direction}; empty without sharpness.json."""
        if self.landscape is None:
            return {}
        return {kind: data['sharpness'] for kind, data in
                self.landscape['kinds'].items()}

    @property
    def mixup_text(self) -> str:
        """' mixup \u03b1=0.9' or ' no mixup' (a figure's cell label)."""
        if self.alpha is None:
            return ' no mixup'
        return ' mixup \u03b1={:g}'.format(self.alpha)

    def series(self, key: str) -> list[Point]:
        """[(epoch, iteration, value)] of the log entries that have key."""
        return [Point(e['epoch'], e['iteration'], e[key]) for e in self.log
                if key in e]

    def status(self) -> str:
        if self.finished:
            return 'finished'
        last = self.log[-1]['epoch'] if self.log else 0
        return 'in progress (epoch {} of {})'.format(last, self.epochs)


@dataclasses.dataclass(frozen=True)
class SuiteRun(Run):
    """A run placed in its suite: its batch class from the suite file's
    batch sizes, hence its cell."""
    batch_class: str

    @property
    def cell(self) -> Cell:
        """(optimizer, 'SB'|'LB', mixup)."""
        return (self.optimizer, self.batch_class, self.mixup)


@dataclasses.dataclass(frozen=True)
class Study:
    """Every run of the folders named (each once), in its cell, with the
    suite that places them; what a report or a table is made of."""
    paths: tuple[str, ...]
    suite: Suite
    runs: tuple[SuiteRun, ...]

    @property
    def finished(self) -> list[SuiteRun]:
        return [r for r in self.runs if r.finished]


def _read_json(path: str) -> Any:
    """The JSON in ``path``; None when there is no such file."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        try:
            return json.load(f)
        except ValueError as e:
            raise UnreadableFile('{} is not valid JSON ({}); delete or '
                                 'regenerate it'.format(path, e)) from e


def load_run(path: str) -> Run:
    """Read the run folder ``path`` (its config, log, marker and
    sharpness.json)."""
    with open(os.path.join(path, run_folder.CONFIG)) as f:
        config = yaml.safe_load(f)
    log = _read_json(os.path.join(path, LOG)) or []
    return Run(path=path, name=os.path.basename(os.path.normpath(path)),
               config=config, log=tuple(log),
               finished=run_folder.is_finished(path),
               landscape=_read_json(os.path.join(path, SHARPNESS)))


def find_runs(paths: Sequence[str]) -> list[Run]:
    """Runs in ``paths`` (run folders or folders of them, at any depth),
    each folder once even when named twice or nested in another path."""
    runs, seen = [], set()
    for path in paths:
        for folder in run_folder.run_folders(path):
            real = os.path.realpath(folder)
            if real not in seen:
                seen.add(real)
                runs.append(load_run(folder))
    if not runs:
        raise NoRuns('no run folders (with config.yaml) in {}'.format(
            ', '.join(paths)))
    return runs


def place(runs: Iterable[Run], suite: Suite) -> list[SuiteRun]:
    """The runs in their cells; stop if two folders hold the same cell and
    seed (a run copied twice): its seed would count twice."""
    first: dict[tuple[str, str, bool, int], SuiteRun] = {}
    placed = []
    for run in runs:
        fields = {f.name: getattr(run, f.name)
                  for f in dataclasses.fields(Run)}
        suite_run = SuiteRun(batch_class=suite.batch_class(run), **fields)
        key = suite_run.cell + (run.seed,)
        if key in first:
            raise SameRunTwice(
                '{} and {} are both {} {} {} with seed {}: pass only one of '
                'them'.format(first[key].path, run.path,
                              OPTIMIZER_LABEL[key[0]], key[1],
                              'mixup' if key[2] else 'no mixup', key[3]))
        first[key] = suite_run
        placed.append(suite_run)
    return placed


def load_study(paths: Sequence[str], suite: Suite) -> Study:
    """Read every run under ``paths`` once and place it in its cell."""
    return Study(tuple(paths), suite, tuple(place(find_runs(paths), suite)))
