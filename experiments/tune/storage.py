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

The journal survives a crash in the middle of a write
(:class:`GuardedJournalFileBackend`): a last line without its newline
(power lost while it was written) is cut off before the next write, with a
warning, instead of being glued to the next line, which made every later
read of the study fail; a write on a full disk is undone (the file is cut
back to its size before it) and ends the worker with one line saying so.
The operation lost either way was one of a trial that is then failed and
run again, so no trial counts twice. A database URL's password is never
shown (experiments/tune/storage_url.py).
"""
import errno
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import optuna
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from optuna.storages import RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.storages.journal._file import get_lock_file
from optuna.trial import FrozenTrial, TrialState

from experiments.tune.errors import StorageError
from experiments.tune.storage_url import redact, shown

HEARTBEAT = 'heartbeat'
JOURNAL_NAME = 'journal.log'
StaleCallback = Callable[[optuna.Study, FrozenTrial], None]
#: how far back a torn last line is looked for its start
TAIL_CHUNK = 1 << 16


class GuardedJournalFileBackend(JournalFileBackend):
    """Optuna's journal file whose writes never leave a torn line."""

    def __init__(self, path: str, lock: JournalFileOpenLock) -> None:
        super().__init__(path, lock_obj=lock)
        with get_lock_file(self._lock):
            self._whole_lines()

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        text = ''.join(json.dumps(log, separators=(',', ':')) + '\n'
                       for log in logs).encode('utf-8')
        with get_lock_file(self._lock):
            size = self._whole_lines()
            try:
                with open(self._file_path, 'ab') as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as error:
                _cut(self._file_path, size)
                raise StorageError(_write_failure(self._file_path,
                                                  error)) from None

    def _whole_lines(self) -> int:
        """Cut a last line without its newline; the file's size."""
        with open(self._file_path, 'rb') as f:
            size = end = f.seek(0, os.SEEK_END)
            if size == 0:
                return 0
            while end > 0:
                start = max(0, end - TAIL_CHUNK)
                f.seek(start)
                chunk = f.read(end - start)
                if end == size and chunk.endswith(b'\n'):
                    return size
                cut = chunk.rfind(b'\n')
                if cut >= 0:
                    end = start + cut + 1
                    break
                end = start
        sys.stderr.write(
            'warning: {} ended in an incomplete line ({} bytes, a write cut '
            'off by a crash): removed it; the trial it belonged to is run '
            'again\n'.format(self._file_path, size - end))
        os.truncate(self._file_path, end)
        return end


def _cut(path: str, size: int) -> None:
    try:
        os.truncate(path, size)
    except OSError:     # the next write cuts the torn line
        pass


def _write_failure(path: str, error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ('the disk holding {} is full: an entry of the tuning journal '
                'could not be written (the journal is as before it). Free '
                'some space, then run the same command again: the running '
                'trials are run again'.format(path))
    return 'cannot write the tuning journal {}: {}'.format(path,
                                                          error.strerror)


class HeartbeatJournalStorage(JournalStorage, BaseHeartbeat):
    """A journal file storage whose running trials send heartbeats."""

    def __init__(self, path: str, interval_s: int, grace_s: int) -> None:
        lock = JournalFileOpenLock(path + '.lock')   # the name it had
        super().__init__(GuardedJournalFileBackend(path, lock))
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
            # a re-queued trial carries its failed original's heartbeat:
            # it is alive from its own start on
            beats = [trial.system_attrs.get(HEARTBEAT), None if
                     trial.datetime_start is None else
                     trial.datetime_start.timestamp()]
            beat = max((b for b in beats if b is not None), default=None)
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
                               shown(url), type(error).__name__,
                               redact(str(error), url))) from None


__all__ = ['GuardedJournalFileBackend', 'HeartbeatJournalStorage',
           'journal_path', 'open_storage', 'redact']
