"""One suite runner per output folder: a lock file naming its holder.

``OUT/SUITE/.run_suite.lock`` holds JSON ``{pid, host, started, argv}``
and is created with ``O_EXCL``, so of two runners started together exactly
one gets it. A lock whose holder is on this host but no longer running (a
runner killed with -9, a crashed machine's reboot) is stale: it is replaced,
with a message. A live holder, or one on another host (which cannot be
checked from here), refuses the start with the PID, the host and the fix.
"""
import json
import os
import socket
import sys
import time

NAME = '.run_suite.lock'


class LockHeld(RuntimeError):
    """Another runner holds the folder; the message names it."""


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class SuiteLock(object):
    """``with SuiteLock(folder):`` holds the folder's lock."""

    def __init__(self, folder):
        self.path = os.path.join(folder, NAME)
        self.held = False

    def acquire(self):
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                self._replace_if_stale()
                continue
            with os.fdopen(fd, 'w') as f:
                json.dump({'pid': os.getpid(), 'host': socket.gethostname(),
                           'started': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
                           'argv': sys.argv}, f)
            self.held = True
            return self
        raise LockHeld('{} appeared again while replacing a stale lock; '
                       'another runner is starting'.format(self.path))

    def _replace_if_stale(self):
        holder = _read(self.path)
        if holder is None:
            raise LockHeld('{} exists but is unreadable (a runner may be '
                           'writing it); if no runner uses this folder, '
                           'delete it'.format(self.path))
        here = holder.get('host') == socket.gethostname()
        if here and not _alive(int(holder.get('pid', -1))):
            print('removing the stale lock {} of PID {} (no longer '
                  'running)'.format(self.path, holder['pid']), flush=True)
            os.remove(self.path)
            return
        raise LockHeld(
            'another suite runner (PID {}, host {}, started {}) holds {}: '
            'one runner per output folder. Wait for it or stop it; if it is '
            'gone{}, delete {}'.format(
                holder.get('pid'), holder.get('host'), holder.get('started'),
                os.path.dirname(self.path),
                '' if here else ' (another host: not checkable from here)',
                self.path))

    def release(self):
        if self.held:
            holder = _read(self.path)
            if holder and holder.get('pid') == os.getpid():
                os.remove(self.path)
            self.held = False

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
