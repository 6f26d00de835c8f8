"""A run's folder and its finish marker: the one place that knows them.

A run folder holds ``config.yaml`` (the resolved config, written at every
start). Training (``python -m experiments train``) writes the marker
``DONE`` when the trainer reached its stop trigger, and removes an earlier
start's marker when it starts again; everything that tells a finished run
from one in progress (the suite runner, the report, collecting and
restoring results, the GPU suite's status, fault injection) asks here.

Stdlib only: commands that run before any virtual environment exists
(``python -m experiments restore``) and on the GPU machine import it.
"""
import os
from collections.abc import Collection

#: the resolved config; a folder with it is a run folder.
CONFIG = 'config.yaml'
#: the finish marker (its text: the iteration the run finished at).
FINISHED = 'DONE'


def is_run_folder(files: Collection[str]) -> bool:
    """Whether a folder whose file names are ``files`` holds a run."""
    return CONFIG in files


def run_folders(path: str) -> list[str]:
    """Run folders under ``path`` (itself included), sorted; the search
    does not descend into a run folder."""
    if os.path.exists(os.path.join(path, CONFIG)):
        return [path]
    found: list[str] = []
    for root, dirs, files in os.walk(path):
        if is_run_folder(files):
            found.append(root)
            dirs[:] = []
    return sorted(found)


def is_finished(path: str) -> bool:
    """Whether the run in ``path`` reached its stop trigger."""
    return os.path.exists(os.path.join(path, FINISHED))


def mark_finished(path: str, iteration: int) -> None:
    """Write the marker of a run that finished at ``iteration``."""
    with open(os.path.join(path, FINISHED), 'w') as f:
        f.write('finished at iteration {}\n'.format(iteration))


def clear_finished(path: str) -> None:
    """Remove the marker (a run starting again is not finished)."""
    if is_finished(path):
        os.remove(os.path.join(path, FINISHED))


def finished_runs(root: str) -> list[str]:
    """Folders under ``root`` (relative, sorted) that hold the marker."""
    return sorted(os.path.relpath(folder, root)
                  for folder, _dirs, files in os.walk(root)
                  if FINISHED in files)


def unfinished(files: Collection[str]) -> bool:
    """Whether a folder with ``files`` is a run without the marker."""
    return is_run_folder(files) and FINISHED not in files
