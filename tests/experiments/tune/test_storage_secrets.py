"""A database URL with a password (issue 39, item 4): it comes from
``$KFAC_TUNE_STORAGE`` or a file only its owner can read, never from
``--storage``; a tune with a known password (a SQLite dialect that takes
one, tests/experiments/tune/password_dialect.py) leaves it in no file and
no message; errors show it as ``***``."""
import os
import subprocess
import sys
import time
import urllib.parse

import optuna
import pytest
from optuna.trial import TrialState

from experiments.tune import cli as tune
from experiments.tune import storage, storage_url
from experiments.tune.errors import StorageError
from tests.distributed.mpi_helper import ROOT
from tests.experiments.tune import password_dialect, tiny_suite

PASSWORD = 'S3cr3t/Pa55@word'
QUOTED = urllib.parse.quote(PASSWORD, safe='')
FORMS = (PASSWORD, QUOTED, 'S3cr3t')


def url_of(db):
    return 'sqlite+withpassword://kfac:{}@localhost/{}'.format(QUOTED, db)


def secret_file(tmp_path, text, mode=0o600):
    path = tmp_path / 'storage.url'
    path.write_text(text + '\n')
    os.chmod(str(path), mode)
    return str(path)


def files_holding_the_password(folder, skip=()):
    found = []
    for top, _, names in os.walk(str(folder)):
        for name in names:
            path = os.path.join(top, name)
            if path in skip:
                continue
            with open(path, 'rb') as f:
                data = f.read()
            found += [path for form in FORMS if form.encode() in data]
    return found


def finished_trials(url, cell):
    study = optuna.load_study(study_name='suite/' + cell,
                              storage=optuna.storages.RDBStorage(url))
    return [t for t in study.trials
            if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]


@pytest.fixture(autouse=True)
def dialect():
    password_dialect.register()


def test_a_tune_with_a_password_writes_it_nowhere(tmp_path, capfd):
    folder = tiny_suite.make(str(tmp_path / 'suite'))
    out, into = str(tmp_path / 'out'), str(tmp_path / 'suite_tuned')
    url = url_of(tmp_path / 'db' / 'tune.db')
    os.makedirs(str(tmp_path / 'db'))
    secret = secret_file(tmp_path, url)
    assert tune.main([folder, '--out', out, '--storage-file', secret,
                      '--overlays-into', into]) == 0
    for cell in tiny_suite.CELLS:
        assert len(finished_trials(url, cell)) == 2
    assert os.path.isfile(os.path.join(into, 'kfac.yaml'))
    assert os.path.getsize(str(tmp_path / 'db' / 'tune.db')) > 0
    assert files_holding_the_password(tmp_path, skip=(secret,)) == []
    said = capfd.readouterr()
    assert 'sgd trial 0' in said.out
    assert not [f for f in FORMS if f in said.out + said.err]


def test_workers_get_the_password_from_the_environment_only(tmp_path):
    """``--jobs 2`` under a sitecustomize that registers the dialect in
    every process; the processes' command lines are read while they run."""
    folder = tiny_suite.make(str(tmp_path / 'suite'), trials=2)
    out = str(tmp_path / 'out')
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'sitecustomize.py').write_text(
        'from tests.experiments.tune.password_dialect import register\n'
        'register()\n')
    url = url_of(tmp_path / 'tune.db')
    env = dict(os.environ, KFAC_TUNE_STORAGE=url, PYTHONPATH=os.pathsep.join(
        [str(site), ROOT]))
    proc = subprocess.Popen(
        [sys.executable, '-m', 'experiments', 'tune', folder, '--out', out,
         '--jobs', '2', '--no-overlays'], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    command_lines = []
    while proc.poll() is None:
        command_lines += [c for c in _command_lines() if b'tune' in c]
        time.sleep(0.5)
    said = proc.stdout.read().decode()
    assert proc.returncode == 0, said[-3000:]
    assert any(b'--worker' in c for c in command_lines)
    assert not [c for c in command_lines for f in FORMS if f.encode() in c]
    assert not [f for f in FORMS if f in said]
    for cell in tiny_suite.CELLS:
        assert len(finished_trials(url, cell)) == 2
    assert files_holding_the_password(out) == []


def _command_lines():
    lines = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open('/proc/{}/cmdline'.format(pid), 'rb') as f:
                lines.append(f.read())
        except OSError:
            pass
    return lines


def test_a_password_on_the_command_line_is_refused(tmp_path):
    folder = tiny_suite.make(str(tmp_path / 'suite'))
    for url in (url_of(tmp_path / 'x.db'),
                'postgresql://kfac@db/tune?password=' + QUOTED):
        with pytest.raises(StorageError) as e:
            tune.main([folder, '--out', str(tmp_path / 'out'),
                       '--storage', url])
        message = str(e.value)
        assert '\n' not in message and '--storage-file' in message
        assert 'chmod 600' in message and 'KFAC_TUNE_STORAGE' in message
        assert not [f for f in FORMS if f in message], message
    assert not os.path.exists(str(tmp_path / 'out'))
    assert storage_url.resolve('sqlite:///tune.db', None, {}) == \
        'sqlite:///tune.db'


@pytest.mark.parametrize('mode', [0o644, 0o640, 0o604, 0o660])
def test_a_storage_file_others_may_read_is_refused(tmp_path, mode):
    path = secret_file(tmp_path, url_of('x.db'), mode)
    with pytest.raises(StorageError) as e:
        storage_url.resolve(None, path, {})
    message = str(e.value)
    assert path in message and 'chmod 600 ' + path in message
    assert '{:04o}'.format(mode) in message
    assert not [f for f in FORMS if f in message]
    os.chmod(path, 0o600)
    assert storage_url.resolve(None, path, {}) == url_of('x.db')


def test_storage_file_errors_and_the_order_of_the_sources(tmp_path):
    with pytest.raises(StorageError, match='no.such: No such file'):
        storage_url.resolve(None, str(tmp_path / 'no.such'), {})
    empty = secret_file(tmp_path, '')
    with pytest.raises(StorageError, match='is empty'):
        storage_url.resolve(None, empty, {})
    with pytest.raises(StorageError, match='not both'):
        storage_url.resolve('sqlite:///a.db', empty, {})
    env = {storage_url.VARIABLE: url_of('x.db')}
    assert storage_url.resolve(None, None, env) == url_of('x.db')
    assert storage_url.resolve(None, None, {}) is None


@pytest.mark.parametrize('url', [
    'postgresql://kfac:{}@127.0.0.1:1/tune'.format(QUOTED),
    'postgresql+psycopg2://kfac:{}@127.0.0.1:1/tune'.format(QUOTED),
    'postgresql://kfac:{}@127.0.0.1:notaport/tune'.format(QUOTED),
    'postgresql://kfac@127.0.0.1:1/tune?password={}'.format(QUOTED)])
def test_a_storage_that_cannot_be_opened_masks_the_password(url):
    """No PostgreSQL server (nor its driver) here: the real error path of
    RDBStorage with a PostgreSQL URL."""
    with pytest.raises(StorageError) as e:
        storage.open_storage(url, 'unused', 60, 180)
    message = str(e.value)
    assert 'cannot open the study storage' in message
    assert '127.0.0.1' in message and '***' in message
    assert not [f for f in FORMS if f in message], message
