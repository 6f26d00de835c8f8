"""Refuse per-rank snapshot files that disagree in state the ranks share.

Under MPI every rank loads its own file (``snapshot_...rank<r>``). Most of
what a file holds must be the same on every rank: the iteration, the
iterator's position, every extension's trigger state, the optimizer's and
K-FAC's step counters, the model's parameters. A rank that loaded another
step's trigger or counter takes another branch at the next step (one rank
writes a checkpoint and waits in its barrier while the other waits in an
all-reduce) and the job hangs. So before any rank loads its file the ranks
allgather, per entry, the zip member's CRC-32 and size, and every entry
that differs is refused, in one line naming the entry, the ranks and
their values, unless a rule below says the entry is each rank's own.

Entries that are each rank's own (found in real 2-rank snapshots of the
study's configs, with and without the ImageNet recipe's features and
K-FAC's refinements, and of VGG; tests/experiments/train/
test_rank_agreement.py):

- ``_snapshot_elapsed_time``: each rank's own clock;
- an entry whose last name starts with ``rng_``: a random stream, seeded
  per rank (the iterator's shuffling, mixup's and random erasing's draws);
- ``updater/iterator:*/order``: the rank's shuffled order of its shard;
- ``.../mixup/prior_*``: running mixup's previous batch, of this rank's
  shard;
- ``.../kfac/blocks/<layer>/...`` but ``acc_count``: the layer's Kronecker
  factors, inverses and damping (held by the rank that owns the layer,
  the others hold none) and this rank's accumulated statistics;
- ``.../kfac/accumulated_grads/...``: this rank's gradient sums;
- ``.../kfac/stale/<layer>/<F>_last`` and ``<F>_before_last``: stale
  statistics' last two estimates of a factor, held by the rank that owns
  the layer (its ``<F>_schedule`` is shared);
- ``avg_mean`` and ``avg_var``: batch normalization's running statistics
  of this rank's batches;
- the state of a model parameter held outside the model
  (``<prefix>/<parameter path>/<name>``, where ``updater/model:<m>/
  <parameter path>`` is an entry): update rules and update-rule hooks
  (``normalize_weight``) run only on the rank that owns the parameter.

An entry present on some ranks only is not compared: the extensions only
rank 0 runs (LogReport, PlotReport) and the update-rule state of a
parameter a rank does not own.
"""
import fnmatch
import hashlib
import zipfile
from typing import Any

import numpy

from chainer_kfac.distributed import KFACCommunicator
from experiments.folders import safe_files
from experiments.train import failure

#: ``{entry: (CRC-32, size)}`` of one rank's file.
Digests = dict[str, tuple[int, int]]
#: shell patterns of entries that are each rank's own (module docstring).
PER_RANK = ('_snapshot_elapsed_time', '*/rng_*', 'rng_*',
            'updater/iterator:*/order', '*/mixup/prior_*',
            '*/kfac/blocks/*', '*/kfac/accumulated_grads/*',
            '*/kfac/stale/*_last', '*/kfac/stale/*_before_last',
            '*/avg_mean', '*/avg_var')
#: how many differing entries a refusal names (then: "and N more").
SHOWN = 3


def digests(path: str) -> Digests:
    """``{entry: (CRC-32, size)}`` of the members of a snapshot (read from
    the zip directory, not from the data)."""
    with zipfile.ZipFile(path) as z:
        return {_entry(i.filename): (i.CRC, i.file_size)
                for i in z.infolist()}


def _entry(member: str) -> str:
    return member[:-len('.npy')] if member.endswith('.npy') else member


def per_rank(entry: str, parameters: set[str]) -> bool:
    """True if ``entry`` is each rank's own (module docstring)."""
    if entry.endswith('/acc_count'):
        return False
    if any(fnmatch.fnmatchcase(entry, p) for p in PER_RANK):
        return True
    parent = entry.rsplit('/', 1)[0]
    return not entry.startswith('updater/model:') and any(
        parent.endswith('/' + p) for p in parameters)


def parameters(names: Any) -> set[str]:
    """The model's entry paths (``updater/model:<m>/<path>`` -> path)."""
    found = set()
    for name in names:
        head, _, path = name.partition('/')
        if head == 'updater' and path.startswith('model:') and '/' in path:
            found.add(path.split('/', 1)[1])
    return found


def suspects(everyone: list[Digests]) -> list[str]:
    """Entries on every rank that differ and are not each rank's own."""
    common = set(everyone[0]).intersection(*everyone[1:])
    params = parameters(common)
    return sorted(e for e in common if len({d[e] for d in everyone}) > 1
                  and not per_rank(e, params))


def described(path: str, entries: list[str]) -> dict[str, tuple[str, str]]:
    """``{entry: (content digest, value as shown)}`` of this rank's file
    (a content digest: a file rewritten with another npy header but the
    same values is no disagreement)."""
    out = {}
    with safe_files.SafeNpz(path) as data:
        for entry in entries:
            array = numpy.asarray(data[entry])
            out[entry] = (_content(array), _shown(array))
    return out


def _content(array: numpy.ndarray) -> str:
    if array.dtype == object:
        return repr(array.tolist())
    digest = hashlib.sha256('{}{}'.format(array.shape,
                                          array.dtype.str).encode())
    digest.update(numpy.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def _shown(array: numpy.ndarray) -> str:
    if array.dtype == object or array.size == 1:
        return repr(array.reshape(-1)[0].item() if array.dtype != object
                    else array.tolist())
    return 'an array {} (sha256 {})'.format(array.shape,
                                            _content(array)[:12])


def check(path: str, shown_path: str,
          comm: KFACCommunicator | None) -> None:
    """Refuse, on every rank, per-rank files (``path``: this rank's) that
    disagree in an entry the ranks share; nothing under one process."""
    if comm is None or comm.size == 1:
        return
    differing = suspects(comm.allgather_obj(digests(path)))
    if not differing:
        return
    values = comm.allgather_obj(described(path, differing))
    disagree = [e for e in differing if len({v[e][0] for v in values}) > 1]
    if disagree:
        failure.raise_on_every_rank(refusal(shown_path, disagree, values),
                                    comm)


def refusal(shown_path: str, entries: list[str],
            values: list[dict[str, tuple[str, str]]]) -> str:
    """The one-line refusal naming each entry, the ranks and values."""
    parts = ['`{}` is {}'.format(e, ', '.join(
        '{} on rank {}'.format(v[e][1], r) for r, v in enumerate(values)))
        for e in entries[:SHOWN]]
    more = len(entries) - SHOWN
    return ('cannot resume from {}: the ranks\' files disagree in state '
            'every rank shares ({}{}), so the ranks would not take the '
            'same steps; resume from files that all ranks wrote at one '
            'step, or with --resume auto (the last complete '
            'checkpoint)'.format(shown_path, '; '.join(parts),
                                 '; and {} more'.format(more)
                                 if more > 0 else ''))
