"""Sharpness of each finished run's final model over several directions.

    python -m experiments sharpness RESULTS [--into DST] [--directions 5]
        [--n-train 3000] [--force]

For every finished run under RESULTS whose final snapshot is present:
RUN/sharpness.json with the sharpness along ``--directions`` Gaussian and
as many filter-normalised directions, on the first ``--n-train`` training
examples (experiments/sharpness/measure.py says how). With --into, it goes
to the same relative folder under DST instead, e.g. the committed copy of
the run without its snapshots, so the report can be regenerated from
committed files alone. Runs that already have sharpness.json are skipped
unless --force. A suite whose suite file has ``sharpness:`` gets it from
the suite runner, before its report.
"""
import argparse
from collections.abc import Sequence

from experiments.folders import suite_file
from experiments.sharpness import measure


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m experiments sharpness',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('results_dir')
    parser.add_argument('--into', default=None,
                        help='write sharpness.json under this folder instead')
    parser.add_argument('--directions', type=int,
                        default=suite_file.SHARPNESS_DIRECTIONS)
    parser.add_argument('--n-train', type=int,
                        default=suite_file.SHARPNESS_N_TRAIN)
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args(argv)
    if args.directions < measure.MIN_DIRECTIONS:
        parser.error('--directions must be at least 5 (the report needs a '
                     'mean and sd over >= 5 directions per model)')
    measure.write_sharpness(args.results_dir, args.directions, args.n_train,
                            into=args.into, force=args.force)
    return 0
