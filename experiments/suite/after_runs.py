"""What the suite runner writes once its runs are over, in this process.

First, when the suite file asks for it (``sharpness:``,
experiments/folders/suite_file.py), the sharpness of every finished run of
those optimizers that has no sharpness.json yet
(experiments/sharpness/measure.py); then the table
(experiments/analysis/tables.py) and the report over all seeds with its
figures (experiments/analysis/report.py). Each step that fails says why
(a :class:`StudyError` as its ``error:`` line, anything else with its
traceback) and the next one still runs: a report that cannot be written
never hides which runs failed, which the runner says last.
"""
import sys
import traceback
from collections.abc import Callable

from experiments.errors import StudyError
from experiments.folders import suite_file


def _sharpness(suite_out: str) -> None:
    plan = suite_file.find(suite_out).sharpness
    if plan is None:
        return
    from experiments.sharpness import measure
    measure.write_sharpness(suite_out, plan.directions, plan.n_train,
                            wants=plan.wants)


def _tables(suite_out: str) -> None:
    from experiments.analysis import tables
    tables.write_tables(suite_out)


def _report(suite_out: str) -> None:
    from experiments.analysis import report
    report.write_report(suite_out)


#: (what it writes, the step), in order
STEPS: tuple[tuple[str, Callable[[str], None]], ...] = (
    ('sharpness', _sharpness), ('table', _tables), ('report', _report))


def write_all(suite_out: str) -> list[str]:
    """Run every step on OUT/SUITE; return the names of those that
    failed."""
    failed = []
    for name, step in STEPS:
        try:
            step(suite_out)
        except StudyError as error:
            print('error: {}'.format(error), file=sys.stderr, flush=True)
            failed.append(name)
        except Exception:   # a bug in a step: the next one still runs
            traceback.print_exc()
            failed.append(name)
        sys.stdout.flush()
    return failed
