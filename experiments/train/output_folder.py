"""The output folder of a run: created, writable and with room, or a
message that names it and the fix (rank 0 checks; every rank refuses).

``prepare(out)`` creates ``out`` and writes (then deletes) an empty file
in it; the errors a user can meet there are turned into one sentence:
``--out`` is a file, or lies below one; the folder cannot be created or
written (permissions, a read-only file system); the disk is full.
"""
import errno
import os
import shutil
import tempfile

#: below this many free bytes a disk counts as full (a checkpoint of the
#: smallest run is larger).
MIN_FREE_BYTES = 1 << 20
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)
_FULL = (errno.ENOSPC, errno.EDQUOT)


def _file_above(out: str) -> str | None:
    """The nearest existing ancestor of ``out`` if it is not a folder."""
    path = os.path.abspath(out)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None if os.path.isdir(path) else path


def _describe(e: OSError, out: str) -> str:
    if e.errno in _FULL:
        return 'the disk holding {} is full ({}): free some space'.format(
            out, e.strerror)
    if e.errno in _READ_ONLY:
        return ('the output folder {} is not writable ({}): choose a '
                'writable --out, or fix its permissions'.format(
                    out, e.strerror))
    return 'cannot write in the output folder {} ({}: {})'.format(
        out, type(e).__name__, e)


def prepare(out: str) -> str | None:
    """Create ``out`` if needed; None if a run can write there, else the
    message that says why not."""
    above = _file_above(out)
    if above == os.path.abspath(out):
        return ('--out {} is a file, not a folder: choose another --out'
                .format(out))
    if above is not None:
        return ('--out {} lies below {}, which is a file, not a folder: '
                'choose another --out'.format(out, above))
    try:
        os.makedirs(out, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix='.write_test_', dir=out)
        os.close(fd)
        os.remove(probe)
        free = shutil.disk_usage(out).free
    except OSError as e:
        return _describe(e, out)
    if free < MIN_FREE_BYTES:
        return ('the disk holding {} is full ({} bytes free): free some '
                'space'.format(out, free))
    return None
