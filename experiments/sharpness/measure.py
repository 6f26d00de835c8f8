"""Sharpness of each finished run's final model over several directions.

For every finished run whose final snapshot (``snapshot_epoch_<epochs>``,
or rank 0's file of an MPI run) is present, and for each kind of direction
-- the study's Gaussian delta and the filter-normalised one (Li et al.
2018; experiments/sharpness/landscape.py) -- with direction seeds
0..directions-1:

    f_d(a) = training loss of theta* + a delta_d, on the first n_train
             training examples, at a in ALPHAS
    sharpness_d = (f_d(-0.5) + f_d(0.5)) / 2 - f_d(0)

:func:`write_sharpness` writes RUN/sharpness.json (or the same relative
folder under another one, e.g. the committed copy of the run without its
snapshots), so the report can be regenerated from committed files alone.
``python -m experiments sharpness`` and the suite runner (when the suite
file asks for it) call it.
"""
import json
import os
from collections.abc import Callable, Sequence
from typing import TypedDict

from experiments.analysis import results
from experiments.analysis.results import Kind
from experiments.errors import StudyError
from experiments.folders import run_folder
from experiments.folders import suite_file
from experiments.folders.snapshots import snapshot_name
from experiments.sharpness import landscape as plot_landscape

ALPHAS = [-0.5, -0.375, -0.25, -0.125, -0.0625, 0.0, 0.0625, 0.125, 0.25,
          0.375, 0.5]
KINDS = (('gaussian', False), ('filternorm', True))
DEFINITION = ('(f(-0.5) + f(0.5)) / 2 - f(0), f = training loss on the '
              'first n_train training examples along theta* + a delta')
FILE_NAME = results.SHARPNESS
MIN_DIRECTIONS = suite_file.SHARPNESS_MIN_DIRECTIONS


class SharpnessFile(TypedDict):
    """sharpness.json as written (the report reads its alphas and
    kinds)."""
    snapshot: str
    alphas: list[float]
    n_train: int
    definition: str
    kinds: dict[str, Kind]


class NotACopy(StudyError):
    """The folder to write into holds no copy of the run."""


def final_snapshot(run: results.Run) -> str | None:
    """Path of the run's last-epoch snapshot, or None."""
    epochs = int(run.epochs)
    # a single process's file, or rank 0's of an MPI run
    for name in (snapshot_name(epochs), snapshot_name(epochs, 0, 2)):
        path = os.path.join(run.path, name)
        if os.path.exists(path):
            return path
    return None


def measure(snapshot: str, directions: int, n_train: int) -> SharpnessFile:
    """The sharpness.json content of one snapshot."""
    model, config, train, _ = plot_landscape.load_snapshot(snapshot)
    data = {'train': plot_landscape.as_arrays(train, n_train)}
    out: SharpnessFile = {
        'snapshot': os.path.basename(snapshot), 'alphas': ALPHAS,
        'n_train': len(data['train'][1]), 'definition': DEFINITION,
        'kinds': {}}
    for kind, normalize in KINDS:
        losses, sharp = [], []
        for seed in range(directions):
            delta = plot_landscape.gaussian_direction(model, seed, normalize)
            curve = plot_landscape.landscape(model, delta, ALPHAS,
                                             data)['train']['loss']
            losses.append(curve)
            sharp.append(plot_landscape.sharpness(ALPHAS, curve))
        out['kinds'][kind] = {'direction_seeds': list(range(directions)),
                              'sharpness': sharp, 'train_loss': losses}
    return out


def destination(run: results.Run, src: str, into: str | None) -> str:
    """The folder the run's sharpness.json goes to."""
    if into is None:
        return run.path
    dst = os.path.join(into, os.path.relpath(run.path, src))
    if not os.path.exists(os.path.join(dst, run_folder.CONFIG)):
        raise NotACopy('{} is not a copy of {} (no config.yaml): copy the '
                       'run there first (python -m experiments collect)'
                       .format(dst, run.path))
    return dst


def _all(optimizer: str) -> bool:
    return True


def write_sharpness(results_dir: str, directions: int, n_train: int,
                    into: str | None = None, force: bool = False,
                    wants: Callable[[str], bool] = _all) -> list[str]:
    """Measure every finished run under ``results_dir`` whose optimizer
    ``wants`` and that has no sharpness.json yet (any, with ``force``);
    print a line per run; return the files written."""
    written = []
    for run in results.find_runs([results_dir]):
        if not wants(run.optimizer):
            continue
        snapshot = final_snapshot(run) if run.finished else None
        if snapshot is None:
            print('[skip] {}: {}'.format(run.path, 'no final snapshot' if
                                         run.finished else run.status()))
            continue
        path = os.path.join(destination(run, results_dir, into), FILE_NAME)
        if os.path.exists(path) and not force:
            print('[have] {}'.format(path))
            continue
        data = measure(snapshot, directions, n_train)
        with open(path, 'w') as f:
            json.dump(data, f, indent=1)
        written.append(path)
        print('[done] {}: gaussian {}, filternorm {}'.format(
            path, *summary(data)), flush=True)
    return written


def summary(data: SharpnessFile) -> Sequence[str]:
    """Each kind's sharpness per direction, as the [done] line shows it."""
    return [' '.join('{:.4g}'.format(v) for v in data['kinds'][k][
        'sharpness']) for k, _ in KINDS]
