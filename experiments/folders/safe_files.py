"""Reading files that others may have written, without running their code.

A pickle can name any importable callable and have it called while it is
read; a shared cluster folder is no place to trust one. Two formats the
study reads hold pickles:

- CIFAR-10's python batches (``data_batch_N``, ``test_batch``): a dict of
  bytes, ints, lists and NumPy arrays. :func:`load_pickle` reads them with
  an unpickler that resolves only what those files hold (NumPy's array
  reconstruction, ``ndarray``, ``dtype``, ``_codecs.encode`` of a pickle
  written at protocol 2, ``_frombuffer`` at protocol 5) and refuses any
  other name, naming the file and the name;
- Chainer's snapshots (``save_npz``): arrays, plus ``None`` stored as a
  pickled 0-d object array. :class:`SafeNpz` opens them with NumPy's
  pickle off; an object entry is read by the same restricted unpickler
  and accepted only when it is exactly such a ``None``. :func:`load_npz`
  is ``chainer.serializers.load_npz`` over it.

Everything else the package reads is data by construction: idx files and
the ImageNet mean through NumPy with pickle off, YAML through
``yaml.safe_load``, JSON.
"""
import io
import pickle
import zipfile
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import IO, Any

import numpy

from experiments.errors import StudyError

#: (module, name) a data pickle may resolve: how NumPy pickles an array.
ALLOWED = frozenset({
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'),       # protocol 5
    ('numpy._core.numeric', '_frombuffer'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('_codecs', 'encode'),
})


class UnsafeFile(StudyError, ValueError):
    """A file holds a pickled object other than data; the message names the
    file (and entry) and what it would have called."""


class _DataUnpickler(pickle.Unpickler):
    """An unpickler that resolves only :data:`ALLOWED`."""

    def __init__(self, f: IO[bytes], where: str, **kwargs: Any) -> None:
        super().__init__(f, **kwargs)
        self.where = where

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise UnsafeFile(
            '{} holds a pickled {}.{}, which reading it would call: it is '
            'not a data file of this package (only arrays, numbers, text '
            'and lists are admitted). Replace it with the real file'.format(
                self.where, module, name))


def load_pickle(f: IO[bytes], where: str, encoding: str = 'ASCII') -> Any:
    """Unpickle data from ``f`` (named ``where`` in errors)."""
    return _DataUnpickler(f, where, encoding=encoding).load()


class SafeNpz(Mapping[str, numpy.ndarray]):
    """An ``.npz`` file's entries, read with NumPy's pickle off."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._npz = numpy.load(path, allow_pickle=False)

    def __getitem__(self, key: str) -> numpy.ndarray:
        try:
            return self._npz[key]
        except ValueError:           # an object array: pickled
            return self._object_entry(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._npz.files)

    def __len__(self) -> int:
        return len(self._npz.files)

    def __contains__(self, key: object) -> bool:
        return key in self._npz.files

    def _object_entry(self, key: str) -> numpy.ndarray:
        where = '{}: entry {}'.format(self.path, key)
        with zipfile.ZipFile(self.path) as archive:
            raw = archive.read(key + '.npy')
        f = io.BytesIO(raw)
        version = numpy.lib.format.read_magic(f)
        header = numpy.lib.format.read_array_header_1_0 if version == (1, 0) \
            else numpy.lib.format.read_array_header_2_0
        header(f)
        value = load_pickle(f, where, encoding='latin1')
        if not (isinstance(value, numpy.ndarray) and value.shape == () and
                value.dtype == object and value[()] is None):
            raise UnsafeFile(
                '{} is a pickled {} where Chainer stores only None: the '
                'snapshot was altered; resume from another one'.format(
                    where, type(value).__name__))
        return value

    def close(self) -> None:
        self._npz.close()

    def __enter__(self) -> 'SafeNpz':
        return self

    def __exit__(self, kind: type[BaseException] | None,
                 error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def load_npz(path: str, obj: Any, prefix: str = '') -> None:
    """``chainer.serializers.load_npz(path, obj, path=prefix)`` with pickle
    off (:class:`SafeNpz`)."""
    from chainer.serializers.npz import NpzDeserializer
    with SafeNpz(path) as npz:
        NpzDeserializer(npz, path=prefix).load(obj)
