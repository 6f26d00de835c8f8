"""What must hold of a hurt tuning once it has run to its end
(experiments/checks/tuning_faults.py): its journal is readable, every
cell has exactly its budget of finished trials, no trial is counted twice
(a re-queued trial and the one it re-runs both finished), every finished
trial's folder holds its DONE, and the tuned suite is written. The
journal is read by Optuna itself, read-only."""
import os
from typing import Any

from experiments.checks.tuning_run import CELLS, FINISHED, SUITE, TRIALS
from experiments.checks.tuning_run import journal


def trials_of(path: str, cell: str) -> list[Any]:
    """The cell's trials in the journal at ``path`` (Optuna's own
    reading; an unreadable journal raises)."""
    import optuna
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend
    from optuna.storages.journal import JournalFileOpenLock
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    store = JournalStorage(JournalFileBackend(
        path, lock_obj=JournalFileOpenLock(path + '.lock')))
    study = optuna.load_study(study_name='{}/{}'.format(SUITE, cell),
                              storage=store)
    return list(study.get_trials(deepcopy=False))


def readable(out: str) -> str | None:
    """None if every cell's study loads from the journal, else why."""
    try:
        for cell in CELLS:
            trials_of(journal(out), cell)
    except Exception as error:      # whatever Optuna's reading raised
        return 'study unreadable ({}: {})'.format(type(error).__name__,
                                                  error)
    return None


def problems(work: str) -> list[str]:
    """What does not hold of the tuning in ``work`` once it has ended."""
    out = os.path.join(work, 'out')
    unreadable = readable(out)
    if unreadable:
        return [unreadable]
    found = []
    for cell in CELLS:
        done = [t for t in trials_of(journal(out), cell)
                if t.state.name in FINISHED]
        if len(done) != TRIALS:
            found.append('{}: {} of {} trials finished'.format(
                cell, len(done), TRIALS))
        roots = [t.system_attrs.get('failed_trial', t.number) for t in done]
        twice = sorted({r for r in roots if roots.count(r) > 1})
        if twice:
            found.append('{}: trial(s) {} counted twice'.format(cell, twice))
        folders = os.path.join(out, 'tune', SUITE, cell)
        missing = [t.number for t in done if not os.path.exists(os.path.join(
            folders, 'trial_{:03d}'.format(t.number), 'DONE'))]
        if missing:
            found.append('{}: finished trial(s) {} without DONE'.format(
                cell, missing))
        if not os.path.isfile(os.path.join(work, SUITE + '_tuned',
                                           cell + '.yaml')):
            found.append('{}: no tuned config'.format(cell))
    return found


def ends_in_whole_lines(out: str) -> bool:
    """The journal's last line is complete."""
    with open(journal(out), 'rb') as f:
        data = f.read()
    return not data or data.endswith(b'\n')
