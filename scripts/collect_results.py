#!/usr/bin/env python
"""Copy a suite's results without its snapshots (for docs/results/).

    python scripts/collect_results.py results/quick docs/results/quick

Copies the table, the figures and, per run, config.yaml, env.json, log,
train.log, landscape_*.json and sharpness.json, and the suite's
suite.yaml and report.md (seed folders SUITE/seed_N/RUN included).
"""
import argparse
import os
import shutil

KEEP = ('config.yaml', 'env.json', 'log', 'train.log', 'DONE',
        'sharpness.json', 'suite.yaml', 'report.md')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    args = parser.parse_args()
    for root, _dirs, files in os.walk(args.src):
        rel = os.path.relpath(root, args.src)
        for name in files:
            keep = (name in KEEP or rel.startswith('figures') or
                    name.startswith('table.') or name.startswith('landscape'))
            if not keep or name.startswith('snapshot'):
                continue
            dst = os.path.join(args.dst, rel)
            os.makedirs(dst, exist_ok=True)
            shutil.copy2(os.path.join(root, name), os.path.join(dst, name))
            print(os.path.join(dst, name))


if __name__ == '__main__':
    main()
