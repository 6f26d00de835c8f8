"""The fmnist_e150 runs of a GPU window: how far they got, and packed so a
later window continues them (docs/gpu.md).

    python -m experiments gpu-check suite status SUITE_DIR
    python -m experiments gpu-check suite pack SUITE_DIR DEST
    python -m experiments gpu-check suite tiny-data SRC DST N_TRAIN N_TEST

``status``: per run folder (a folder with config.yaml, at any depth below
SUITE_DIR): its newest complete checkpoint (``snapshot_epoch_N.complete``),
its last logged test accuracy, and DONE. ``pack``: DEST/suite-sb.tar.gz and
DEST/suite-lb.tar.gz (runs named ``sb_*`` and the rest): every file of every
run except the checkpoints older than its newest complete one, temporaries
and the ``snapshot_error_iter_N`` a stopped run leaves (``--resume auto``
never reads them), paths starting at SUITE_DIR's name (``fmnist_e150/seed_3/
sb_kfac_mixup/...``), so ``tar -xzf`` into a results folder and ``python
-m experiments suite`` (its default ``--resume auto``) go on; a tarball over
the 16 MiB a device window returns is reported as an error.
``tiny-data``: the first N_TRAIN training and N_TEST test images and labels
of Fashion-MNIST's idx .gz files in SRC, written to DST (the rehearsal's
data).
"""
import argparse
import gzip
import json
import os
import tarfile
from collections.abc import Sequence
from typing import Any

from experiments.folders import run_folder, snapshots

#: the most a device window returns per file.
MAX_BYTES = 16 * 2 ** 20
IDX = {'train-images-idx3-ubyte.gz': 'train', 'train-labels-idx1-ubyte.gz':
       'train', 't10k-images-idx3-ubyte.gz': 'test',
       't10k-labels-idx1-ubyte.gz': 'test'}


def newest_epoch(run: str) -> int | None:
    """The epoch of the newest complete checkpoint of ``run``, or None."""
    epochs = snapshots.marked_epochs(run)
    return max(epochs) if epochs else None


def last_accuracy(run: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(run, 'log')) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return None
    tested = [e for e in entries if 'validation/main/accuracy' in e]
    last: dict[str, Any] | None = tested[-1] if tested else None
    return last


def cmd_status(args: argparse.Namespace) -> int:
    runs = run_folder.run_folders(args.suite_dir)
    done = 0
    for run in runs:
        entry = last_accuracy(run)
        finished = run_folder.is_finished(run)
        done += finished
        print('{:40s} checkpoint epoch {}  {}{}'.format(
            os.path.relpath(run, args.suite_dir), newest_epoch(run),
            'test accuracy {:.4f} at epoch {:.2f}'.format(
                entry['validation/main/accuracy'],
                entry.get('epoch_detail', entry['epoch']))
            if entry else 'no evaluation yet', '  DONE' if finished else ''))
    epochs = [newest_epoch(r) or 0 for r in runs]
    print('{} runs, {} done; newest checkpoints at epochs {}'.format(
        len(runs), done, epochs))
    return 0


def kept(run: str, name: str) -> bool:
    """True for the files of ``run`` a continuation needs."""
    if name.startswith(('tmpsnapshot', 'snapshot_error')):
        return False
    parsed = snapshots.parse(name)
    return parsed is None or parsed.epoch == newest_epoch(run)


def cmd_pack(args: argparse.Namespace) -> int:
    base = os.path.dirname(os.path.abspath(args.suite_dir))
    groups: dict[str, list[str]] = {'sb': [], 'lb': []}
    for run in run_folder.run_folders(args.suite_dir):
        key = 'sb' if os.path.basename(run).startswith('sb_') else 'lb'
        groups[key].append(run)
    status = 0
    for key, runs in groups.items():
        if not runs:
            continue
        path = os.path.join(args.dest, 'suite-{}.tar.gz'.format(key))
        with tarfile.open(path, 'w:gz') as tar:
            for extra in ('suite.yaml',):
                full = os.path.join(args.suite_dir, extra)
                if os.path.exists(full):
                    tar.add(full, os.path.relpath(full, base))
            for run in runs:
                for name in sorted(os.listdir(run)):
                    if kept(run, name):
                        full = os.path.join(run, name)
                        tar.add(full, os.path.relpath(full, base))
        size = os.path.getsize(path)
        print('{}: {} runs, {:.1f} MiB'.format(path, len(runs),
                                               size / 2 ** 20))
        if size > MAX_BYTES:
            print('error: {} is over the 16 MiB a window returns'.format(
                path))
            status = 1
    return status


def cmd_tiny_data(args: argparse.Namespace) -> int:
    os.makedirs(args.dst, exist_ok=True)
    for name, split in IDX.items():
        n = args.n_train if split == 'train' else args.n_test
        with gzip.open(os.path.join(args.src, name)) as f:
            data = f.read()
        ndim = data[3]
        dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big')
                for i in range(ndim)]
        item = 1
        for d in dims[1:]:
            item *= d
        header = data[:4] + n.to_bytes(4, 'big') + data[8:4 + 4 * ndim]
        body = data[4 + 4 * ndim:4 + 4 * ndim + n * item]
        with gzip.open(os.path.join(args.dst, name), 'wb') as f:
            f.write(header + body)
    print('{} training and {} test images of {} in {}'.format(
        args.n_train, args.n_test, args.src, args.dst))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m experiments gpu-check suite',
        description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    status = sub.add_parser('status')
    status.add_argument('suite_dir')
    status.set_defaults(run=cmd_status)
    pack = sub.add_parser('pack')
    pack.add_argument('suite_dir')
    pack.add_argument('dest')
    pack.set_defaults(run=cmd_pack)
    tiny = sub.add_parser('tiny-data')
    for name in ('src', 'dst'):
        tiny.add_argument(name)
    for name in ('n_train', 'n_test'):
        tiny.add_argument(name, type=int)
    tiny.set_defaults(run=cmd_tiny_data)
    args = parser.parse_args(argv)
    exit_status: int = args.run(args)
    return exit_status
