#!/usr/bin/env bash
# Start or continue the fmnist_e150 study (Table 2's 150 epochs on
# Fashion-MNIST) in the background-friendly way docs/results/README.md
# section 6 describes:
#
#   scripts/study_e150.sh [STUDY_DIR]      # default: $HOME/kfac_study
#
# STUDY_DIR/code is a clone of ONE commit: the one the runs committed under
# docs/results/fmnist_e150 record (scripts/restore_study.py), else this
# checkout's HEAD, or STUDY_COMMIT when set. Later calls reuse it, so changes
# made meanwhile never enter a run halfway; each run's env.json records the
# commit. STUDY_DIR/results holds the run folders; the committed runs are
# laid back into it (a new machine does not train them again), run_suite.py
# skips finished runs and resumes interrupted ones. Order: the four K-FAC
# runs of seeds 0, 1, 2 (claim 3 needs only them), then the four SGD runs of
# seeds 0, 1, 2; two at a time, at low priority (nice 19) so tests and
# benchmarks keep a core.
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
STUDY="${1:-$HOME/kfac_study}"
CODE="$STUDY/code"
COMMITTED="$SRC/docs/results/fmnist_e150"
mkdir -p "$STUDY/results/fmnist_e150"
if [ ! -d "$CODE/.git" ]; then
    COMMIT="${STUDY_COMMIT:-$(python3 "$SRC/scripts/restore_study.py" "$COMMITTED")}"
    git clone -q "$SRC" "$CODE"
    git -C "$CODE" checkout -q "${COMMIT:-$(git -C "$SRC" rev-parse HEAD)}"
fi
python3 "$SRC/scripts/restore_study.py" "$COMMITTED" \
    --into "$STUDY/results/fmnist_e150"
echo "study: $STUDY, code at $(git -C "$CODE" rev-parse --short HEAD)"
cd "$CODE"
make -s venv fashion-mnist
KFAC="lb_kfac_mixup lb_kfac_nomixup sb_kfac_mixup sb_kfac_nomixup"
SGD="lb_sgd_mixup lb_sgd_nomixup sb_sgd_mixup sb_sgd_nomixup"
for only in "$KFAC" "$SGD"; do
    # shellcheck disable=SC2086
    nice -n 19 .venv/bin/python scripts/run_suite.py fmnist_e150 --seeds 0-2 \
        --jobs 2 --out "$STUDY/results" --only $only
done
