"""Nothing the package reads runs code (issue 39 item 1): a crafted file
per loader, refused with its name, and nothing it would have done done.

Each crafted pickle, if unpickled, creates the file ``pwned`` (``open(
path, 'w')``): the tests check both the refusal and that ``pwned`` does not
exist afterwards.
"""
import gzip
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import chainer

from experiments.data import datasets
from experiments.data import idx_files
from experiments.data import imagenet
from experiments.errors import StudyError
from experiments.folders import safe_files
from experiments.train import checkpoint
from experiments.train import config_file
from tests.experiments.data.test_datasets import make_cifar_batches
from experiments.train import cli as train
from tests.experiments.train.test_cli import COMMON
from tests.experiments.train.test_cli import config


class CreatesAFile(object):
    """Unpickling it calls ``open(path, 'w')``."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, 'w')


def test_real_data_pickles_load():
    data = np.arange(12, dtype=np.uint8).reshape(2, 6)
    for protocol in (2, 4, 5):
        raw = pickle.dumps({b'data': data, b'labels': [3, 1],
                            b'name': 'x', 'f': 1.5}, protocol=protocol)
        loaded = safe_files.load_pickle(io.BytesIO(raw), 'batch')
        np.testing.assert_array_equal(loaded[b'data'], data)
        assert loaded[b'labels'] == [3, 1] and loaded['f'] == 1.5


def test_crafted_cifar_batch_is_refused_without_running(tmp_path):
    folder = tmp_path / 'cifar-10-batches-py'
    make_cifar_batches(str(folder))
    pwned = tmp_path / 'pwned'
    batch = folder / 'data_batch_3'
    with open(str(batch), 'wb') as f:
        pickle.dump({b'data': CreatesAFile(pwned), b'labels': [0]}, f,
                    protocol=2)
    with pytest.raises(safe_files.UnsafeFile) as caught:
        datasets.load('cifar10', str(tmp_path))
    message = str(caught.value)
    assert str(batch) in message and 'io.open' in message
    assert '\n' not in message
    assert not pwned.exists()


def save_with_object_entry(path, entry, value):
    """Rewrite the .npz ``path`` with ``entry`` holding the 0-d object
    array of ``value`` (pickled, as Chainer stores None)."""
    with np.load(str(path), allow_pickle=True) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[entry] = np.empty((), dtype=object)
    arrays[entry][()] = value
    np.savez(str(path), **arrays)
    os.replace(str(path) + '.npz', str(path))


def none_entries(path):
    with zipfile.ZipFile(str(path)) as archive:
        names = [n[:-len('.npy')] for n in archive.namelist()]
    with np.load(str(path), allow_pickle=True) as npz:
        return [n for n in names if npz[n].dtype == object]


def run(out, *extra):
    """K-FAC: its snapshots hold pickled Nones (factors not yet summed)."""
    train.main(['--config', config('sb_kfac_nomixup')] + COMMON +
               ['--out', str(out)] + list(extra))


@pytest.fixture(scope='module')
def snapshot_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('run')
    run(out, '--set', 'epochs=1')
    return out


def copy_run(source, into):
    into.mkdir()
    for name in os.listdir(str(source)):
        if (source / name).is_file():
            (into / name).write_bytes((source / name).read_bytes())
    return into


def test_a_real_snapshot_holds_none_entries_and_loads(snapshot_run, tmp_path):
    path = snapshot_run / 'snapshot_epoch_1'
    entries = none_entries(path)
    assert entries, 'the test needs a snapshot with a pickled None'
    with safe_files.SafeNpz(str(path)) as npz:
        for name in entries:
            assert npz[name][()] is None
        with np.load(str(path), allow_pickle=True) as reference:
            assert sorted(npz) == sorted(reference.files)
            for name in reference.files:
                if name not in entries:
                    np.testing.assert_array_equal(npz[name], reference[name])


def test_a_real_snapshot_resumes(snapshot_run, tmp_path):
    out = copy_run(snapshot_run, tmp_path / 'out')
    run(out, '--set', 'epochs=2', '--resume', 'auto')
    assert (out / 'snapshot_epoch_2').exists()


@pytest.mark.parametrize('value', ['creates a file', [1, 2]])
def test_altered_snapshot_entry_is_refused_on_resume(snapshot_run, tmp_path,
                                                     value):
    out = copy_run(snapshot_run, tmp_path / 'out')
    path = out / 'snapshot_epoch_1'
    entry = none_entries(path)[0]
    pwned = tmp_path / 'pwned'
    save_with_object_entry(path, entry, CreatesAFile(pwned)
                           if value == 'creates a file' else value)
    with pytest.raises(checkpoint.CheckpointError) as caught:
        run(out, '--set', 'epochs=2', '--resume', str(path))
    message = str(caught.value)
    assert str(path) in message and 'entry ' + entry in message
    assert not pwned.exists()
    assert not (out / 'snapshot_epoch_2').exists()


def test_pickled_imagenet_mean_is_refused(tmp_path):
    pwned = tmp_path / 'pwned'
    mean = np.empty((), dtype=object)
    mean[()] = CreatesAFile(pwned)
    path = str(tmp_path / 'mean.npy')
    np.save(path, mean, allow_pickle=True)
    with pytest.raises(StudyError, match='mean image .*mean.npy'):
        imagenet.load_mean(path, 4)
    assert not pwned.exists()


def test_pickle_in_place_of_an_idx_file_is_refused(tmp_path):
    pwned = tmp_path / 'pwned'
    path = str(tmp_path / 'train-images-idx3-ubyte.gz')
    with gzip.open(path, 'wb') as f:
        f.write(pickle.dumps(CreatesAFile(pwned)))
    with pytest.raises(StudyError, match='train-images-idx3-ubyte'):
        idx_files.read_idx_images(path)
    assert not pwned.exists()


def test_python_tags_in_a_config_are_refused(tmp_path):
    pwned = tmp_path / 'pwned'
    path = tmp_path / 'evil.yaml'
    path.write_text('seed: !!python/object/apply:builtins.open [{}, w]\n'
                    .format(pwned))
    with pytest.raises(StudyError, match='evil.yaml'):
        config_file.read_yaml(str(path))
    assert not pwned.exists()


def test_chainer_load_npz_would_have_run_it(tmp_path):
    """The threat is real: Chainer's own loader runs the crafted entry."""
    path = tmp_path / 'snapshot'
    np.savez(str(path), a=np.zeros(2))
    os.replace(str(path) + '.npz', str(path))
    pwned = tmp_path / 'pwned'
    save_with_object_entry(path, 'b', CreatesAFile(pwned))
    target = {'a': np.ones(2), 'b': None}

    class Holder(object):
        def serialize(self, serializer):
            target['a'] = serializer('a', target['a'])
            serializer('b', None)
    chainer.serializers.load_npz(str(path), Holder())
    assert pwned.exists()
    pwned.unlink()
    with pytest.raises(safe_files.UnsafeFile, match='entry b'):
        safe_files.load_npz(str(path), Holder())
    assert not pwned.exists()
