"""Copy a suite's finished runs without their snapshots (for docs/results/).

    python -m experiments collect results/quick docs/results/quick

Copies the table, the figures and, per finished run (one with a DONE file),
config.yaml, env.json, log, train.log, landscape_*.json and sharpness.json,
and the suite's suite.yaml and report.md (seed folders SUITE/seed_N/RUN
included). A run still in progress (config.yaml, no DONE) is skipped and
named, so that docs/results only ever holds finished runs;
--include-unfinished copies it too.
"""
import argparse
import os
import shutil
from collections.abc import Sequence

from experiments.folders import run_folder

KEEP = (run_folder.CONFIG, 'env.json', 'log', 'train.log', run_folder.FINISHED,
        'sharpness.json', 'suite.yaml', 'report.md')


def wanted(rel: str, name: str) -> bool:
    """Whether SRC/rel/name belongs in docs/results."""
    if name.startswith('snapshot'):
        return False
    return (name in KEEP or rel.startswith('figures') or
            name.startswith('table.') or name.startswith('landscape'))


def collect(src: str, dst: str, include_unfinished: bool = False
            ) -> tuple[list[str], list[str]]:
    """Copy what docs/results keeps; returns (copied paths, skipped runs)."""
    copied: list[str] = []
    skipped: list[str] = []
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        if run_folder.unfinished(files) and not include_unfinished:
            skipped.append(rel)
            dirs[:] = []
            continue
        for name in sorted(f for f in files if wanted(rel, f)):
            folder = os.path.join(dst, rel)
            os.makedirs(folder, exist_ok=True)
            shutil.copy2(os.path.join(root, name), os.path.join(folder, name))
            copied.append(os.path.join(folder, name))
    return copied, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments collect',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--include-unfinished', action='store_true',
                        help='also copy runs without DONE (in progress)')
    args = parser.parse_args(argv)
    copied, skipped = collect(args.src, args.dst, args.include_unfinished)
    for path in copied:
        print(path)
    for rel in skipped:
        print('[skip] {}: unfinished (no DONE); --include-unfinished '
              'copies it'.format(os.path.join(args.src, rel)))
    return 0
