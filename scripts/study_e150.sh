#!/usr/bin/env bash
# Start or continue the fmnist_e150 study (Table 2's 150 epochs on
# Fashion-MNIST) in the background-friendly way docs/results/README.md
# describes in its section "2b. Table 2's own schedule: 150 epochs on
# Fashion-MNIST":
#
#   scripts/study_e150.sh [STUDY_DIR]      # default: $HOME/kfac_study
#
# STUDY_DIR/code is a clone of ONE commit: the one the runs committed under
# docs/results/fmnist_e150 record (python -m experiments restore), else this
# checkout's HEAD, or STUDY_COMMIT when set. Later calls reuse it, so changes
# made meanwhile never enter a run halfway; each run's env.json records the
# commit. STUDY_DIR/results holds the run folders; the committed runs are
# laid back into it (a new machine does not train them again), the suite
# runner skips finished runs, resumes interrupted ones and, as the suite
# file asks, measures the K-FAC runs' sharpness before the report. Order:
# the four K-FAC runs of seeds 0, 1, 2 (claim 3 needs only them), then the
# four SGD runs of seeds 0, 1, 2; two at a time, at low priority (nice 19)
# so tests and benchmarks keep a core. The suite runner is the clone's own:
# python -m experiments suite, or scripts/run_suite.py in a clone of a
# commit from before that command (the study's ac90948 is one; its runner
# measures no sharpness: run python -m experiments sharpness afterwards).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
STUDY="${1:-$HOME/kfac_study}"
CODE="$STUDY/code"
COMMITTED="$SRC/docs/results/fmnist_e150"
# Stdlib only: the system's python3 runs it before any venv exists, from
# $SRC (so paths given to it are absolute).
restore() { (cd "$SRC" && python3 -m experiments restore "$@"); }
mkdir -p "$STUDY/results/fmnist_e150"
RESULTS="$(cd "$STUDY/results/fmnist_e150" && pwd)"
if [ ! -d "$CODE/.git" ]; then
    COMMIT="${STUDY_COMMIT:-$(restore "$COMMITTED")}"
    git clone -q "$SRC" "$CODE"
    git -C "$CODE" checkout -q "${COMMIT:-$(git -C "$SRC" rev-parse HEAD)}"
fi
restore "$COMMITTED" --into "$RESULTS"
echo "study: $STUDY, code at $(git -C "$CODE" rev-parse --short HEAD)"
cd "$CODE"
make -s venv fashion-mnist
if [ -f experiments/__main__.py ]; then
    SUITE=(-m experiments suite)
else
    SUITE=(scripts/run_suite.py)
fi
KFAC="lb_kfac_mixup lb_kfac_nomixup sb_kfac_mixup sb_kfac_nomixup"
SGD="lb_sgd_mixup lb_sgd_nomixup sb_sgd_mixup sb_sgd_nomixup"
for only in "$KFAC" "$SGD"; do
    # shellcheck disable=SC2086
    nice -n 19 .venv/bin/python "${SUITE[@]}" fmnist_e150 --seeds 0-2 \
        --jobs 2 --out "$STUDY/results" --only $only
done
