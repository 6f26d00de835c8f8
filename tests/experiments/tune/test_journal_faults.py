"""The tuning journal under crashes (issue 39, item 4): a last line cut
off by a power loss is removed before the next write (Optuna alone glues
the next line to it and the study stops loading), a write on a full disk
is undone and named in one line, and a heartbeat that cannot be written
ends the trial's worker in one line, not in a thread's traceback."""
import builtins
import errno
import os
import time

import optuna
import pytest
from optuna.storages import JournalStorage
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

from experiments.tune import heartbeat, storage
from experiments.tune.errors import StorageError

optuna.logging.set_verbosity(optuna.logging.WARNING)


def journal(tmp_path):
    return str(tmp_path / 'journal.log')


def guarded(path):
    return storage.open_storage(None, path, 60, 180)


def plain(path):
    return JournalStorage(JournalFileBackend(
        path, lock_obj=JournalFileOpenLock(path + '.lock')))


def two_trials_then_torn(path, open_storage):
    study = optuna.create_study(storage=open_storage(path), study_name='s')
    for value in (0.1, 0.2):
        trial = study.ask()
        study.tell(trial, value)
    study.ask()                                   # a trial left running
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:-25])                       # power lost mid-write


def test_optuna_alone_breaks_on_a_torn_last_line(tmp_path):
    path = journal(tmp_path)
    two_trials_then_torn(path, plain)
    study = optuna.load_study(storage=plain(path), study_name='s')
    with pytest.raises(AttributeError):    # Optuna's own, in replay
        study.ask()                 # glued to the torn line: lost
    study = optuna.load_study(storage=plain(path), study_name='s')
    with pytest.raises(ValueError):           # a line after the glued one
        study.set_user_attr('x', 1)
    with pytest.raises(ValueError):           # the study no longer loads
        optuna.load_study(storage=plain(path), study_name='s')


def test_a_torn_last_line_is_cut_with_a_warning(tmp_path, capsys):
    path = journal(tmp_path)
    two_trials_then_torn(path, guarded)
    size = os.path.getsize(path)
    study = optuna.load_study(storage=guarded(path), study_name='s')
    warning = capsys.readouterr().err
    assert path in warning and 'incomplete line' in warning
    assert warning.count('\n') == 1
    with open(path, 'rb') as f:
        data = f.read()
    assert data.endswith(b'\n') and len(data) < size
    for value in (0.3, 0.4):
        trial = study.ask()
        study.tell(trial, value)
    study.set_user_attr('x', 1)
    values = [t.value for t in optuna.load_study(
        storage=guarded(path), study_name='s').trials if t.value]
    assert values == [0.1, 0.2, 0.3, 0.4]
    assert capsys.readouterr().err == ''          # whole lines since


def test_a_torn_line_appearing_while_open_is_cut_before_the_next_write(
        tmp_path, capsys):
    path = journal(tmp_path)
    study = optuna.create_study(storage=guarded(path), study_name='s')
    study.tell(study.ask(), 0.1)
    with open(path, 'ab') as f:
        f.write(b'{"op_code":5,"worker')         # another host lost power
    study.tell(study.ask(), 0.2)
    assert 'incomplete line' in capsys.readouterr().err
    assert [t.value for t in optuna.load_study(
        storage=guarded(path), study_name='s').trials] == [0.1, 0.2]


class FullDisk:
    """``open`` whose appends to ``path`` write half, then ENOSPC."""

    def __init__(self, path):
        self.path, self.real = path, builtins.open

    def __call__(self, name, mode='r', *args, **kwargs):
        f = self.real(name, mode, *args, **kwargs)
        if str(name) != self.path or 'a' not in mode:
            return f
        real_write = f.write

        def write(data):
            real_write(data[:len(data) // 2])
            f.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        f.write = write
        return f


def test_a_write_on_a_full_disk_is_undone_and_named(tmp_path, monkeypatch):
    path = journal(tmp_path)
    study = optuna.create_study(storage=guarded(path), study_name='s')
    study.tell(study.ask(), 0.1)
    size = os.path.getsize(path)
    monkeypatch.setattr(storage, 'open', FullDisk(path), raising=False)
    with pytest.raises(StorageError) as e:
        study.ask()
    message = str(e.value)
    assert '\n' not in message and path in message and 'is full' in message
    assert 'run the same command again' in message
    assert os.path.getsize(path) == size          # as before the write
    monkeypatch.undo()
    study = optuna.load_study(storage=guarded(path), study_name='s')
    study.tell(study.ask(), 0.2)
    assert [t.value for t in study.trials] == [0.1, 0.2]


class Failing(BaseHeartbeat):
    def __init__(self):
        self.beats = 0

    def record_heartbeat(self, trial_id):
        self.beats += 1
        if self.beats > 1:
            raise StorageError('the disk holding J is full')

    def _get_stale_trial_ids(self, study_id):
        return []

    def get_heartbeat_interval(self):
        return 1

    def get_heartbeat_stale_trial_callback(self):
        return None


def test_a_heartbeat_that_cannot_be_written_is_raised_in_the_trial(
        capfd):
    store = Failing()
    with pytest.raises(StorageError, match='is full'):
        with heartbeat.beating(store, 0, 0.01):
            time.sleep(0.3)
    assert store.beats == 2                       # it stopped beating
    assert 'Traceback' not in capfd.readouterr().err


def test_a_requeued_trial_is_alive_from_its_own_start(tmp_path):
    """The retry of a dead trial carries the dead one's heartbeat (Optuna
    copies its system attributes); counted from that, a worker that just
    took the retry would see it stale at once, and it would be run twice."""
    store = storage.open_storage(None, journal(tmp_path), 1, 1)
    study = optuna.create_study(storage=store, study_name='s')
    dead = study.ask()
    store.set_trial_system_attr(dead._trial_id, storage.HEARTBEAT,
                                time.time() - 100)
    time.sleep(1.2)                               # past the grace period
    optuna.storages.fail_stale_trials(study)
    retry = study.ask()                           # the re-queued copy
    attrs = store.get_trial(retry._trial_id).system_attrs
    assert attrs.get('failed_trial') == dead.number
    assert attrs[storage.HEARTBEAT] < time.time() - 90
    assert store._get_stale_trial_ids(study._study_id) == []
