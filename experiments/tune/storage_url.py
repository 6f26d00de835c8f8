"""Where the database URL of a tuning comes from, and how it is shown.

A URL may hold a password (``postgresql://kfac:PASSWORD@db/kfac``, or
``?password=`` in its query). A command line is seen by every user of the
machine (``ps``) and kept in shell histories and job scripts, and a config
is committed, so a URL with a password comes only from

- ``$KFAC_TUNE_STORAGE``, or
- ``--storage-file FILE``: the URL on the first line of a file that only
  its owner can read (``chmod 600 FILE``; any access for the group or
  others is refused, naming the file and the fix).

``--storage URL`` takes a URL without a password (``sqlite:///tune.db``);
one with a password is refused. The package writes the URL nowhere (no
config.yaml, env.json, log, trial folder, tuned suite or report holds
it; the workers that ``--jobs`` starts get it in their environment, which
only the owner can read), and every message shows it with its password as
``***`` (:func:`redact`). tests/experiments/tune/test_storage_secrets.py
tunes with a known password and searches every file for it.
"""
import os
import re
import stat
import urllib.parse
from collections.abc import Mapping

from experiments.tune.errors import StorageError

VARIABLE = 'KFAC_TUNE_STORAGE'
#: query keys that hold a password (libpq's and the drivers' names)
SECRET_KEYS = ('password', 'passwd', 'pwd', 'sslpassword')
#: the userinfo password of a URL, parsed or not
_USERINFO = re.compile(r'://[^:/@\s]*:([^@\s]*)@')
MASK = '***'


def resolve(given: str | None, file: str | None,
            environ: Mapping[str, str] = os.environ) -> str | None:
    """The storage URL: ``--storage`` (no password), ``--storage-file``
    or ``$KFAC_TUNE_STORAGE``; None: the journal file."""
    if given is not None and file is not None:
        raise StorageError('give one of --storage URL and --storage-file '
                           'FILE, not both')
    if given is not None:
        if secrets(given):
            raise StorageError(
                '--storage {}: the URL holds a password, and a command line '
                'is seen by every user (ps) and kept in shell histories and '
                'job scripts: put the URL in a file only you can read '
                '(chmod 600 FILE) and give --storage-file FILE, or set '
                '${}'.format(shown(given), VARIABLE))
        return given
    if file is not None:
        return read_file(file)
    return environ.get(VARIABLE) or None


def read_file(path: str) -> str:
    """The URL on the first non-empty line of ``path``, a file only its
    owner may read or write."""
    try:
        mode = os.stat(path).st_mode
        with open(path) as f:
            lines = [line.strip() for line in f]
    except OSError as error:
        raise StorageError('--storage-file {}: {}'.format(
            path, error.strerror)) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise StorageError(
            '--storage-file {}: the group or others may access it (mode '
            '{:04o}) and it holds the storage URL: chmod 600 {}'.format(
                path, stat.S_IMODE(mode), path))
    url = next((line for line in lines if line), None)
    if url is None:
        raise StorageError('--storage-file {}: the file is empty; write the '
                           'storage URL on its first line'.format(path))
    return url


def secrets(url: str) -> list[str]:
    """The password(s) in ``url``, as written and decoded (empty: none)."""
    found = [m.group(1) for m in _USERINFO.finditer(url) if m.group(1)]
    query = urllib.parse.urlsplit(url).query if '?' in url else ''
    found += [v for k, v in urllib.parse.parse_qsl(query)
              if k.lower() in SECRET_KEYS and v]
    try:
        from sqlalchemy.engine import make_url
        parsed = make_url(url)
        if parsed.password:
            found.append(str(parsed.password))
        found += [str(v) for k, v in parsed.query.items()
                  if k.lower() in SECRET_KEYS and v]
    except Exception:   # not a URL SQLAlchemy parses: the forms above
        pass
    forms = set(found) | {urllib.parse.quote(s, safe='') for s in found} | \
        {urllib.parse.quote_plus(s) for s in found}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, url: str | None = None) -> str:
    """``text`` with every form of the password of ``url`` (default: the
    URL in ``text``) replaced by ``***``."""
    for secret in secrets(url if url is not None else text):
        text = text.replace(secret, MASK)
    return text


def shown(url: str) -> str:
    """``url`` as a message may show it: its password as ``***``."""
    return redact(url, url)
