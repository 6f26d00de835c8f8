"""Where a suite's tuning studies live, and how a dead trial is noticed.

The default needs no server: one Optuna journal file per suite
(``OUT/tune/SUITE/journal.log``), appended under Optuna's
``JournalFileOpenLock`` (an ``open(O_CREAT | O_EXCL)`` lock file, which
works on NFS v3+ and Lustre), so that several workers, on one machine or
in several scheduler jobs, share it. ``--storage URL`` names any
SQLAlchemy database instead (``sqlite:///FILE``, ``postgresql://...``).

Either way every running trial sends a heartbeat: Optuna's RDB storage
has one built in; :class:`HeartbeatJournalStorage` adds the same interface
(Optuna's ``BaseHeartbeat``) to the journal, recording the time as a
system attribute of the trial. A trial whose heartbeat is older than the
grace period (its worker was killed) is failed by
``optuna.storages.fail_stale_trials`` and re-queued, with the same
parameters, by ``RetryHeartbeatStaleTrialCallback``: a killed tuning job
is resumed by running the same command, and each cell still gets its
whole budget.
"""
import os
import time
from collections.abc import Callable

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import FrozenTrial, TrialState

from experiments.tune.errors import StorageError

HEARTBEAT = 'heartbeat'
JOURNAL_NAME = 'journal.log'
StaleCallback = Callable[[optuna.Study, FrozenTrial], None]


class HeartbeatJournalStorage(JournalStorage, BaseHeartbeat):
    """A journal file storage whose running trials send heartbeats."""

    def __init__(self, path: str, interval_s: int, grace_s: int) -> None:
        lock = JournalFileOpenLock(path + '.lock')
        super().__init__(JournalFileBackend(path, lock_obj=lock))
        self.path = path
        self.interval_s = interval_s
        self.grace_s = grace_s
        self._retry = RetryHeartbeatStaleTrialCallback()

    def record_heartbeat(self, trial_id: int) -> None:
        self.set_trial_system_attr(trial_id, HEARTBEAT, time.time())

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        now = time.time()
        stale = []
        for trial in self.get_all_trials(study_id, deepcopy=False,
                                         states=(TrialState.RUNNING,)):
            beat = trial.system_attrs.get(HEARTBEAT)
            if beat is None and trial.datetime_start is not None:
                beat = trial.datetime_start.timestamp()
            if beat is not None and now - beat > self.grace_s:
                stale.append(trial._trial_id)
        return stale

    def get_heartbeat_interval(self) -> int | None:
        return self.interval_s

    def get_heartbeat_stale_trial_callback(self) -> StaleCallback | None:
        return self._retry


def journal_path(out: str, suite: str) -> str:
    """The default journal of ``suite`` under the output folder."""
    return os.path.join(out, 'tune', suite, JOURNAL_NAME)


def open_storage(url: str | None, journal: str, interval_s: int,
                 grace_s: int) -> BaseStorage:
    """The storage of a tuning: the RDB at ``url``, else the journal."""
    if url is None:
        os.makedirs(os.path.dirname(os.path.abspath(journal)), exist_ok=True)
        return HeartbeatJournalStorage(journal, interval_s, grace_s)
    try:
        return RDBStorage(
            url, heartbeat_interval=interval_s, grace_period=grace_s,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback())
    except Exception as error:   # SQLAlchemy's errors, a missing driver
        raise StorageError('cannot open the study storage {}: {} ({}); '
                           'check the URL, the server and its driver'.format(
                               redact(url), type(error).__name__,
                               redact(str(error), url))) from None


def redact(text: str, url: str | None = None) -> str:
    """``text`` with the password of a database URL replaced by ``***``."""
    from sqlalchemy.engine import make_url
    try:
        parsed = make_url(url or text)
    except Exception:
        return text
    if parsed.password is None:
        return text
    return text.replace(str(parsed.password), '***')
